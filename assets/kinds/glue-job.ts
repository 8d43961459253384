/** Settings every Glue job kind shares (extract and SQL), with their defaults. */
export interface GlueJobSettings {
  /** Glue worker type. Default `G.1X`. */
  readonly workerType: 'G.1X' | 'G.2X' | 'G.4X';
  /** Number of workers. Default 2. */
  readonly workers: number;
  /** Job timeout in minutes. Default 30. */
  readonly timeoutMinutes: number;
  /** Retries before a run fails. Default 1. */
  readonly maxRetries: number;
}

export const GLUE_JOB_DEFAULTS: GlueJobSettings = { workerType: 'G.1X', workers: 2, timeoutMinutes: 30, maxRetries: 1 };
