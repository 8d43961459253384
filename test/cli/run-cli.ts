/** Runs the `assets` CLI in-process and captures what it prints (stdout, stderr, console.log). */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { run } from '../../scripts/cli/main';

const repo = path.join(__dirname, '..', '..');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const binPath = path.join(repo, (require('../../package.json') as { bin: { assets: string } }).bin.assets);
let built = false;

/**
 * The compiled CLI, as `npx assets` runs it (package.json's bin). Built (incrementally) on first
 * use, so a test file run alone never spawns a stale build; under `npm test` it is already fresh.
 */
export function bin(): string {
  if (!built) {
    const r = spawnSync(process.execPath, [path.join(repo, 'scripts', 'build.mjs'), '--quiet'], { cwd: repo, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`npm run build failed: ${r.stderr}`);
    built = true;
  }
  return binPath;
}

export interface CliResult {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

export async function runCli(args: readonly string[]): Promise<CliResult> {
  const out: string[] = [];
  const err: string[] = [];
  const origOut = process.stdout.write.bind(process.stdout);
  const origErr = process.stderr.write.bind(process.stderr);
  const origLog = console.log;
  process.stdout.write = ((chunk: string | Uint8Array) => (out.push(String(chunk)), true)) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array) => (err.push(String(chunk)), true)) as typeof process.stderr.write;
  console.log = (...xs: unknown[]) => out.push(xs.join(' ') + '\n');
  // The CLI reports failures through process.exitCode; mocha must not inherit them.
  const savedExit = process.exitCode;
  try {
    const code = await run(args);
    return { code, out: out.join(''), err: err.join('') };
  } finally {
    process.stdout.write = origOut;
    process.stderr.write = origErr;
    console.log = origLog;
    process.exitCode = savedExit;
  }
}
