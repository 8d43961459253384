/**
 * Child process for the run-log tests. `write <dir> <runId> <n>`: creates a run, appends n
 * materializations (partitions p0..p(n-1), in small concurrent groups), marks it succeeded.
 * `hang <dir> <runId>`: creates a run, records one materialization, says so, then waits to be killed.
 */
import { LocalRunLog } from '../../jobs/embedded/runlog';

const [mode, dir, runId, n] = process.argv.slice(2);
const log = new LocalRunLog(dir);
const started = new Date().toISOString();

async function main(): Promise<void> {
  await log.createRun({ runId, command: 'backfill', selection: 'raw/x', partitions: 'p*', env: 'local', status: 'running', startedAt: started, owner: `child:${process.pid}`, stepsPlanned: Number(n ?? 1) });
  const mat = (i: number) => ({ type: 'materialization' as const, key: 'raw/x', partition: `p${i}`, runId, codeVersion: 'c', dataVersion: `${runId}-${i}`, inputs: {}, metadata: { rows: i }, at: new Date().toISOString() });
  if (mode === 'hang') {
    await log.append(mat(0));
    process.stdout.write('written\n');
    await new Promise(() => undefined);
  }
  for (let i = 0; i < Number(n); i += 10) {
    await Promise.all(Array.from({ length: Math.min(10, Number(n) - i) }, (_, j) => log.append(mat(i + j))));
  }
  await log.updateRun(runId, { status: 'succeeded', endedAt: new Date().toISOString() });
  await log.close();
}

main().catch((e: Error) => {
  process.stderr.write(`${e.message}\n`);
  process.exitCode = 1;
});
