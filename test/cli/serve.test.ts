/**
 * `assets serve` as a real process: workers share the port, answer with the Lambda handler (here
 * with no indexes: the popular-products fallback, saying so), and stop together on SIGTERM.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { expect } from 'chai';
import { bin } from './run-cli';

const repo = path.join(__dirname, '..', '..');

describe('assets serve', function () {
  this.timeout(60_000);

  it('serves with one worker per requested process and stops them all on SIGTERM', async () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'hw-serve-'));
    const child = spawn(process.execPath, [bin(), 'serve', '--port', '0', '--workers', '2'], {
      cwd: repo,
      env: { ...process.env, HEADWATER_HOME: home, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    try {
      const lines: string[] = [];
      const url = await new Promise<string>((resolve, reject) => {
        readline.createInterface({ input: child.stdout! }).on('line', (line) => {
          lines.push(line);
          const m = /on (http:\/\/\S+) \(2 workers\)/.exec(line);
          if (m) resolve(m[1]);
        });
        child.once('exit', (code) => reject(new Error(`serve exited with ${code}: ${stderr}`)));
      });
      const workers = fs.readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8').trim().split(/\s+/);
      expect(workers).to.have.length(2);

      const ok = await fetch(`${url}/recommendations?customer_number=103&k=3`);
      expect(ok.status).to.equal(200);
      const body = (await ok.json()) as { fallback: boolean; reason: string };
      expect(body.fallback).to.equal(true);
      expect(body.reason).to.be.a('string').with.length.greaterThan(0);
      const bad = await fetch(`${url}/recommendations?customer_number=abc`);
      expect(bad.status).to.equal(400);
      // The worker logs the fallback when it answers; wait for the line, not for a fixed time.
      while (!/no local indexes yet/.test(lines.join('\n'))) await new Promise<void>((r) => setTimeout(r, 20));

      child.kill('SIGTERM');
      const code = await new Promise<number | null>((r) => child.once('exit', r));
      expect(code).to.equal(0);
      for (const pid of workers) expect(fs.existsSync(`/proc/${pid}`), `worker ${pid} still running`).to.equal(false);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      fs.rmSync(home, { recursive: true, force: true });
    }
  });

  it('refuses a bad --workers value with exit 2', async () => {
    const child = spawn(process.execPath, [bin(), 'serve', '--workers', 'many'], { cwd: repo, env: { ...process.env, NO_COLOR: '1' } });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((r) => child.once('exit', r));
    expect(code).to.equal(2);
    expect(stderr.trim()).to.equal("error: --workers must be a whole number from 1 to 64, got 'many'");
  });
});
