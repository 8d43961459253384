/**
 * Mutation testing (Stryker, its mocha runner and TypeScript checker, per-test coverage) over
 * the modules stryker.config.json lists, then a report of what survived.
 *
 *   npm run -s test:mutation [-- --json] [-- --mutate FILE[:LINES]]... [-- --concurrency N]
 *
 * Incremental: results of unchanged code and tests are reused from
 * reports/mutation/stryker-incremental.json, so a rerun after a small change takes minutes.
 * Writes reports/mutation/mutation.html, mutation.json and survivors.md (every surviving or
 * uncovered mutant with its place and replacement). With --json the last line printed is
 * `{mutants, killed, survived, noCoverage, timeout, score, ignored}`. Exits 1 when Stryker fails.
 */
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';

const REPO = path.resolve(__dirname, '..', '..');
const REPORT = path.join(REPO, 'reports', 'mutation', 'mutation.json');
const SURVIVORS = path.join(REPO, 'reports', 'mutation', 'survivors.md');

interface Mutant {
  readonly mutatorName: string;
  readonly replacement?: string;
  readonly status: string;
  readonly location: { readonly start: Position; readonly end?: Position };
}
/** Stryker's report positions: 1-based line and column. */
interface Position {
  readonly line: number;
  readonly column: number;
}
interface MutationReport {
  readonly files: Readonly<Record<string, { readonly source?: string; readonly mutants: readonly Mutant[] }>>;
}

/** The code a mutant replaced, on one line, from the file's source as the report holds it. */
function original(source: string | undefined, { start, end }: Mutant['location']): string | undefined {
  if (source === undefined || !end) return undefined;
  const lines = source.split('\n');
  const text = start.line === end.line
    ? lines[start.line - 1]?.slice(start.column - 1, end.column - 1)
    : [lines[start.line - 1]?.slice(start.column - 1), ...lines.slice(start.line, end.line - 1), lines[end.line - 1]?.slice(0, end.column - 1)].join(' ');
  return text?.replace(/\s+/g, ' ');
}
const short = (text: string) => (text.length > 120 ? `${text.slice(0, 117)}...` : text);

export interface MutationSummary {
  readonly mutants: number;
  readonly killed: number;
  readonly survived: number;
  readonly noCoverage: number;
  readonly timeout: number;
  /** Stryker's mutation score: detected (killed + timeout) over valid mutants, in percent. */
  readonly score: number;
  /**
   * Not tested, so in no count above: static mutants (code run only while the test files load,
   * which `ignoreStatic` skips) and mutants a `Stryker disable` comment marks equivalent.
   */
  readonly ignored: number;
}

/** Counts by status; compile errors, runtime errors and ignored mutants are not valid mutants (ignored ones are counted apart). */
export function summarize(report: MutationReport): MutationSummary {
  const count = (status: string) => Object.values(report.files).reduce((n, f) => n + f.mutants.filter((m) => m.status === status).length, 0);
  const killed = count('Killed');
  const timeout = count('Timeout');
  const survived = count('Survived');
  const noCoverage = count('NoCoverage');
  const valid = killed + timeout + survived + noCoverage;
  return { mutants: valid, killed, survived, noCoverage, timeout, score: valid ? Math.round(((killed + timeout) / valid) * 10_000) / 100 : 100, ignored: count('Ignored') };
}

/** Per file: its score and each mutant that went undetected, with the line and the replacement. */
export function survivorsReport(report: MutationReport): string {
  const lines = ['# Surviving mutants', '', 'Each line: where, the mutator, the code and what it was changed to. `NoCoverage`: no test runs that code at all.', ''];
  for (const [file, { source, mutants }] of Object.entries(report.files).sort(([a], [b]) => a.localeCompare(b))) {
    const s = summarize({ files: { [file]: { mutants } } });
    const open = mutants.filter((m) => m.status === 'Survived' || m.status === 'NoCoverage').sort((a, b) => a.location.start.line - b.location.start.line);
    lines.push(`## ${file}: score ${s.score} (${s.killed + s.timeout}/${s.mutants} detected)`, '');
    for (const m of open) {
      const was = original(source, m.location);
      const now = short((m.replacement ?? '').replace(/\s+/g, ' '));
      lines.push(`- ${file}:${m.location.start.line}:${m.location.start.column} ${m.status} ${m.mutatorName}: ${was === undefined ? '' : `\`${short(was)}\` -> `}\`${now}\``);
    }
    lines.push('');
  }
  return lines.join('\n');
}

/**
 * Stryker keeps only the last of several `--mutate` options; a comma-separated list is what it
 * reads as several. So `--mutate a.ts --mutate b.ts` becomes `--mutate a.ts,b.ts`.
 */
export function strykerArgs(args: readonly string[]): string[] {
  const out: string[] = [];
  const mutate: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--mutate' && i + 1 < args.length) mutate.push(args[++i]);
    else out.push(args[i]);
  }
  return mutate.length ? [...out, '--mutate', mutate.join(',')] : out;
}

function main(): number {
  const args = process.argv.slice(2);
  const json = args.includes('--json');
  const passOn = strykerArgs(args.filter((a) => a !== '--json'));
  const stryker = path.join(REPO, 'node_modules', '@stryker-mutator', 'core', 'bin', 'stryker.js');
  const r = spawnSync(process.execPath, [stryker, 'run', 'stryker.config.json', ...passOn], {
    cwd: REPO,
    // With --json, Stryker's own output goes to stderr so stdout ends with the summary alone.
    stdio: ['ignore', json ? process.stderr : 'inherit', 'inherit'],
  });
  if (r.status !== 0 || !fs.existsSync(REPORT)) {
    process.stderr.write(`error: Stryker exited ${r.status ?? r.signal}; see its output above (and .stryker-tmp/ if it kept a sandbox)\n`);
    return 1;
  }
  const report = JSON.parse(fs.readFileSync(REPORT, 'utf8')) as MutationReport;
  fs.writeFileSync(SURVIVORS, survivorsReport(report));
  const summary = summarize(report);
  if (json) process.stdout.write(`${JSON.stringify(summary)}\n`);
  else process.stdout.write(`mutation score ${summary.score} (${summary.killed} killed, ${summary.timeout} timed out, ${summary.survived} survived, ${summary.noCoverage} not covered; ${summary.ignored} ignored); survivors: ${path.relative(REPO, SURVIVORS)}\n`);
  return 0;
}

if (require.main === module) process.exitCode = main();
