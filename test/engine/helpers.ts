/** Shared setup for engine tests: a temporary HEADWATER_HOME and a child-process runner. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { withEnv } from '../setup/environment';

const restoreHome = new Map<string, () => void>();

/** A fresh temporary folder, set as HEADWATER_HOME until `removeTempHome`. */
export function tempHome(): string {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'hw-engine-'));
  restoreHome.set(home, withEnv({ HEADWATER_HOME: home }));
  return home;
}

/** Deletes a `tempHome` folder and puts HEADWATER_HOME back as it was. */
export function removeTempHome(home: string): void {
  fs.rmSync(home, { recursive: true, force: true });
  restoreHome.get(home)?.();
  restoreHome.delete(home);
}

/** Starts test/engine/fixtures/child.ts under tsx with `args`. */
export function startChild(args: readonly string[]): ChildProcess & { output: Promise<string> } {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'fixtures', 'child.ts'), ...args], {
    cwd: path.resolve(__dirname, '..', '..'),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const output = new Promise<string>((resolve) => child.on('exit', () => resolve(out)));
  return Object.assign(child, { output });
}

/** Resolves when `file` exists (polling), or rejects after `timeoutMs`. */
export async function waitForFile(file: string, timeoutMs = 30_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!fs.existsSync(file)) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${file}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
