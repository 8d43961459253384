/**
 * What infra tests share: the mocks (installed by ./install-mocks, imported first so they exist
 * before the program loads), the stacks' configuration and a serialized, cached `synth`.
 */
import { mocks } from './install-mocks';
import graph from '../../assets';
import type { AssetGraph } from '../../assets/core';
import { loadConfig, type PlatformConfig } from '../../infra/config';
import { readStackFile } from '../../infra/stack-files';
import { synthesize, type Synthesis } from '../../infra/synth/synthesize';

export { mocks };

/** The stack's configuration as its Pulumi.<stack>.yaml gives it. */
export function stackConfig(stack: 'dev' | 'prod'): PlatformConfig {
  const file = readStackFile(stack);
  return loadConfig(stack, file.region, file.source);
}

let queue: Promise<unknown> = Promise.resolve();

/**
 * Synthesizes a graph under a stack's config. Runs are serialized because the mocks record into
 * one list; results for the reference graph are cached per stack.
 */
export function synth(stack: 'dev' | 'prod', g: AssetGraph = graph, cfg: PlatformConfig = stackConfig(stack)): Promise<Synthesis> {
  const cacheable = g === graph && arguments.length < 3;
  const cached = cacheable ? cache.get(stack) : undefined;
  if (cached) return cached;
  const run = queue.then(() => synthesize(mocks, g, cfg));
  queue = run.catch(() => undefined);
  if (cacheable) cache.set(stack, run);
  return run;
}
const cache = new Map<string, Promise<Synthesis>>();

/** The dev stack with an OpenSearch Serverless collection instead of its domain (the other search flavour). */
export function serverlessConfig(): PlatformConfig {
  const dev = stackConfig('dev');
  return { ...dev, search: { ...dev.search, flavour: 'serverless', standbyReplicas: false } };
}
