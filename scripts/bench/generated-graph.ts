/**
 * A generated layered asset graph for benchmarks: `assets` assets in `layers` layers, each asset
 * reading about `depsPerAsset` assets of the layer above (deterministic, seeded).
 */
import { defineAsset, type AssetDefinition, type AutomationCondition, type FreshnessPolicy, type PartitionsDefinition } from '../../assets/core';
import { mulberry32 } from '../../jobs/seeded-random';

export interface GeneratedGraphOptions {
  readonly assets: number;
  readonly layers?: number;
  readonly depsPerAsset?: number;
  readonly partitions?: PartitionsDefinition;
  /** Compute kinds assigned round-robin (their backfill policies differ). */
  readonly kinds?: readonly string[];
  readonly seed?: number;
  /** The automation condition (and freshness policy) of asset `n` in `layer`, if any. */
  readonly automation?: (layer: number, n: number) => { readonly automation?: AutomationCondition; readonly freshness?: FreshnessPolicy } | undefined;
}

/** The assets of a layered graph; pass them to `defineGraph`. */
export function generateLayeredAssets(opts: GeneratedGraphOptions): AssetDefinition[] {
  const layers = opts.layers ?? Math.max(2, Math.round(Math.sqrt(opts.assets) / 3));
  const perLayer = Math.ceil(opts.assets / layers);
  const deps = opts.depsPerAsset ?? 3;
  const kinds = opts.kinds ?? ['glue-sql'];
  // Seeded so every run benchmarks the same graph.
  const rnd = mulberry32(opts.seed ?? 42);
  const key = (layer: number, i: number) => `l${String(layer).padStart(3, '0')}/asset_${String(i).padStart(5, '0')}`;
  const out: AssetDefinition[] = [];
  for (let n = 0; n < opts.assets; n++) {
    const layer = Math.floor(n / perLayer);
    const i = n % perLayer;
    const above = layer === 0 ? 0 : Math.min(perLayer, opts.assets - (layer - 1) * perLayer);
    const chosen = new Set<string>();
    while (layer > 0 && chosen.size < Math.min(deps, above)) chosen.add(key(layer - 1, Math.floor(rnd() * above)));
    out.push(
      defineAsset({
        key: key(layer, i),
        deps: [...chosen],
        partitions: opts.partitions,
        compute: { kind: kinds[n % kinds.length] },
        group: `layer_${layer}`,
        tags: { team: `t${n % 7}` },
        ...opts.automation?.(layer, n),
      }),
    );
  }
  return out;
}
