import type { KindDescriptor } from '../core/kinds';

/** Glue job that snapshots a source table over JDBC into the lake (embedded: PGlite -> Parquet). */
export interface GlueExtractSettings {
  readonly kind: 'glue-extract';
  /** The source asset whose table is read (its contract is checked first). */
  readonly from: string;
  /** For partitioned extracts: the timestamp column that places a row in a partition. */
  readonly partitionColumn?: string;
  /** Glue worker type. Default `G.1X`. */
  readonly workerType: 'G.1X' | 'G.2X' | 'G.4X';
  /** Number of workers. Default 2. */
  readonly workers: number;
  /** Job timeout in minutes. Default 30. */
  readonly timeoutMinutes: number;
  /** Retries before a run fails. Default 1. */
  readonly maxRetries: number;
}

export const glueExtract = (s: Pick<GlueExtractSettings, 'from'> & Partial<Omit<GlueExtractSettings, 'kind' | 'from'>>): GlueExtractSettings => ({
  kind: 'glue-extract',
  workerType: 'G.1X',
  workers: 2,
  timeoutMinutes: 30,
  maxRetries: 1,
  ...s,
});

export const glueExtractKind: KindDescriptor = {
  name: 'glue-extract',
  description: 'AWS Glue JDBC extract into the lake (embedded: PGlite to Parquet)',
  category: 'batch',
  // One job run reads a month of daily partitions in a single JDBC scan.
  backfill: { type: 'single_run', maxPartitionsPerRun: 31 },
};
