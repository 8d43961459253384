/**
 * Child process for the lake tests: commits a new version of a folder, writes half of it, says
 * so on stdout, then hangs until the parent kills it with SIGKILL mid-write.
 */
import fs from 'node:fs';
import path from 'node:path';
import { commitDirectory } from '../../jobs/embedded/lake/commit';

const target = process.argv[2];
void commitDirectory(target, async (tmp) => {
  fs.writeFileSync(path.join(tmp, 'part-00000.parquet'), 'half of a new version');
  process.stdout.write('writing\n');
  await new Promise(() => undefined);
});
