/**
 * The embedded executors, one module per compute kind (each written by the engineer who owns
 * that kind), wired into the local environment with what they share in one process.
 * Adding a batch kind: write `<kind>.ts` exporting `create<Kind>Executor(deps)` and add it below
 * (a batch kind of assets/kinds/index.ts without an entry does not compile).
 */
import type { BatchKindName } from '../../../assets/kinds';
import type { Executor } from '../../engine/environment';
import type { SourceAccess } from '../source';
import { createEmrSparkExecutor } from './emr-spark';
import { createGlueExtractExecutor } from './glue-extract';
import { createGlueSqlExecutor } from './glue-sql';
import { createVectorIndexExecutor } from './vector-index';

/** What executors share within one process: one source connection and the lake root. */
export interface ExecutorDeps {
  readonly source: SourceAccess;
  readonly lakeRoot: string;
}

/** The factory of each batch kind's embedded executor. Sources, services and streams are not materialized. */
export const EMBEDDED_EXECUTORS: { readonly [K in BatchKindName]: (deps: ExecutorDeps) => Executor } = {
  'glue-extract': (d) => createGlueExtractExecutor({ lakeRoot: d.lakeRoot, source: d.source }),
  'glue-sql': (d) => createGlueSqlExecutor({ lakeRoot: d.lakeRoot, source: d.source }),
  'emr-spark': (d) => createEmrSparkExecutor({ lakeRoot: d.lakeRoot }),
  'vector-index': (d) => createVectorIndexExecutor({ lakeRoot: d.lakeRoot }),
};

/** Builds every embedded executor, by kind. */
export function loadExecutors(deps: ExecutorDeps): Map<string, Executor> {
  return new Map(Object.entries(EMBEDDED_EXECUTORS).map(([kind, create]) => [kind, create(deps)]));
}
