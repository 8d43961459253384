/**
 * The embedded environment's asset-partition locks (jobs/embedded/locks.ts): one file per
 * asset-partition, exclusive, naming its holder, taken over from dead local processes only.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { expect } from 'chai';
import { acquireLocalLock, lockPath } from '../../jobs/embedded/locks';
import { LockHeldError } from '../../jobs/engine/environment';

/** The pid of a process that has exited (and, this soon after, not been reused). */
const deadPid = () => Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString());

describe('local locks', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hw-locks-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const plant = (file: string, content: string) => {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, content);
  };
  const holderOf = (file: string) => (JSON.parse(fs.readFileSync(file, 'utf8')) as { owner: string }).owner;

  it('keeps one file per asset-partition, names encoded (hourly keys hold ":"), `_all` for unpartitioned assets', () => {
    expect(lockPath('/l', 'analytics/sales_hourly', '2026-01-01T05:00')).to.equal(path.join('/l', 'analytics', 'sales_hourly', '2026-01-01T05%3A00.lock'));
    expect(lockPath('/l', 'raw/x', null)).to.equal(path.join('/l', 'raw', 'x', '_all.lock'));
    expect(lockPath('/l', 'raw/a b', 'p/q')).to.equal(path.join('/l', 'raw', 'a%20b', 'p%2Fq.lock'));
  });

  it('is exclusive, names the holder, and is free again after release', async () => {
    const lock = acquireLocalLock(dir, 'analytics/sales_hourly', '2026-01-01T05:00', 'h:1:run-a');
    const file = lockPath(dir, 'analytics/sales_hourly', '2026-01-01T05:00');
    expect(holderOf(file)).to.equal('h:1:run-a');
    expect(() => acquireLocalLock(dir, 'analytics/sales_hourly', '2026-01-01T05:00', 'h:2:run-b')).to.throw(LockHeldError, /being materialized by h:1:run-a/);
    const other = acquireLocalLock(dir, 'analytics/sales_hourly', '2026-01-01T06:00', 'h:2:run-b');
    await lock.release();
    expect(fs.existsSync(file)).to.equal(false);
    await other.release();
    await acquireLocalLock(dir, 'analytics/sales_hourly', '2026-01-01T05:00', 'h:2:run-b').release();
  });

  it('release leaves a lock that another owner, or a later acquisition of the same owner, holds by then', async () => {
    const file = lockPath(dir, 'raw/x', null);
    const retake = async (change: Record<string, string>) => {
      const lock = acquireLocalLock(dir, 'raw/x', null, 'me');
      const taken = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
      fs.writeFileSync(file, JSON.stringify({ ...taken, ...change }));
      await lock.release();
      expect(fs.existsSync(file), JSON.stringify(change)).to.equal(true);
      fs.rmSync(file);
    };
    await retake({ owner: 'someone-else' });
    await retake({ at: '2999-01-01T00:00:00.000Z' });
    await retake({ owner: 'someone-else', at: '2999-01-01T00:00:00.000Z' });
  });

  it('takes over the lock of a dead process, and leaves nothing of the old one behind', async () => {
    const dead = deadPid();
    const file = lockPath(dir, 'raw/x', null);
    plant(file, JSON.stringify({ host: os.hostname(), pid: dead, owner: `${os.hostname()}:${dead}:old`, at: 'x' }));
    const lock = acquireLocalLock(dir, 'raw/x', null, 'me');
    expect(holderOf(file)).to.equal('me');
    expect(fs.readdirSync(path.dirname(file))).to.deep.equal(['_all.lock']);
    await lock.release();
  });

  it('never takes over a live holder: this process, or one on another host it cannot see', () => {
    const file = lockPath(dir, 'raw/x', null);
    plant(file, JSON.stringify({ host: os.hostname(), pid: process.pid, owner: 'alive-here', at: 'x' }));
    expect(() => acquireLocalLock(dir, 'raw/x', null, 'me')).to.throw(LockHeldError, /by alive-here/);
    plant(file, JSON.stringify({ host: `not-${os.hostname()}`, pid: deadPid(), owner: 'elsewhere', at: 'x' }));
    expect(() => acquireLocalLock(dir, 'raw/x', null, 'me')).to.throw(LockHeldError, /by elsewhere/);
    expect(holderOf(file)).to.equal('elsewhere');
  });

  it('removes a torn (unreadable) lock file once it is old, and waits on a fresh one', () => {
    const file = lockPath(dir, 'raw/x', null);
    plant(file, '');
    // A fresh empty file is a lock being written right now: after retrying, it gives up, naming no holder.
    expect(() => acquireLocalLock(dir, 'raw/x', null, 'me')).to.throw(LockHeldError, /another process \(the lock file keeps changing\)/);
    expect(fs.readFileSync(file, 'utf8')).to.equal('');
    // Older than two seconds, it is a writer killed between create and write: removed and taken.
    const old = (Date.now() - 5000) / 1000;
    fs.utimesSync(file, old, old);
    const lock = acquireLocalLock(dir, 'raw/x', null, 'me');
    expect(holderOf(file)).to.equal('me');
    return lock.release();
  });
});
