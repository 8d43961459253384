/**
 * The AWS executors, one module per batch kind (`<kind>.ts`, each exporting
 * `create<Kind>Executor(deps)`), wired into a stack's environment. The same `Executor` shape as
 * the embedded ones (jobs/engine/environment.ts). Adding a batch kind: write `<kind>.ts` and add it
 * below (a batch kind of assets/kinds/index.ts without an entry does not compile).
 */
import type { BatchKindName } from '../../assets/kinds';
import type { Executor } from '../engine/environment';
import { createEmrSparkExecutor } from './emr-spark';
import type { AwsExecutorDeps } from './executor-deps';
import { createGlueExtractExecutor } from './glue-extract';
import { createGlueSqlExecutor } from './glue-sql';
import { createVectorIndexExecutor } from './vector-index';

/** The factory of each batch kind's AWS executor. Sources, services and streams are deployed, not materialized. */
export const AWS_EXECUTORS: { readonly [K in BatchKindName]: (deps: AwsExecutorDeps) => Executor } = {
  'glue-extract': createGlueExtractExecutor,
  'glue-sql': createGlueSqlExecutor,
  'emr-spark': createEmrSparkExecutor,
  'vector-index': createVectorIndexExecutor,
};

/** Builds every AWS executor, by kind. */
export function loadAwsExecutors(deps: AwsExecutorDeps): Map<string, Executor> {
  return new Map(Object.entries(AWS_EXECUTORS).map(([kind, create]) => [kind, create(deps)]));
}
