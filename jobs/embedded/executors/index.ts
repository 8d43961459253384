/**
 * The embedded executors, one module per compute kind, wired into the local environment.
 * Each is written by the engineer who owns that kind; a kind whose module is not in the tree yet
 * is reported as not runnable, with the file that is missing, instead of failing to load.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Executor } from '../../engine/environment';
import type { SourceAccess } from '../source';

/** What executors share within one process: one source connection, the lake and index roots. */
export interface ExecutorDeps {
  readonly source: SourceAccess;
  readonly lakeRoot: string;
  readonly indexesRoot: string;
}

interface ExecutorModule {
  readonly kind: string;
  /** Repo-relative module path, without extension. */
  readonly module: string;
}

/** The kinds the embedded environment can run, and where each executor lives. */
export const EMBEDDED_EXECUTORS: readonly ExecutorModule[] = [
  { kind: 'glue-extract', module: 'jobs/embedded/executors/glue-extract' },
  { kind: 'glue-sql', module: 'jobs/embedded/executors/glue-sql' },
  { kind: 'emr-spark', module: 'jobs/embedded/executors/emr-spark' },
  { kind: 'vector-index', module: 'jobs/embedded/executors/vector-index' },
];

const repo = path.resolve(__dirname, '..', '..', '..');
const exists = (modulePath: string) => ['.ts', '.js'].some((ext) => fs.existsSync(path.join(repo, modulePath + ext)));
const pascal = (kind: string) => kind.replace(/(^|-)([a-z])/g, (_m, _d, c: string) => c.toUpperCase());

const isExecutor = (x: unknown, kind: string): x is Executor =>
  typeof x === 'object' && x !== null && (x as Executor).kind === kind && typeof (x as Executor).execute === 'function';

/**
 * Builds the executor a module exports: a factory `create<Kind>Executor(deps)` (e.g.
 * `createGlueSqlExecutor`), or an `Executor` object exported as `executor` or `default`.
 */
function fromModule(mod: Record<string, unknown>, kind: string, deps: ExecutorDeps): Executor | undefined {
  const factory = mod[`create${pascal(kind)}Executor`];
  if (typeof factory === 'function') {
    const e = (factory as (d: ExecutorDeps) => unknown)(deps);
    if (isExecutor(e, kind)) return e;
  }
  for (const name of ['executor', 'default', `${kind.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase())}Executor`]) {
    if (isExecutor(mod[name], kind)) return mod[name];
  }
  return undefined;
}

/** Why a kind cannot run embedded, or undefined when it can. */
export function unavailableReason(kind: string): string | undefined {
  const entry = EMBEDDED_EXECUTORS.find((e) => e.kind === kind);
  if (!entry) return `no embedded executor is declared for compute kind '${kind}' (add one to jobs/embedded/executors/index.ts)`;
  if (!exists(entry.module)) return `the embedded executor for '${kind}' (${entry.module}.ts) is not in this tree yet`;
  return undefined;
}

/** Loads the executors whose modules exist; returns them and, for the others, why not. */
export function loadExecutors(deps: ExecutorDeps): { executors: Map<string, Executor>; missing: Map<string, string> } {
  const executors = new Map<string, Executor>();
  const missing = new Map<string, string>();
  for (const entry of EMBEDDED_EXECUTORS) {
    const why = unavailableReason(entry.kind);
    if (why) {
      missing.set(entry.kind, why);
      continue;
    }
    let mod: Record<string, unknown>;
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      mod = require(path.join(repo, entry.module)) as Record<string, unknown>;
    } catch (e) {
      missing.set(entry.kind, `${entry.module}.ts failed to load: ${(e as Error).message.split('\n')[0]}`);
      continue;
    }
    const executor = fromModule(mod, entry.kind, deps);
    if (executor) executors.set(entry.kind, executor);
    else missing.set(entry.kind, `${entry.module}.ts exports no executor for '${entry.kind}' (expected create${pascal(entry.kind)}Executor(deps) or an Executor)`);
  }
  return { executors, missing };
}
