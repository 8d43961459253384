/**
 * The arguments of the Glue and EMR scripts, built in one place: the Pulumi components
 * (infra/components/glue-job.ts, emr-spark.ts) set them as the jobs' default arguments with
 * `s3://` locations, and local Spark (`--engine spark`, the equivalence tests) passes the same
 * ones with lake folders. Pure: locations are given, nothing is looked up.
 */
import type { AssetDefinition } from '../../assets/core';
import type { RecommenderModel } from '../../assets/kinds';

/** The module every Glue and EMR script imports (jobs/glue/lake_storage.py), shipped beside them. */
export const SCRIPT_STORAGE_HELPER = 'jobs/glue/lake_storage.py';

/** Where and how a script writes an asset: its lake folder (s3:// or local) and layout. */
export interface LakeTarget {
  /** Folder URI or path, with a trailing slash. */
  readonly uri: string;
  readonly format: string;
  /** Hive partition columns, outermost first (`dt`, `hour`). */
  readonly partitionKeys: readonly string[];
  /** Glue Catalog table (`db.table`) to register partitions in; empty off AWS. */
  readonly catalogTable?: string;
}

/** How a Glue job reads one of its deps: a lake folder or a source table over JDBC. */
export type GlueInput =
  | { readonly view: string; readonly kind: 'lake'; readonly path: string; readonly format: string }
  | {
      readonly view: string;
      readonly kind: 'jdbc';
      readonly connection: string;
      readonly schema: string;
      readonly table: string;
      /** Spark JDBC options (TLS: sslmode...); the runner refuses a source read without them. */
      readonly options: Readonly<Record<string, string>>;
    };

/** The temp-view name a dep is read as in SQL: `zone/name` -> `zone__name`. */
export const viewName = (key: string): string => key.replace(/\//g, '__');

/** The scripts' `--partition_cadence`: the time cadence, `static` or `none`. */
export function partitionCadence(asset: AssetDefinition): string {
  return asset.partitions?.type === 'time' ? asset.partitions.cadence : asset.partitions ? 'static' : 'none';
}

/** Output arguments shared by both Glue runners: where and how the result is written. */
export function glueOutputArguments(asset: AssetDefinition, target: LakeTarget): Record<string, string> {
  return {
    '--output_uri': target.uri,
    '--output_format': target.format,
    '--partition_keys': target.partitionKeys.join(','),
    '--partition_cadence': partitionCadence(asset),
    '--catalog_table': target.catalogTable ?? '',
  };
}

/** jobs/glue/sql_runner.py's arguments for a `glue-sql` asset. */
export function glueSqlArguments(asset: AssetDefinition, target: LakeTarget, sqlUri: string, inputs: readonly GlueInput[]): Record<string, string> {
  return { ...glueOutputArguments(asset, target), '--sql_uri': sqlUri, '--inputs': JSON.stringify(inputs) };
}

/** jobs/glue/jdbc_extract.py's arguments for a `glue-extract` asset. */
export function glueExtractArguments(
  asset: AssetDefinition,
  target: LakeTarget,
  source: {
    readonly connection: string;
    readonly schema: string;
    readonly table: string;
    readonly partitionColumn?: string;
    /** Spark JDBC options (TLS); the script refuses to extract without them. */
    readonly jdbcOptions: Readonly<Record<string, string>>;
  },
): Record<string, string> {
  return {
    ...glueOutputArguments(asset, target),
    '--connection_name': source.connection,
    '--source_schema': source.schema,
    '--source_table': source.table,
    '--partition_column': source.partitionColumn ?? '',
    '--jdbc_options': JSON.stringify(source.jdbcOptions),
  };
}

/**
 * An `emr-spark` script's entry-point arguments: each dep's folder, the output, the asset's
 * params and, for a model, its declaration as JSON (`--model`), the one the embedded trainer reads.
 */
export function emrEntryPointArguments(
  inputs: readonly { readonly key: string; readonly uri: string }[],
  outputUri: string,
  params: Readonly<Record<string, unknown>>,
  model?: RecommenderModel,
): string[] {
  return [
    ...inputs.flatMap((i) => ['--input', `${viewName(i.key)}=${i.uri}`]),
    '--output',
    outputUri,
    ...Object.entries(params).flatMap(([k, v]) => [`--${k}`, String(v)]),
    ...(model ? ['--model', JSON.stringify(model)] : []),
  ];
}

/** The per-run arguments of a Glue job: the window as ISO timestamps (UTC) and the Headwater run id. */
export function glueRunArguments(runId: string, window?: { start: Date; end: Date }): Record<string, string> {
  return {
    '--headwater_run_id': runId,
    ...(window ? { '--partition_start': window.start.toISOString(), '--partition_end': window.end.toISOString() } : {}),
  };
}

/** The per-run arguments appended to an `emr-spark` script's entry-point arguments: the window, when there is one. */
export const emrWindowArguments = (window?: { start: Date; end: Date }): string[] =>
  window ? ['--partition_start', window.start.toISOString(), '--partition_end', window.end.toISOString()] : [];

/** A Glue argument map as a command line (`--name value` pairs), as Glue hands it to the script. */
export const argumentList = (args: Readonly<Record<string, string>>): string[] => Object.entries(args).flatMap(([k, v]) => [k, v]);
