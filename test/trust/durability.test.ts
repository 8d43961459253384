/**
 * The durability promises of the README ("What survives a crash"), one test each where another
 * suite does not already hold it: power loss (every byte is fsynced before the rename that
 * publishes it, and the folder after) and a full disk (the previous version stays, the message
 * names the path, nothing half-written is left).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { commitDirectory } from '../../jobs/embedded/lake/commit';
import { fileSystemError } from '../../scripts/cli/internal-error';

describe('durability promises', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hw-durable-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('power loss: a commit fsyncs the new files and their folder before the rename, and the parent after', async () => {
    const target = path.join(dir, 'dt=2026-01-01');
    const events: string[] = [];
    const open = fs.promises.open;
    const rename = fs.renameSync;
    fs.promises.open = (async (p: fs.PathLike, flags?: string | number) => {
      const fh = await open(p, flags);
      const sync = fh.sync.bind(fh);
      fh.sync = async () => {
        events.push(`sync ${path.relative(dir, String(p))}`);
        return sync();
      };
      return fh;
    }) as typeof fs.promises.open;
    fs.renameSync = ((a: fs.PathLike, b: fs.PathLike) => {
      events.push(`rename ${path.relative(dir, String(b))}`);
      return rename(a, b);
    }) as typeof fs.renameSync;
    try {
      await commitDirectory(target, async (tmp) => fs.writeFileSync(path.join(tmp, 'part-00000.parquet'), 'data'));
    } finally {
      fs.promises.open = open;
      fs.renameSync = rename;
    }
    const publish = events.indexOf('rename dt=2026-01-01');
    const synced = events.slice(0, publish);
    expect(synced.some((e) => /^sync \.dt=2026-01-01\.tmp-.*\/part-00000\.parquet$/.test(e)), events.join('\n')).to.equal(true);
    expect(synced.some((e) => /^sync \.dt=2026-01-01\.tmp-[^/]+$/.test(e)), events.join('\n')).to.equal(true);
    expect(events.slice(publish + 1)).to.include('sync ');
  });

  it('disk full: the previous version stays, nothing half-written is left, and the message names the path', async () => {
    const target = path.join(dir, 'dt=2026-01-01');
    await commitDirectory(target, async (tmp) => fs.writeFileSync(path.join(tmp, 'part-00000.parquet'), 'old'));
    const full = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', syscall: 'write', path: path.join(target, 'part-00000.parquet') });
    let thrown: unknown;
    try {
      await commitDirectory(target, async (tmp) => {
        fs.writeFileSync(path.join(tmp, 'part-00000.parquet'), 'new, half');
        throw full;
      });
    } catch (e) {
      thrown = e;
    }
    expect(thrown).to.equal(full);
    expect(fs.readFileSync(path.join(target, 'part-00000.parquet'), 'utf8')).to.equal('old');
    expect(fs.readdirSync(dir)).to.deep.equal(['dt=2026-01-01']);
    const message = fileSystemError(thrown)!;
    expect(message.exitCode).to.equal(1);
    expect(message.message).to.contain(path.join(target, 'part-00000.parquet')).and.contain('no space left').and.contain('committed data is intact');
  });
});
