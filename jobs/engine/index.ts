/** The generic run engine and its seam with environments. */
export * from './environment';
export { EngineInputError, materialize, newRunId, type MaterializeOptions, type MaterializeResult, type RunResult } from './engine';
export { evaluateMetricCheck } from './metric-checks';
export { silentReporter, type EngineReporter, type RunOutcome, type RunProgress } from './reporter';
export { partitionsLabel } from './run-request';
