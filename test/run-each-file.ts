/**
 * Runs every test file alone, each in its own mocha process, and prints one line per file and
 * a summary: a file that passes only after another file ran (or fails only after one) shows up
 * here and not in the whole-suite run (`npm run test:unit`), which CI runs.
 *
 *   npm run -s test:files [-- FILTER...]     FILTER: substrings of the paths to run (default: all)
 *
 * Files run one after another: the suite is shared-machine friendly, not fast.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';

const REPO = path.resolve(__dirname, '..');

interface FileResult {
  readonly file: string;
  readonly passes: number;
  readonly failures: number;
  readonly pending: number;
  readonly ms: number;
  readonly problem?: string;
}

function testFiles(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? testFiles(path.join(dir, e.name)) : e.name.endsWith('.test.ts') ? [path.join(dir, e.name)] : []))
    .sort();
}

function runAlone(file: string, out: string): FileResult {
  const started = Date.now();
  const rel = path.relative(REPO, file);
  const r = spawnSync(process.execPath, [path.join(REPO, 'node_modules', 'mocha', 'bin', 'mocha.js'), '--reporter', 'json', '--reporter-option', `output=${out}`, rel], {
    cwd: REPO,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const ms = Date.now() - started;
  try {
    const stats = (JSON.parse(fs.readFileSync(out, 'utf8')) as { stats: { passes: number; failures: number; pending: number } }).stats;
    return { file: rel, passes: stats.passes, failures: stats.failures, pending: stats.pending, ms };
  } catch {
    // No report: mocha itself failed (a file that does not load, a crash).
    return { file: rel, passes: 0, failures: 1, pending: 0, ms, problem: `mocha exited ${r.status ?? r.signal} without a report: ${(r.stderr || r.stdout).trim().split('\n').slice(-3).join(' | ')}` };
  } finally {
    fs.rmSync(out, { force: true });
  }
}

function main(): number {
  const filters = process.argv.slice(2);
  const files = testFiles(path.join(REPO, 'test')).filter((f) => filters.length === 0 || filters.some((x) => path.relative(REPO, f).includes(x)));
  if (files.length === 0) {
    process.stderr.write(`error: no test file matches ${filters.map((f) => `'${f}'`).join(', ')}; give substrings of paths under test/\n`);
    return 2;
  }
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'hw-test-files-'));
  const results: FileResult[] = [];
  try {
    for (const [i, file] of files.entries()) {
      const r = runAlone(file, path.join(tmp, `${i}.json`));
      results.push(r);
      const status = r.failures ? 'FAIL' : 'ok  ';
      process.stdout.write(`${status} ${r.file}  ${r.passes} passing${r.failures ? `, ${r.failures} failing` : ''}${r.pending ? `, ${r.pending} pending` : ''} (${(r.ms / 1000).toFixed(1)} s)${r.problem ? `\n     ${r.problem}` : ''}\n`);
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  const passed = results.reduce((s, r) => s + r.passes, 0);
  const failed = results.reduce((s, r) => s + r.failures, 0);
  const pending = results.reduce((s, r) => s + r.pending, 0);
  const failedFiles = results.filter((r) => r.failures).map((r) => r.file);
  if (failedFiles.length) process.stdout.write(`failing alone: ${failedFiles.join(', ')}\n`);
  process.stdout.write(`${passed} passed, ${failed} failed${pending ? `, ${pending} skipped` : ''}\n`);
  return failed ? 1 : 0;
}

process.exitCode = main();
