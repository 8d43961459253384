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
  describe('taking over a dead holder races with other processes', () => {
    const realRename = fs.renameSync;
    afterEach(() => {
      fs.renameSync = realRename;
    });
    /** Runs `around` in place of the next renames (`times` of them), with the real rename to call. */
    const interceptRename = (around: (rename: () => void, from: string) => void, times = 1) => {
      let left = times;
      fs.renameSync = ((from: fs.PathLike, to: fs.PathLike) => {
        if (left-- <= 0) return realRename(from, to);
        around(() => realRename(from, to), String(from));
      }) as typeof fs.renameSync;
    };
    const selfStart = () => fs.readFileSync(`/proc/${process.pid}/stat`, 'utf8').split(') ')[1].split(' ')[19];

    it('puts the lock back when a live process took it between the look and the move (another pid, host or start)', () => {
      const file = lockPath(dir, 'raw/x', null);
      const dead = deadPid();
      const host = os.hostname();
      const cases: [deadHolder: Record<string, unknown>, retaken: Record<string, unknown>][] = [
        // Only the pid differs: the dead process's lock was replaced by this (live) process.
        [{ host, pid: dead, owner: 'dead', at: 'x' }, { host, pid: process.pid, owner: 'retaken-pid', at: 'x' }],
        // Only the host differs: a holder on another host is never taken over.
        [{ host, pid: dead, owner: 'dead', at: 'x' }, { host: `not-${host}`, pid: dead, owner: 'retaken-host', at: 'x' }],
        // Same pid and host, a later lock: the pid now belongs to a live process that took the lock.
        [{ host, pid: process.pid, start: 'not-my-start', owner: 'dead', at: 'x' }, { host, pid: process.pid, start: selfStart(), owner: 'retaken-at', at: 'y' }],
      ];
      for (const [deadHolder, retaken] of cases) {
        plant(file, JSON.stringify(deadHolder));
        interceptRename((rename) => {
          fs.writeFileSync(file, JSON.stringify(retaken));
          rename();
        });
        expect(() => acquireLocalLock(dir, 'raw/x', null, 'me'), String(retaken.owner)).to.throw(LockHeldError, new RegExp(`by ${String(retaken.owner)}`));
        expect(holderOf(file)).to.equal(retaken.owner);
        expect(fs.readdirSync(path.dirname(file)), String(retaken.owner)).to.deep.equal(['_all.lock']);
        fs.rmSync(file);
      }
    });

    it('leaves the lock to a third process that took it while the dead one was moved aside', () => {
      const file = lockPath(dir, 'raw/x', null);
      const dead = deadPid();
      plant(file, JSON.stringify({ host: os.hostname(), pid: dead, owner: 'dead', at: 'x' }));
      interceptRename((rename) => {
        fs.writeFileSync(file, JSON.stringify({ host: os.hostname(), pid: dead, owner: 'dead', at: 'later' }));
        rename();
        fs.writeFileSync(file, JSON.stringify({ host: os.hostname(), pid: process.pid, owner: 'third', at: 'z' }));
      });
      expect(() => acquireLocalLock(dir, 'raw/x', null, 'me')).to.throw(LockHeldError, /by third/);
      expect(holderOf(file)).to.equal('third');
      expect(fs.readdirSync(path.dirname(file))).to.deep.equal(['_all.lock']);
    });

    it('takes the lock when the dead holder\'s file is gone before it is moved', async () => {
      const file = lockPath(dir, 'raw/x', null);
      plant(file, JSON.stringify({ host: os.hostname(), pid: deadPid(), owner: 'dead', at: 'x' }));
      interceptRename((rename) => {
        fs.rmSync(file);
        rename();
      });
      const lock = acquireLocalLock(dir, 'raw/x', null, 'me');
      expect(holderOf(file)).to.equal('me');
      await lock.release();
      expect(fs.readdirSync(path.dirname(file))).to.deep.equal([]);
    });

    it('gives up after five attempts when dead holders keep coming back, naming the last', () => {
      const file = lockPath(dir, 'raw/x', null);
      const dead = deadPid();
      plant(file, JSON.stringify({ host: os.hostname(), pid: dead, owner: 'dead-0', at: '0' }));
      let n = 0;
      interceptRename((rename) => {
        n++;
        fs.writeFileSync(file, JSON.stringify({ host: os.hostname(), pid: dead, owner: `dead-${n}`, at: String(n) }));
        rename();
      }, 5);
      expect(() => acquireLocalLock(dir, 'raw/x', null, 'me')).to.throw(LockHeldError, /by dead-5/);
      expect(n).to.equal(5);
    });
  });
});
