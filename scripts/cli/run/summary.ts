/** The table printed after a successful run: what ran, how long, what it wrote. */
import type { MaterializeResult } from '../../../jobs/engine';
import { color, table } from '../output';

/** Prints one row per step: runs by outcome, time, rows written. */
export function printRunSummary(result: MaterializeResult, write: (s: string) => void = (s) => process.stdout.write(s + '\n')): void {
  const bySteps = new Map<string, { runs: number; written: number; upToDate: number; ms: number; rows: number }>();
  for (const r of result.results) {
    let s = bySteps.get(r.key);
    if (!s) bySteps.set(r.key, (s = { runs: 0, written: 0, upToDate: 0, ms: 0, rows: 0 }));
    s.runs++;
    if (r.outcome === 'succeeded') s.written++;
    if (r.outcome === 'up_to_date') s.upToDate++;
    s.ms += r.durationMs;
    if (typeof r.metadata?.rows === 'number') s.rows += r.metadata.rows;
  }
  const rows = [...bySteps].map(([key, s]) => [
    key,
    `${s.written} written${s.upToDate ? `, ${s.upToDate} up to date` : ''}`,
    `${(s.ms / 1000).toFixed(1)}s`,
    s.written ? String(s.rows) : color.dim('-'),
  ]);
  write(table(['ASSET', 'RUNS', 'TIME', 'ROWS'], rows));
  write(color.dim(`every event of this run: npm run -s assets -- run ${result.runId}`));
}
