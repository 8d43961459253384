/**
 * Opens the environment a command runs in: `local` (embedded) or a deployed stack, whose
 * environment lives in jobs/aws/environment.ts. Never loads Pulumi.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Environment, Executor } from '../../../jobs/engine';
import { EmbeddedEnvironment } from '../../../jobs/embedded/environment';
import { UserError } from '../errors';

const repo = path.resolve(__dirname, '..', '..', '..');

/** Executors a `--graph` module exports as `embeddedExecutors`, for its own compute kinds. */
function graphExecutors(graphModule: string | undefined): Executor[] {
  if (!graphModule) return [];
  // Already loaded (and validated) by loadGraph: this is a cache hit.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require(path.resolve(graphModule)) as { embeddedExecutors?: unknown };
  return Array.isArray(mod.embeddedExecutors) ? (mod.embeddedExecutors as Executor[]) : [];
}

/** The environment named by `--env`. */
export async function openEnvironment(envName: string, graphModule?: string): Promise<Environment> {
  if (envName === 'local') return new EmbeddedEnvironment({ extraExecutors: graphExecutors(graphModule) });
  const file = path.join(repo, 'jobs', 'aws', 'environment.ts');
  if (!fs.existsSync(file)) {
    throw new UserError(`--env ${envName}: running against a deployed stack needs jobs/aws/environment.ts, which is not in this tree; use --env local (the default) to run embedded`);
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require(file) as Record<string, unknown>;
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
