/**
 * Where an asset's data rests in the lake: the zone bucket, the `<name>/` prefix and the Hive
 * partition columns below it. The same layout the embedded lake uses, so a table moves between
 * environments unchanged.
 */
import type { AssetDefinition, LakeStorage } from '../assets/core';

export interface LakeLayout {
  readonly zone: string;
  readonly prefix: string;
  readonly format: 'parquet' | 'json';
  readonly partitionKeys: readonly string[];
  readonly catalogTable: string;
}

/** The asset's lake storage, or undefined when it does not rest in the lake. */
export function lakeStorageOf(asset: AssetDefinition): LakeStorage | undefined {
  return asset.storage?.kind === 'lake' ? (asset.storage as LakeStorage) : undefined;
}

/** Partition columns: the declared folder layout, else the embedded lake's (`dt`, `hour`, `month`), else `partition`. */
export function partitionKeysOf(asset: AssetDefinition, storage: LakeStorage): string[] {
  if (storage.layout) {
    return storage.layout
      .split('/')
      .filter(Boolean)
      .map((part) => part.replace(/=$/, ''));
  }
  const p = asset.partitions;
  if (!p) return [];
  if (p.type === 'static') return ['partition'];
  // The embedded lake's folders (jobs/embedded/lake/layout.ts): dt=YYYY-MM-DD[/hour=HH], month=YYYY-MM.
  switch (p.cadence) {
    case 'hourly':
      return ['dt', 'hour'];
    case 'daily':
    case 'weekly':
      return ['dt'];
    case 'monthly':
      return ['month'];
  }
}

/** Glue Catalog table names allow lower-case letters, digits and `_` only. */
export const catalogName = (text: string): string => text.toLowerCase().replace(/[^a-z0-9_]/g, '_');

/** The asset's layout in the lake, or undefined for assets stored elsewhere. */
export function lakeLayoutOf(asset: AssetDefinition): LakeLayout | undefined {
  const storage = lakeStorageOf(asset);
  if (!storage) return undefined;
  return {
    zone: storage.zone,
    prefix: `${asset.name}/`,
    format: storage.format,
    partitionKeys: partitionKeysOf(asset, storage),
    catalogTable: catalogName(storage.catalogTable ?? `${storage.zone}_${asset.name}`),
  };
}

/** A name safe in Pulumi logical names and AWS resource names: `zone/some_name` -> `zone-some-name`. */
export const slug = (key: string): string => key.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
