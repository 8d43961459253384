import type { KindDescriptorOf } from '../core/kinds';
import { GLUE_JOB_DEFAULTS, type GlueJobSettings } from './glue-job';

/**
 * Glue ETL job running one SQL file with Spark SQL (embedded: the same file on DuckDB).
 * The SQL reads its deps as tables named after their keys with `/` -> `__` (`raw__ratings`) and
 * sees `{{partition_start}}` / `{{partition_end}}` as the time window being computed.
 */
export interface GlueSqlSettings extends GlueJobSettings {
  readonly kind: 'glue-sql';
  /** Repo-relative path of the SQL file (under jobs/transforms/sql/). */
  readonly sql: string;
}

export const glueSql = (s: Pick<GlueSqlSettings, 'sql'> & Partial<Omit<GlueSqlSettings, 'kind' | 'sql'>>): GlueSqlSettings => ({
  kind: 'glue-sql',
  ...GLUE_JOB_DEFAULTS,
  ...s,
});

export const glueSqlKind: KindDescriptorOf<GlueSqlSettings, 'batch'> = {
  name: 'glue-sql',
  description: 'AWS Glue Spark SQL job (embedded: DuckDB) running one SQL file shared by both engines',
  category: 'batch',
  files: ['sql'],
  // Spark handles a week of hourly partitions in one run cheaper than 168 cold starts.
  backfill: { type: 'single_run', maxPartitionsPerRun: 168 },
};
