/** `assets serve` as a real process for tests: started, its URL read from what it prints, stopped. */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';

const repo = path.join(__dirname, '..', '..');

export interface ServeProcess {
  readonly child: ChildProcess;
  /** The server's base URL, as its first line announces it. */
  readonly url: string;
  /** Every line printed so far on stdout. */
  readonly lines: string[];
  stderr(): string;
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>;
}

/**
 * Starts `node <node args> serve ...` (`cli`: the compiled bin, or the TypeScript sources through
 * tsx) in the repository, resolving once it prints `serving <key> on <url>`.
 */
export async function startServe(cli: 'compiled' | 'sources', args: readonly string[], env: NodeJS.ProcessEnv, bin?: string): Promise<ServeProcess> {
  const entry = cli === 'compiled' ? [bin!] : ['--require', 'tsx/cjs', path.join(repo, 'scripts/cli/main.ts')];
  const child = spawn(process.execPath, [...entry, ...args], { cwd: repo, env: { ...process.env, NO_COLOR: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const lines: string[] = [];
  const stop = () =>
    new Promise<number | null>((resolve) => {
      if (child.exitCode !== null) return resolve(child.exitCode);
      child.once('exit', (code) => resolve(code));
      child.kill('SIGTERM');
    });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      readline.createInterface({ input: child.stdout! }).on('line', (line) => {
        lines.push(line);
        const m = /^serving \S+ on (http:\/\/\S+)/.exec(line);
        if (m) resolve(m[1]);
      });
      child.once('exit', (code) => reject(new Error(`serve exited with ${code}: ${stderr}`)));
    });
    return { child, url, lines, stderr: () => stderr, stop };
  } catch (e) {
    if (child.exitCode === null) child.kill('SIGKILL');
    throw e;
  }
}
