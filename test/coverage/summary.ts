/**
 * Prints the line and branch coverage that `npm test` measured (c8, reports/coverage/), per
 * area (assets/, jobs/, infra/, scripts/), against the goals, and names the files least covered.
 * It reports, it does not fail the build: the goals are targets, the tests are the gate.
 */
import fs from 'node:fs';
import path from 'node:path';

const REPO = path.resolve(__dirname, '..', '..');
const SUMMARY = path.join(REPO, 'reports', 'coverage', 'coverage-summary.json');

/** Goals per area, in percent; areas without one are reported only. */
const GOALS: Record<string, { lines: number; branches: number } | undefined> = {
  'assets/': { lines: 85, branches: 75 },
  'jobs/': { lines: 85, branches: 75 },
  'infra/': undefined,
  'scripts/': undefined,
};

interface Counts {
  total: number;
  covered: number;
}
type FileSummary = Record<'lines' | 'branches', Counts>;

const pct = (c: Counts) => (c.total ? (100 * c.covered) / c.total : 100);
const fmt = (x: number) => `${x.toFixed(1)}%`.padStart(6);

function main(): void {
  if (!fs.existsSync(SUMMARY)) {
    process.stdout.write(`coverage: no report at ${path.relative(REPO, SUMMARY)} (was the suite run under c8?)\n`);
    return;
  }
  const raw = JSON.parse(fs.readFileSync(SUMMARY, 'utf8')) as Record<string, FileSummary>;
  const files = Object.entries(raw)
    .filter(([f]) => f !== 'total')
    .map(([f, s]) => [path.relative(REPO, f), s] as const);
  const lines = ['', 'coverage (c8): lines, branches'];
  for (const [area, goal] of Object.entries(GOALS)) {
    const mine = files.filter(([f]) => f.startsWith(area));
    const sum = (k: keyof FileSummary): Counts => mine.reduce((a, [, s]) => ({ total: a.total + s[k].total, covered: a.covered + s[k].covered }), { total: 0, covered: 0 });
    const l = pct(sum('lines'));
    const b = pct(sum('branches'));
    const verdict = goal ? `goal ${goal.lines}% / ${goal.branches}%: ${l >= goal.lines && b >= goal.branches ? 'met' : 'NOT met'}` : '';
    lines.push(`  ${area.padEnd(9)} ${fmt(l)} ${fmt(b)}  (${mine.length} files)  ${verdict}`.trimEnd());
  }
  const weakest = files
    .filter(([f]) => f.startsWith('assets/') || f.startsWith('jobs/'))
    .filter(([, s]) => pct(s.lines) < 60)
    .sort((a, b) => pct(a[1].lines) - pct(b[1].lines));
  if (weakest.length) {
    lines.push('  assets/ and jobs/ files under 60% of lines:');
    for (const [f, s] of weakest) lines.push(`    ${fmt(pct(s.lines))}  ${f}`);
  }
  lines.push(`  per file: ${path.relative(REPO, path.join(REPO, 'reports', 'coverage', 'index.html'))}`);
  process.stdout.write(lines.join('\n') + '\n');
}

main();
