import type { AssetDefinition, AssetDep, AssetSpec, DepInput } from './types';

/** True for values returned by `defineAsset`. */
export function isAssetDefinition(x: unknown): x is AssetDefinition {
  return typeof x === 'object' && x !== null && (x as { __headwaterAsset?: unknown }).__headwaterAsset === true;
}

function normalizeDep(dep: DepInput): AssetDep {
  if (typeof dep === 'string') return { key: dep };
  if (isAssetDefinition(dep)) return { key: dep.key };
  const asset = dep.asset;
  return { key: typeof asset === 'string' ? asset : asset.key, mapping: dep.mapping };
}

/**
 * Declares an asset. Pure data: nothing runs. Problems (bad key, unknown dep, cycles...) are
 * reported all together by `defineGraph`, so one declaration error never hides the next.
 */
export function defineAsset(spec: AssetSpec): AssetDefinition {
  const key = typeof spec.key === 'string' ? spec.key : String(spec.key);
  const [zone = '', name = ''] = key.split('/');
  return Object.freeze({
    __headwaterAsset: true as const,
    key,
    zone,
    name,
    deps: (spec.deps ?? []).map(normalizeDep),
    partitions: spec.partitions,
    compute: spec.compute,
    storage: spec.storage,
    contract: spec.contract,
    checks: spec.checks ?? [],
    freshness: spec.freshness,
    automation: spec.automation,
    owners: spec.owners ?? [],
    group: spec.group,
    tags: spec.tags ?? {},
    description: spec.description,
    source: spec.source ?? false,
    code: spec.code ?? [],
    codeVersion: spec.codeVersion,
    dashboard: spec.dashboard,
    ...(spec.subjects ? { subjects: spec.subjects } : {}),
  });
}
