/**
 * The declarative vocabulary of Headwater: what an asset *is*, never how it runs.
 * Everything here is plain data so that infra/, jobs/ and scripts/ can all read it.
 */
import type { PartitionsDefinition } from './partitions';
import type { BackfillPolicy } from './kinds';
import type { PartitionMapping } from './mappings';
import type { AutomationCondition } from './automation/conditions';
import type { DashboardSpec } from './dashboards';

/** A key is `zone/name`, e.g. `training/ratings_ml_training`. */
export type AssetKey = string;

/**
 * Settings of a compute kind. `kind` names the kind; each kind's settings type (assets/kinds/)
 * adds its own fields. Read them with `computeSettings<T>(asset)` after checking the kind.
 */
export interface ComputeSpec {
  readonly kind: string;
  /** Overrides the kind's backfill policy for this asset. */
  readonly backfill?: BackfillPolicy;
}

/** Where an asset's data rests: `lake`, `rds`, `kinesis`, `vector-store` or `none`, with that storage's settings. */
export interface StorageSpec {
  readonly kind: string;
  readonly [setting: string]: unknown;
}

/** A table in the lake: `<zone>/<name>/` with Hive-style partition folders, registered in the Glue Catalog. */
export interface LakeStorage extends StorageSpec {
  readonly kind: 'lake';
  /** Lake zone (bucket on AWS): raw, training, model, analytics, serving. */
  readonly zone: string;
  readonly format: 'parquet' | 'json';
  /** Glue Catalog table name. Default `<zone>_<name>`. */
  readonly catalogTable?: string;
  /** Folder layout below the table when not the asset's partitions, e.g. `year=/month=/day=/hour=`. */
  readonly layout?: string;
}

/** One column of a data contract. Types use Glue/Hive syntax (`int`, `decimal(10,2)`, `array<struct<a:string>>`). */
export interface ColumnContract {
  readonly name: string;
  readonly type: string;
  readonly nullable: boolean;
  /** Personal data: drives masking, GDPR erasure and access reviews. */
  readonly pii?: boolean;
  /**
   * The column holds the id of a data subject (a person), e.g. `'customer'`: `assets erase
   * --subject customer=103` deletes the rows whose value is 103. @default none
   */
  readonly subject?: string;
  readonly description?: string;
}

/**
 * How an asset whose contract cannot say it (a model folder, an index, a file of records) keys
 * its records by a data subject: the field holding the subject's id.
 */
export interface SubjectKey {
  /** The kind of person, as contracts name it: `customer`. */
  readonly subject: string;
  /** The field holding the id: a column of `file`, or the documents' id field of an index. */
  readonly field: string;
  /** The file of the asset's folder holding those records (a model's embeddings). @default every data file */
  readonly file?: string;
}

/**
 * Where erasure finds a subject in an asset beyond its contract's subject columns: its keyed
 * records, or `'none'` for an asset derived from personal data that holds no record of any one
 * person (an aggregate over many).
 */
export type SubjectsSpec = readonly SubjectKey[] | 'none';

/** A data contract: the schema an asset promises its consumers (or a source promises us). */
export interface Contract {
  readonly columns: readonly ColumnContract[];
  readonly primaryKey?: readonly string[];
  /**
   * `strict`: any change is breaking. `additive` (default): new columns are fine; drops,
   * renames, retypes and a not-null column becoming nullable (consumers rely on it) are breaking.
   */
  readonly evolution?: 'strict' | 'additive';
}

/** A declarative check, evaluated by the engine after each step. */
export type CheckSpec =
  | { readonly type: 'row_count'; readonly name?: string; readonly min?: number; readonly max?: number; readonly blocking?: boolean; readonly description?: string }
  | { readonly type: 'not_null'; readonly name?: string; readonly columns: readonly string[]; readonly blocking?: boolean; readonly description?: string }
  | { readonly type: 'unique'; readonly name?: string; readonly columns: readonly string[]; readonly blocking?: boolean; readonly description?: string }
  | { readonly type: 'accepted_range'; readonly name?: string; readonly column: string; readonly min?: number; readonly max?: number; readonly blocking?: boolean; readonly description?: string }
  | { readonly type: 'accepted_values'; readonly name?: string; readonly column: string; readonly values: readonly (string | number)[]; readonly blocking?: boolean; readonly description?: string }
  | {
      /** Compares two metadata values the step recorded, e.g. model recall vs the popularity baseline. */
      readonly type: 'metric_compare';
      readonly name?: string;
      readonly metric: string;
      readonly op: '>' | '>=' | '<' | '<=';
      readonly than: string | number;
      readonly blocking?: boolean;
      readonly description?: string;
    };

/** How old an asset may get before it is a freshness violation. */
export interface FreshnessPolicy {
  readonly maxLagMinutes: number;
}

/** A dependency with an explicit partition mapping; plain keys get Dagster's default mapping. */
export interface DepSpec {
  readonly asset: AssetKey | AssetDefinition;
  readonly mapping?: PartitionMapping;
}

export type DepInput = AssetKey | AssetDefinition | DepSpec;

/** What `defineAsset` accepts. */
export interface AssetSpec {
  readonly key: AssetKey;
  readonly deps?: readonly DepInput[];
  readonly partitions?: PartitionsDefinition;
  readonly compute: ComputeSpec;
  readonly storage?: StorageSpec;
  readonly contract?: Contract;
  readonly checks?: readonly CheckSpec[];
  readonly freshness?: FreshnessPolicy;
  /** When to materialize it without being asked (`assets automate`, Step Functions on AWS). @default none: only on request */
  readonly automation?: AutomationCondition;
  readonly owners?: readonly string[];
  readonly group?: string;
  readonly tags?: Readonly<Record<string, string>>;
  readonly description?: string;
  /** External data owned upstream: observed and contract-checked, never materialized. */
  readonly source?: boolean;
  /** Files (repo-relative) whose contents are the code this asset runs; hashed into its code version. */
  readonly code?: readonly string[];
  /** Bump to force a new code version without a code change (e.g. a changed external library). */
  readonly codeVersion?: string;
  /** Plot this asset as a dashboard in `assets ui`. @default none */
  readonly dashboard?: DashboardSpec;
  /** How its records are keyed by data subjects where the contract has no subject column (see `SubjectsSpec`). @default from the contract */
  readonly subjects?: SubjectsSpec;
}

/** A resolved dependency: always a key, with its mapping (undefined = default). */
export interface AssetDep {
  readonly key: AssetKey;
  readonly mapping?: PartitionMapping;
}

/** What `defineAsset` returns: the spec, normalized. */
export interface AssetDefinition {
  readonly __headwaterAsset: true;
  readonly key: AssetKey;
  readonly zone: string;
  readonly name: string;
  readonly deps: readonly AssetDep[];
  readonly partitions?: PartitionsDefinition;
  readonly compute: ComputeSpec;
  readonly storage?: StorageSpec;
  readonly contract?: Contract;
  readonly checks: readonly CheckSpec[];
  readonly freshness?: FreshnessPolicy;
  readonly automation?: AutomationCondition;
  readonly owners: readonly string[];
  readonly group?: string;
  readonly tags: Readonly<Record<string, string>>;
  readonly description?: string;
  readonly source: boolean;
  readonly code: readonly string[];
  readonly codeVersion?: string;
  readonly dashboard?: DashboardSpec;
  readonly subjects?: SubjectsSpec;
}
