import type { KindDescriptorOf } from '../core/kinds';

/** A Spark job on EMR Serverless (embedded: the TypeScript trainer). */
export interface EmrSparkSettings {
  readonly kind: 'emr-spark';
  /** Repo-relative path of the PySpark entry point (under jobs/spark/). */
  readonly script: string;
  /** EMR release label. Default `emr-7.5.0`. */
  readonly releaseLabel: string;
  /** Application maximum capacity. Default 16 vCPU / 64 GB. */
  readonly maxCapacity: { readonly cpu: string; readonly memory: string };
  /** Minutes idle before the application stops itself. Default 15. */
  readonly idleTimeoutMinutes: number;
  /** Job timeout in minutes. Default 120. */
  readonly timeoutMinutes: number;
  /** Free-form job parameters passed to both the Spark script and the embedded trainer. */
  readonly params: Readonly<Record<string, string | number | boolean>>;
}

export const emrSpark = (
  s: Pick<EmrSparkSettings, 'script'> & Partial<Omit<EmrSparkSettings, 'kind' | 'script'>>,
): EmrSparkSettings => ({
  kind: 'emr-spark',
  releaseLabel: 'emr-7.5.0',
  maxCapacity: { cpu: '16 vCPU', memory: '64 GB' },
  idleTimeoutMinutes: 15,
  timeoutMinutes: 120,
  params: {},
  ...s,
});

export const emrSparkKind: KindDescriptorOf<EmrSparkSettings, 'batch'> = {
  name: 'emr-spark',
  description: 'Spark on EMR Serverless (embedded: the TypeScript trainer)',
  category: 'batch',
  files: ['script'],
  backfill: { type: 'single_run' },
};
