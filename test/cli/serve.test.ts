/**
 * `assets serve` as a real process: workers share the port, answer with the Lambda handler (here
 * with no indexes: the fallback list, saying so), and stop together on SIGTERM.
 */
import { spawn } from 'node:child_process';
import { startServe } from './serve-process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { bin } from './run-cli';

const repo = path.join(__dirname, '..', '..');

describe('assets serve', function () {
  this.timeout(60_000);

  it('serves with one worker per requested process and stops them all on SIGTERM', async () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'hw-serve-'));
    const serve = await startServe('compiled', ['serve', '--port', '0', '--workers', '2'], { HEADWATER_HOME: home }, bin());
    const { child, url, lines } = serve;
    try {
      expect(lines).to.include(`serving serving/recommender_api on ${url} (2 workers)`);
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

      expect(await serve.stop()).to.equal(0);
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
