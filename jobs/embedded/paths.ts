/**
 * Where the embedded environment keeps its state: `.headwater/local/` under the project root,
 * or `$HEADWATER_HOME` when set (tests point it at a temporary folder).
 */
import path from 'node:path';

/** Root of the embedded environment's state. */
export function localRoot(): string {
  return process.env.HEADWATER_HOME ? path.resolve(process.env.HEADWATER_HOME) : path.resolve(process.cwd(), '.headwater', 'local');
}

/** Well-known locations under the local root. */
export const localPaths = {
  sourceDb: () => path.join(localRoot(), 'source-db'),
  lake: () => path.join(localRoot(), 'lake'),
  runLog: () => path.join(localRoot(), 'runlog'),
  indexes: () => path.join(localRoot(), 'indexes'),
  stream: () => path.join(localRoot(), 'stream'),
  locks: () => path.join(localRoot(), 'locks'),
  erasure: () => path.join(localRoot(), 'erasure'),
};
