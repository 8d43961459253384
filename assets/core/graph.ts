/**
 * `defineGraph`: the asset DAG, validated as a whole. Every problem is collected before throwing
 * so that a fork with five mistakes sees five messages in one run, not five runs.
 */
import { subjectDeclarationProblems } from './subjects';
import { DirectedGraph } from 'graphology';
import { conditionProblems } from './automation/conditions';
import { parseColumnType } from './column-types';
import { isAssetDefinition } from './define-asset';
import { GraphError, type GraphProblem } from './errors';
import { StringMinHeap } from './heap';
import { keyProblem, suggestKey } from './keys';
import { dashboardProblems } from './dashboards';
import { mappingProblem } from './mappings';
import { categoryOf, type KindCatalog } from './kinds';
import type { AssetDefinition, AssetKey, CheckSpec, Contract } from './types';

/** A validated asset graph. Edges point downstream (dep -> dependent). */
export interface AssetGraph {
  readonly __headwaterGraph: true;
  /** Every key, in a deterministic topological order (upstream first, ties by key). */
  readonly keys: readonly AssetKey[];
  readonly dag: DirectedGraph;
  /** The compute kinds this graph's assets may use (empty when the graph declared none). */
  readonly kinds: KindCatalog;
  has(key: AssetKey): boolean;
  /** The asset, or throws when unknown (use `has` for user input). */
  get(key: AssetKey): AssetDefinition;
  /** Direct deps, in declaration order. */
  upstream(key: AssetKey): readonly AssetKey[];
  /** Direct dependents, sorted. */
  downstream(key: AssetKey): readonly AssetKey[];
  /** Position in `keys`. */
  order(key: AssetKey): number;
}

/** True for values returned by `defineGraph`. */
export function isAssetGraph(x: unknown): x is AssetGraph {
  return typeof x === 'object' && x !== null && (x as { __headwaterGraph?: unknown }).__headwaterGraph === true;
}

function contractProblems(key: string, contract: Contract): string[] {
  const problems: string[] = [];
  const names = new Set<string>();
  if (!Array.isArray(contract.columns) || contract.columns.length === 0) return ['its contract has no columns'];
  for (const c of contract.columns) {
    if (names.has(c.name)) problems.push(`contract column '${c.name}' is declared twice`);
    names.add(c.name);
    const t = parseColumnType(c.type);
    if (typeof t === 'string') problems.push(`contract column '${c.name}': ${t}`);
    if (typeof c.nullable !== 'boolean') problems.push(`contract column '${c.name}' must say nullable: true or false`);
  }
  for (const pk of contract.primaryKey ?? []) {
    if (!names.has(pk)) problems.push(`contract primaryKey names '${pk}', which is not a column of ${key}`);
  }
  return problems;
}

function checkColumns(check: CheckSpec): readonly string[] {
  switch (check.type) {
    case 'not_null':
    case 'unique':
      return check.columns;
    case 'accepted_range':
    case 'accepted_values':
      return [check.column];
    default:
      return [];
  }
}

function checkProblems(asset: AssetDefinition): string[] {
  const problems: string[] = [];
  const columns = asset.contract ? new Set(asset.contract.columns.map((c) => c.name)) : undefined;
  const names = new Set<string>();
  for (const check of asset.checks) {
    const name = checkName(check);
    if (names.has(name)) problems.push(`two checks are named '${name}'; give one a distinct name`);
    names.add(name);
    if (columns) {
      for (const col of checkColumns(check)) {
        if (!columns.has(col)) problems.push(`check '${name}' names column '${col}', which is not in the contract`);
      }
    }
    if (check.type === 'row_count' && check.min !== undefined && check.max !== undefined && check.min > check.max) {
      problems.push(`check '${name}' has min ${check.min} above max ${check.max}`);
    }
  }
  return problems;
}

/** A check's name: its own, or derived from its type and columns (`not_null:customerNumber`). */
export function checkName(check: CheckSpec): string {
  if (check.name) return check.name;
  switch (check.type) {
    case 'not_null':
    case 'unique':
      return `${check.type}:${check.columns.join(',')}`;
    case 'accepted_range':
    case 'accepted_values':
      return `${check.type}:${check.column}`;
    case 'metric_compare':
      return `${check.metric}${check.op}${check.than}`;
    default:
      return check.type;
  }
}

/** A check blocks downstream steps unless declared `blocking: false`. */
export const isBlocking = (check: CheckSpec): boolean => check.blocking !== false;

/** Finds cycles among `keys` (the nodes Kahn's algorithm could not order), each as a path `a -> b -> a`. */
function findCycles(dag: DirectedGraph, stuck: Set<string>): string[][] {
  const cycles: string[][] = [];
  const done = new Set<string>();
  for (const start of [...stuck].sort()) {
    if (done.has(start)) continue;
    // Walk downstream inside the stuck set until a node repeats: that closes a cycle.
    const path: string[] = [];
    const at = new Map<string, number>();
    let node: string | undefined = start;
    while (node !== undefined && !at.has(node) && !done.has(node)) {
      at.set(node, path.length);
      path.push(node);
      node = dag.outNeighbors(node).filter((n) => stuck.has(n)).sort()[0];
    }
    if (node !== undefined && at.has(node)) {
      const cycle = path.slice(at.get(node));
      cycles.push([...cycle, node]);
    }
    for (const n of path) done.add(n);
  }
  return cycles;
}

/**
 * Builds and validates the graph: keys, duplicates, unknown deps (with a suggestion), cycles
 * (as paths), partition mappings, contracts and checks. Throws `GraphError` listing every problem.
 */
export interface GraphOptions {
  /** When given, every asset's compute kind must be one of these. */
  readonly kinds?: KindCatalog;
}

export function defineGraph(assets: readonly AssetDefinition[], options: GraphOptions = {}): AssetGraph {
  const problems: GraphProblem[] = [];
  const byKey = new Map<string, AssetDefinition>();
  const dag = new DirectedGraph({ allowSelfLoops: true });

  for (const [i, asset] of assets.entries()) {
    if (!isAssetDefinition(asset)) {
      problems.push({ code: 'invalid_asset', key: `#${i}`, message: 'is not an asset; create it with defineAsset({...})' });
      continue;
    }
    const kp = keyProblem(asset.key);
    if (kp) problems.push({ code: 'invalid_key', key: String(asset.key), message: kp });
    if (byKey.has(asset.key)) {
      problems.push({ code: 'duplicate_key', key: asset.key, message: `is declared more than once; each key must be unique (rename one of them)` });
      continue;
    }
    byKey.set(asset.key, asset);
    dag.addNode(asset.key);
  }

  for (const asset of byKey.values()) {
    if (!asset.compute || typeof asset.compute.kind !== 'string') {
      problems.push({ code: 'invalid_asset', key: asset.key, message: `has no compute kind; declare compute: { kind: '...' }` });
    } else if (options.kinds && !options.kinds.has(asset.compute.kind)) {
      const hint = suggestKey(asset.compute.kind, options.kinds.keys());
      problems.push({
        code: 'invalid_asset',
        key: asset.key,
        message: `uses unknown compute kind '${asset.compute.kind}'${hint ? `; did you mean '${hint}'?` : ''} (known: ${[...options.kinds.keys()].join(', ')})`,
      });
    }
    if (asset.source && asset.deps.length) {
      problems.push({ code: 'invalid_asset', key: asset.key, message: 'is a source asset (owned upstream) and cannot have deps' });
    }
    if (asset.freshness && !(asset.freshness.maxLagMinutes > 0)) {
      problems.push({ code: 'invalid_asset', key: asset.key, message: 'freshness.maxLagMinutes must be a positive number of minutes' });
    }
    const seenDeps = new Set<string>();
    for (const dep of asset.deps) {
      if (seenDeps.has(dep.key)) {
        problems.push({ code: 'invalid_asset', key: asset.key, message: `lists dep '${dep.key}' twice` });
        continue;
      }
      seenDeps.add(dep.key);
      const up = byKey.get(dep.key);
      if (!up) {
        const hint = suggestKey(dep.key, byKey.keys());
        problems.push({
          code: 'unknown_dep',
          key: asset.key,
          message: `depends on unknown asset '${dep.key}'${hint ? `; did you mean '${hint}'?` : '; declare it or remove the dep'}`,
        });
        continue;
      }
      dag.mergeEdge(dep.key, asset.key);
      const mp = mappingProblem(dep.mapping, asset.partitions, up.partitions);
      if (mp) problems.push({ code: 'incompatible_partitions', key: asset.key, message: `dep '${dep.key}': ${mp}` });
    }
    if (asset.contract) {
      for (const message of contractProblems(asset.key, asset.contract)) problems.push({ code: 'invalid_contract', key: asset.key, message });
    }
    for (const message of checkProblems(asset)) problems.push({ code: 'invalid_check', key: asset.key, message });
    for (const message of subjectDeclarationProblems(asset)) problems.push({ code: 'invalid_contract', key: asset.key, message });
    if (asset.automation) {
      const subject = { deps: asset.deps.map((d) => d.key), hasFreshness: Boolean(asset.freshness), source: asset.source };
      for (const message of conditionProblems(asset.automation, subject)) problems.push({ code: 'invalid_automation', key: asset.key, message });
      const category = options.kinds ? categoryOf(asset, options.kinds) : 'batch';
      if (!asset.source && category !== 'batch') {
        problems.push({ code: 'invalid_automation', key: asset.key, message: `is a ${category} asset (deployed, not materialized); remove its automation condition` });
      }
    }
    if (asset.dashboard) for (const message of dashboardProblems(asset.dashboard, asset.contract)) problems.push({ code: 'invalid_asset', key: asset.key, message });
    const validate = asset.compute && options.kinds?.get(asset.compute.kind)?.validate;
    if (validate) {
      const depOf = (key: string) => (seenDeps.has(key) ? byKey.get(key) : undefined);
      for (const message of validate(asset, depOf)) problems.push({ code: 'invalid_asset', key: asset.key, message });
    }
  }

  // Kahn's algorithm with a min-heap frontier: a deterministic order (ties by key) that plans and diffs can rely on.
  const indegree = new Map<string, number>();
  const ready = new StringMinHeap();
  dag.forEachNode((n) => {
    const d = dag.inDegree(n);
    indegree.set(n, d);
    if (d === 0) ready.push(n);
  });
  const keys: string[] = [];
  for (let n = ready.pop(); n !== undefined; n = ready.pop()) {
    keys.push(n);
    dag.forEachOutNeighbor(n, (m) => {
      const d = indegree.get(m)! - 1;
      indegree.set(m, d);
      if (d === 0) ready.push(m);
    });
  }
  if (keys.length < dag.order) {
    const ordered = new Set(keys);
    const stuck = new Set(dag.nodes().filter((n) => !ordered.has(n)));
    for (const cycle of findCycles(dag, stuck)) {
      problems.push({ code: 'cycle', key: cycle[0], message: `is in a cycle: ${cycle.join(' -> ')}; remove one of these deps` });
    }
  }

  if (problems.length) throw new GraphError(problems);

  const order = new Map(keys.map((k, i) => [k, i]));
  const downstreamCache = new Map<string, readonly string[]>();
  return Object.freeze({
    __headwaterGraph: true as const,
    keys,
    dag,
    kinds: options.kinds ?? new Map(),
    has: (key: string) => byKey.has(key),
    get(key: string): AssetDefinition {
      const a = byKey.get(key);
      if (!a) throw new Error(`unknown asset '${key}'`);
      return a;
    },
    upstream: (key: string) => byKey.get(key)?.deps.map((d) => d.key) ?? [],
    downstream(key: string) {
      let d = downstreamCache.get(key);
      if (!d) {
        d = dag.hasNode(key) ? dag.outNeighbors(key).sort() : [];
        downstreamCache.set(key, d);
      }
      return d;
    },
    order: (key: string) => order.get(key) ?? -1,
  });
}
