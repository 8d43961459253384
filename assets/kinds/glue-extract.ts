import type { KindDescriptorOf } from '../core/kinds';
import { GLUE_JOB_DEFAULTS, type GlueJobSettings } from './glue-job';

/** Glue job that snapshots a source table over JDBC into the lake (embedded: PGlite -> Parquet). */
export interface GlueExtractSettings extends GlueJobSettings {
  readonly kind: 'glue-extract';
  /** The source asset whose table is read (its contract is checked first). */
  readonly from: string;
  /** For partitioned extracts: the timestamp column that places a row in a partition. */
  readonly partitionColumn?: string;
}

export const glueExtract = (s: Pick<GlueExtractSettings, 'from'> & Partial<Omit<GlueExtractSettings, 'kind' | 'from'>>): GlueExtractSettings => ({
  kind: 'glue-extract',
  ...GLUE_JOB_DEFAULTS,
  ...s,
});

export const glueExtractKind: KindDescriptorOf<GlueExtractSettings, 'batch'> = {
  name: 'glue-extract',
  description: 'AWS Glue JDBC extract into the lake (embedded: PGlite to Parquet)',
  category: 'batch',
  // One job run reads a month of daily partitions in a single JDBC scan.
  backfill: { type: 'single_run', maxPartitionsPerRun: 31 },
};
