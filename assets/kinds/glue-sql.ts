import type { KindDescriptor } from '../core/kinds';

/**
 * Glue ETL job running one SQL file with Spark SQL (embedded: the same file on DuckDB).
 * The SQL reads its deps as tables named after their keys with `/` -> `__` (`raw__ratings`) and
 * sees `{{partition_start}}` / `{{partition_end}}` as the time window being computed.
 */
export interface GlueSqlSettings {
  readonly kind: 'glue-sql';
  /** Repo-relative path of the SQL file (under jobs/transforms/sql/). */
  readonly sql: string;
  /** Glue worker type. Default `G.1X`. */
  readonly workerType: 'G.1X' | 'G.2X' | 'G.4X';
  /** Number of workers. Default 2. */
  readonly workers: number;
  /** Job timeout in minutes. Default 30. */
  readonly timeoutMinutes: number;
  /** Retries before a run fails. Default 1. */
  readonly maxRetries: number;
}

export const glueSql = (s: Pick<GlueSqlSettings, 'sql'> & Partial<Omit<GlueSqlSettings, 'kind' | 'sql'>>): GlueSqlSettings => ({
  kind: 'glue-sql',
  workerType: 'G.1X',
  workers: 2,
  timeoutMinutes: 30,
  maxRetries: 1,
  ...s,
});

export const glueSqlKind: KindDescriptor = {
  name: 'glue-sql',
  description: 'AWS Glue Spark SQL job (embedded: DuckDB) running one SQL file shared by both engines',
  category: 'batch',
  // Spark handles a week of hourly partitions in one run cheaper than 168 cold starts.
  backfill: { type: 'single_run', maxPartitionsPerRun: 168 },
};
