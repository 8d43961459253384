/**
 * The engines the embedded environment runs the Glue and EMR kinds on: `default` (DuckDB on the
 * SQL files, the TypeScript trainer) or `spark` (local Spark with the scripts Glue and EMR
 * Serverless run). A module of its own so the CLI can check `--engine` without loading either.
 */
export const ENGINE_NAMES = ['default', 'spark'] as const;
export type EngineName = (typeof ENGINE_NAMES)[number];

/** True for a known engine name. */
export const isEngineName = (value: string): value is EngineName => (ENGINE_NAMES as readonly string[]).includes(value);
