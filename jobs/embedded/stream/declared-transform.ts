/**
 * The stream-delivery's declared transform (`streamDelivery({ transform })`), loaded as Firehose's
 * Lambda loads it: the module's `handler` export, which reads its serving variables from the
 * environment of the thread it runs on. So a fork's own transform runs on one machine as it will
 * on AWS. The compiled CLI loads the module's compiled twin under dist/; from source, tsx loads it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { UserError } from '../../../assets/core';
import type { TransformHandler, TransformResult } from '../../serving/stream-transform/transform';
import { repoRoot } from '../../engine/repo-files';

type Handler = (event: Parameters<TransformHandler>[0]) => Promise<TransformResult>;

/** The file to require for repo-relative `file`: its compiled twin when this code runs compiled. */
function loadable(file: string): string {
  const source = path.resolve(repoRoot(), file);
  if (!__filename.endsWith('.js') || !source.endsWith('.ts')) return source;
  const compiled = path.join(repoRoot(), 'dist', path.relative(repoRoot(), source)).replace(/\.ts$/, '.js');
  return fs.existsSync(compiled) ? compiled : source;
}

/**
 * Requires the declared module and returns its `handler`. Throws a UserError naming the file when
 * it does not load or exports no handler: call it once where the stream starts, so a worker
 * thread never meets the error (a worker that fails at start would be replaced forever).
 */
export function loadTransformModule(file: string): TransformHandler {
  let mod: { handler?: unknown };
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    mod = require(loadable(file)) as { handler?: unknown };
  } catch (e) {
    throw new UserError(`the stream transform ${file} failed to load (${(e as Error).message.split('\n')[0]}); check the path in streamDelivery({ transform })`);
  }
  if (typeof mod.handler !== 'function') throw new UserError(`the stream transform ${file} exports no 'handler' function; export the Firehose transformation entry point as 'handler'`);
  const handler = mod.handler as Handler;
  return (event) => handler({ records: event.records });
}
