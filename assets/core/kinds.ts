/**
 * What the asset layer knows about a compute kind: how it groups partitions into runs, whether
 * the batch planner materializes it, and which of its settings name repo files. The kind's other
 * faces (Pulumi component, AWS executor, embedded executor) live in infra/ and jobs/, in registries
 * keyed by the kinds' names (assets/kinds/index.ts), so that a kind missing a face does not compile.
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

/** What every kind's settings have: the kind's name. */
export interface KindSettingsBase {
  readonly kind: string;
}

/** The settings of `S` whose values are repo-relative file paths (strings), `kind` aside. */
export type FileSetting<S extends KindSettingsBase> = { [F in keyof S]-?: F extends 'kind' ? never : S[F] extends string | undefined ? F : never }[keyof S] & string;

/** One compute kind, as a graph's catalog holds it. */
export interface KindDescriptor {
  readonly name: string;
  readonly description: string;
  readonly category: KindCategory;
  readonly backfill: BackfillPolicy;
  /**
   * Settings holding a repo-relative file the asset runs (a SQL file, a script, a handler):
   * `assets validate` checks that each exists.
   * @default []
   */
  readonly files?: readonly string[];
  /**
   * Problems of an asset's settings of this kind that need its deps to see (a model naming a
   * column its dep's contract lacks), each saying how to fix it; `defineGraph` reports them.
   * `depOf` finds a dep by key (undefined when the key is not a dep).
   */
  readonly validate?: (asset: AssetDefinition, depOf: (key: string) => AssetDefinition | undefined) => readonly string[];
}

/**
 * A kind of the platform's list (assets/kinds/index.ts): `S` is its settings type and `C` its
 * category, kept as literal types so the face registries can require a face of every kind (of
 * every batch kind, for executors), and `files` can only name string settings of `S`.
 */
export interface KindDescriptorOf<S extends KindSettingsBase, C extends KindCategory> extends KindDescriptor {
  readonly name: S['kind'];
  readonly category: C;
  readonly files?: readonly FileSetting<S>[];
  /** Type only, never set: carries `S` so the list of kinds can derive the union of settings. */
  readonly settingsType?: S;
}

/** The kinds a graph may use, by name. */
export type KindCatalog = ReadonlyMap<string, KindDescriptor>;

/** Builds a catalog from descriptors. */
export function kindCatalog(kinds: readonly KindDescriptor[]): KindCatalog {
  return new Map(kinds.map((k) => [k.name, k]));
}

/** The repo files the asset's kind names in its settings (`KindDescriptor.files`). */
export function settingFiles(asset: AssetDefinition, catalog: KindCatalog): string[] {
  const settings = asset.compute as unknown as Readonly<Record<string, unknown>>;
  return (catalog.get(asset.compute.kind)?.files ?? []).map((f) => settings[f]).filter((v): v is string => typeof v === 'string');
}

/**
 * The face of `kind` in a registry keyed by kind names, or undefined for a kind the registry does
 * not hold (a custom kind of a `--graph` module, or one with no face there). Own keys only, so
 * `toString` is not a kind.
 */
export function faceOf<R extends object>(registry: R, kind: string): R[keyof R] | undefined {
  return Object.prototype.hasOwnProperty.call(registry, kind) ? registry[kind as keyof R] : undefined;
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
