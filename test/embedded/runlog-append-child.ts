/**
 * Child process for the run-log snapshot tests: `append <dir> <file.json>` opens the run log in
 * `dir` as another process would, creates the runs of the file that do not exist yet, appends its
 * events in their order (in groups, as the engine does), marks its runs succeeded and exits.
 * The file is `{ runs: RunRecord[], events: RunEvent[] }`.
 */
import fs from 'node:fs';
import type { RunEvent, RunRecord } from '../../assets/core';
import { LocalRunLog } from '../../jobs/embedded/runlog';

const [, dir, file] = process.argv.slice(2);

async function main(): Promise<void> {
  const { runs, events } = JSON.parse(fs.readFileSync(file, 'utf8')) as { runs: RunRecord[]; events: RunEvent[] };
  const log = new LocalRunLog(dir);
  for (const run of runs) if (!(await log.getRun(run.runId))) await log.createRun(run);
  for (let i = 0; i < events.length; i += 10) await Promise.all(events.slice(i, i + 10).map((e) => log.append(e)));
  for (const run of runs) await log.updateRun(run.runId, { status: 'succeeded', endedAt: run.startedAt });
  await log.close();
}

main().catch((e: Error) => {
  process.stderr.write(`${e.message}\n`);
  process.exitCode = 1;
});
