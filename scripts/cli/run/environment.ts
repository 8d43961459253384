/**
 * Opens the environment a command runs in: `local` (embedded) or a deployed stack, whose
 * environment lives in jobs/aws/environment.ts. Never loads Pulumi. Each environment's modules
 * (DuckDB, PGlite, the AWS SDK) are loaded when it is opened, so commands that do not open one
 * start without them; commands that only read the run log use `withRunLog`, which loads neither.
 */
import path from 'node:path';
import type { RunLog } from '../../../assets/core';
import type { Environment, Executor } from '../../../jobs/engine';
import { readRepoFile } from '../../../jobs/engine/repo-files';
// Types only: the modules themselves are required when an environment is opened.
import type * as EmbeddedModule from '../../../jobs/embedded/environment';
import type * as PathsModule from '../../../jobs/embedded/paths';
import type * as RunLogModule from '../../../jobs/embedded/runlog';
import type * as IntegrityModule from '../../../jobs/embedded/lake/integrity';
import type { EngineName } from '../../../jobs/embedded/engine-names';
import { UserError } from '../errors';

/** Executors a `--graph` module exports as `embeddedExecutors`, for its own compute kinds. */
function graphExecutors(graphModule: string | undefined): Executor[] {
  if (!graphModule) return [];
  // Already loaded (and validated) by loadGraph: this is a cache hit.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require(path.resolve(graphModule)) as { embeddedExecutors?: unknown };
  return Array.isArray(mod.embeddedExecutors) ? (mod.embeddedExecutors as Executor[]) : [];
}

/** The environment named by `--env`; `engine` picks the embedded environment's engine (`--engine`). */
export async function openEnvironment(envName: string, graphModule?: string, engine?: EngineName): Promise<Environment> {
  if (envName === 'local') {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { EmbeddedEnvironment } = require('../../../jobs/embedded/environment') as typeof EmbeddedModule;
    return new EmbeddedEnvironment({ extraExecutors: graphExecutors(graphModule), ...(engine ? { engine } : {}) });
  }
  if (engine && engine !== 'default') throw new UserError(`--engine ${engine} runs in the embedded environment only (--env local); on --env ${envName} the stack's Glue jobs and EMR Serverless run the same scripts`);
  let mod: Record<string, unknown>;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    mod = require('../../../jobs/aws/environment') as Record<string, unknown>;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND' || !String((e as Error).message).includes(path.join('jobs', 'aws', 'environment'))) throw e;
    throw new UserError(`--env ${envName}: running against a deployed stack needs jobs/aws/environment.ts, which is not in this tree; use --env local (the default) to run embedded`);
  }
  const open = ['openAwsEnvironment', 'createAwsEnvironment', 'default'].map((n) => mod[n]).find((f) => typeof f === 'function') as
    | ((stack: string) => Environment | Promise<Environment>)
    | undefined;
  if (!open) throw new UserError(`--env ${envName}: jobs/aws/environment.ts exports no openAwsEnvironment(stack)`);
  try {
    return await open(envName);
  } catch (e) {
    throw new UserError(`--env ${envName}: ${(e as Error).message}`);
  }
}

/** Opens the environment, runs `fn` with it, and closes it whatever happens. */
export async function withEnvironment<T>(envName: string, graphModule: string | undefined, fn: (env: Environment) => Promise<T>): Promise<T> {
  const env = await openEnvironment(envName, graphModule);
  try {
    return await fn(env);
  } finally {
    await env.close();
  }
}

/** What a command that only reads the run log needs. */
export interface RunLogAccess {
  readonly runLog: RunLog;
  /** Reads a repo file (code versions hash them). */
  readCode(repoPath: string): string | undefined;
  /** Compares recorded files with the storage (status's cheap integrity pass); absent where the storage cannot be listed. */
  verifyFiles?: Environment['verifyFiles'];
}

/**
 * Opens only the run log of the environment (locally: the SQLite file, no executor, no source
 * database), runs `fn` with it, and closes it: what status, runs and run need to start fast.
 */
export async function withRunLog<T>(envName: string, graphModule: string | undefined, fn: (access: RunLogAccess) => Promise<T>): Promise<T> {
  if (envName !== 'local') return withEnvironment(envName, graphModule, fn);
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { LocalRunLog } = require('../../../jobs/embedded/runlog') as typeof RunLogModule;
  const { localPaths, localRoot } = require('../../../jobs/embedded/paths') as typeof PathsModule;
  const { verifyFileFacts } = require('../../../jobs/embedded/lake/integrity') as typeof IntegrityModule;
  /* eslint-enable @typescript-eslint/no-require-imports */
  const runLog = new LocalRunLog(localPaths.runLog());
  try {
    return await fn({ runLog, readCode: readRepoFile, verifyFiles: (files, deep) => verifyFileFacts(localRoot(), files, deep) });
  } finally {
    await runLog.close();
  }
}
