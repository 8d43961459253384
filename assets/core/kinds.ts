/**
 * What the asset layer knows about a compute kind: how it groups partitions into runs and
 * whether the batch planner materializes it. The kind's other faces (Pulumi component, AWS
 * launcher, embedded executor) live in infra/ and jobs/ and are looked up by `name`.
 */
import type { AssetDefinition } from './types';

/** Dagster's backfill policies: one run for a whole range (Spark, Glue) or one run per partition. */
export type BackfillPolicy =
  | { readonly type: 'single_run'; readonly maxPartitionsPerRun?: number }
  | { readonly type: 'per_partition' };

/**
 * - `source`: owned upstream, observed and contract-checked, never materialized.
 * - `batch`: materialized by the planner, partition by partition or range by range.
 * - `service` / `stream`: long-running (an API, a delivery stream); deployed, not materialized.
 */
export type KindCategory = 'source' | 'batch' | 'service' | 'stream';

export interface KindDescriptor {
  readonly name: string;
  readonly description: string;
  readonly category: KindCategory;
  readonly backfill: BackfillPolicy;
}

/** The kinds a graph may use, by name. */
export type KindCatalog = ReadonlyMap<string, KindDescriptor>;

/** Builds a catalog from descriptors. */
export function kindCatalog(kinds: readonly KindDescriptor[]): KindCatalog {
  return new Map(kinds.map((k) => [k.name, k]));
}

/** The asset's backfill policy: its own `compute.backfill`, else its kind's. */
export function backfillPolicyOf(asset: AssetDefinition, catalog: KindCatalog): BackfillPolicy {
  return asset.compute.backfill ?? catalog.get(asset.compute.kind)?.backfill ?? { type: 'per_partition' };
}

/** The asset's category; a source asset is a source whatever its kind. */
export function categoryOf(asset: AssetDefinition, catalog: KindCatalog): KindCategory {
  if (asset.source) return 'source';
  return catalog.get(asset.compute.kind)?.category ?? 'batch';
}

/** The asset's compute settings as its kind's type. Check `asset.compute.kind` first. */
export function computeSettings<T extends { kind: string }>(asset: AssetDefinition): T {
  return asset.compute as unknown as T;
}

/** The asset's storage settings as a record of that storage kind's fields. */
export function storageSettings<T extends { kind: string }>(asset: AssetDefinition): T | undefined {
  return asset.storage as unknown as T | undefined;
}
