/** `assets serve` replaces a worker that dies and says so (issue 8: a killed worker was not replaced). */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { expect } from 'chai';

const repo = path.join(__dirname, '..', '..');
const children = (pid: number) => fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);

describe('assets serve replaces dead workers', function () {
  this.timeout(90_000);

  it('a worker killed with SIGKILL is replaced, logged, and the server keeps answering', async () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'hw-serve-workers-'));
    const child = spawn(process.execPath, ['--require', 'tsx/cjs', path.join(repo, 'scripts/cli/main.ts'), 'serve', '--port', '0', '--workers', '2'], {
      cwd: repo,
      env: { ...process.env, HEADWATER_HOME: home, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    const replaced = new Promise<void>((resolve) => child.stderr!.on('data', (d: Buffer) => ((stderr += d.toString()), /replaced \d+/.test(stderr) && resolve())));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        readline.createInterface({ input: child.stdout! }).on('line', (line) => {
          const m = /on (http:\/\/\S+) \(2 workers\)/.exec(line);
          if (m) resolve(m[1]);
        });
        child.once('exit', (code) => reject(new Error(`serve exited with ${code}: ${stderr}`)));
      });
      const [victim] = children(child.pid!);
      process.kill(Number(victim), 'SIGKILL');
      await replaced;
      expect(stderr).to.match(new RegExp(`server worker ${victim} exited \\(SIGKILL\\); starting a replacement`));
      const now = children(child.pid!);
      expect(now).to.have.length(2);
      expect(now).not.to.include(victim);
      expect((await fetch(`${url}/recommendations?customer_number=103&k=3`)).status).to.equal(200);
      child.kill('SIGTERM');
      expect(await new Promise((r) => child.once('exit', r))).to.equal(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      fs.rmSync(home, { recursive: true, force: true });
    }
  });
});
