import type { KindDescriptorOf } from '../core/kinds';
import { GLUE_JOB_DEFAULTS, type GlueJobSettings } from './glue-job';

/**
 * "Publish the newest partition's top rows": a small JSON list (`latest.json` at the asset's root)
 * that serving reads when it cannot answer from the model or the indexes. Both engines write it
 * (DuckDB embedded, jobs/glue/sql_runner.py on Glue and local Spark) after committing the
 * partitions; a backfill of older partitions never replaces a newer list.
 */
export interface FallbackSettings {
  /** The output column holding each row's id (the served entity's id, e.g. an item id). */
  readonly id: string;
  /** The output column ranking the rows; it is also each row's `score` in the list. */
  readonly orderBy: string;
  /** Lowest value first instead of highest first (a rank column). Ties are broken by `id`. @default false */
  readonly ascending: boolean;
  /** How many rows the list keeps. @default 100 */
  readonly top: number;
  /** Further output columns copied into each entry under their own names. @default [] */
  readonly columns: readonly string[];
}

/** A fallback as declared: `id` and `orderBy` are required, the rest defaults. */
export type FallbackInput = Pick<FallbackSettings, 'id' | 'orderBy'> & Partial<Omit<FallbackSettings, 'id' | 'orderBy'>>;

/** The file a `fallback` writes at the root of the asset's lake folder. */
export const FALLBACK_FILE = 'latest.json';

/**
 * Glue ETL job running one SQL file with Spark SQL (embedded: the same file on DuckDB).
 * The SQL reads its deps as tables named after their keys with `/` -> `__` (`raw__ratings`) and
 * sees `{{partition_start}}` / `{{partition_end}}` as the time window being computed.
 */
export interface GlueSqlSettings extends GlueJobSettings {
  readonly kind: 'glue-sql';
  /** Repo-relative path of the SQL file (under jobs/transforms/sql/). */
  readonly sql: string;
  /** Publish the newest partition's top rows for serving (see `FallbackSettings`). @default none */
  readonly fallback?: FallbackSettings;
}

export const glueSql = (
  s: Pick<GlueSqlSettings, 'sql'> & Partial<Omit<GlueSqlSettings, 'kind' | 'sql' | 'fallback'>> & { readonly fallback?: FallbackInput },
): GlueSqlSettings => {
  const { fallback, ...rest } = s;
  return { kind: 'glue-sql', ...GLUE_JOB_DEFAULTS, ...rest, ...(fallback ? { fallback: { ascending: false, top: 100, columns: [], ...fallback } } : {}) };
};

/** What is wrong with a declared fallback, given the asset's columns (its contract's or its SQL's; undefined: unknown). */
export function fallbackProblems(f: FallbackSettings, columns: readonly string[] | undefined): string[] {
  const problems: string[] = [];
  if (!Number.isInteger(f.top) || f.top < 1 || f.top > 10_000) problems.push(`fallback.top must be a whole number from 1 to 10,000, got ${f.top}`);
  if (columns) {
    for (const [what, name] of [['id', f.id], ['orderBy', f.orderBy], ...f.columns.map((c) => ['columns', c] as const)] as const) {
      if (!columns.includes(name)) problems.push(`fallback.${what} names '${name}', which is not one of its columns (${columns.join(', ')})`);
    }
  }
  return problems;
}

export const glueSqlKind: KindDescriptorOf<GlueSqlSettings, 'batch'> = {
  name: 'glue-sql',
  description: 'AWS Glue Spark SQL job (embedded: DuckDB) running one SQL file shared by both engines',
  category: 'batch',
  files: ['sql'],
  // The fallback's columns against the asset's contract (the SQL's output is checked when it runs).
  validate: (asset) => {
    const { fallback } = asset.compute as unknown as GlueSqlSettings;
    return fallback ? fallbackProblems(fallback, asset.contract?.columns.map((c) => c.name)) : [];
  },
  // Spark handles a week of hourly partitions in one run cheaper than 168 cold starts.
  backfill: { type: 'single_run', maxPartitionsPerRun: 168 },
};
