/**
 * The lake's atomic commit (jobs/embedded/lake/commit.ts) on its own, on plain folders: what a
 * commit leaves behind, and what recovery does with each leftover a crash can leave. The lake
 * test (lake.test.ts) kills a real writer mid-write; these cover every branch cheaply.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { expect } from 'chai';
import { alive, commitDirectory, recoverDirectory, writeFileAtomic } from '../../jobs/embedded/lake/commit';

/** The pid of a process that has exited (and, this soon after, not been reused). */
const deadPid = () => spawnSync(process.execPath, ['-e', '0']).pid!;

describe('lake commit', () => {
  let root: string;
  beforeEach(() => (root = fs.mkdtempSync(path.join(os.tmpdir(), 'hw-commit-'))));
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  const folder = (p: string, content: string) => {
    fs.mkdirSync(p, { recursive: true });
    fs.writeFileSync(path.join(p, 'part-00000.parquet'), content);
  };
  const read = (p: string) => fs.readFileSync(path.join(p, 'part-00000.parquet'), 'utf8');

  it('alive: this process and running ones are, exited and impossible pids are not', () => {
    expect(alive(process.pid)).to.equal(true);
    expect(alive(1)).to.equal(true);
    expect(alive(deadPid())).to.equal(false);
    for (const pid of [0, -5, 1.5, NaN]) expect(alive(pid), String(pid)).to.equal(false);
  });

  it('commits a new folder and a replacement, returns what the writer returned, and leaves nothing hidden', async () => {
    const target = path.join(root, 'table', 'dt=2026-01-01');
    expect(await commitDirectory(target, async (tmp) => (folder(tmp, 'v1'), 'first'))).to.equal('first');
    expect(read(target)).to.equal('v1');
    expect(await commitDirectory(target, async (tmp) => (folder(tmp, 'v2'), 2))).to.equal(2);
    expect(read(target)).to.equal('v2');
    expect(fs.readdirSync(path.dirname(target))).to.deep.equal(['dt=2026-01-01']);
  });

  it('writes in a hidden sibling that readers never list', async () => {
    const target = path.join(root, 'dt=2026-01-01');
    let seen = '';
    await commitDirectory(target, async (tmp) => {
      seen = path.basename(tmp);
      expect(path.dirname(tmp)).to.equal(root);
      folder(tmp, 'v1');
    });
    expect(seen).to.match(new RegExp(`^\\.dt=2026-01-01\\.tmp-${process.pid}-[0-9a-f]{8}$`));
  });

  it('keeps the previous version when the writer fails, and removes what it wrote', async () => {
    const target = path.join(root, 'dt=2026-01-01');
    await commitDirectory(target, async (tmp) => folder(tmp, 'v1'));
    let error: unknown;
    try {
      await commitDirectory(target, async (tmp) => {
        folder(tmp, 'half');
        throw new Error('disk full');
      });
    } catch (e) {
      error = e;
    }
    expect((error as Error).message).to.equal('disk full');
    expect(read(target)).to.equal('v1');
    expect(fs.readdirSync(root)).to.deep.equal(['dt=2026-01-01']);
  });

  it('recovery puts back the old version a crash between the renames left, or drops it when the new one is in', () => {
    const dead = deadPid();
    const target = path.join(root, 'dt=2026-01-01');
    folder(path.join(root, `.dt=2026-01-01.old-${dead}-abcd1234`), 'old');
    recoverDirectory(target);
    expect(read(target)).to.equal('old');
    expect(fs.readdirSync(root)).to.deep.equal(['dt=2026-01-01']);

    folder(path.join(root, `.dt=2026-01-01.old-${dead}-abcd1234`), 'older');
    recoverDirectory(target);
    expect(read(target)).to.equal('old');
    expect(fs.readdirSync(root)).to.deep.equal(['dt=2026-01-01']);
  });

  it("recovery removes a dead writer's temporary folder, and leaves a live writer's and other folders alone", () => {
    const dead = deadPid();
    const target = path.join(root, 'dt=2026-01-01');
    folder(target, 'current');
    const deadTmp = path.join(root, `.dt=2026-01-01.tmp-${dead}-abcd1234`);
    const liveTmp = path.join(root, `.dt=2026-01-01.tmp-1-abcd1234`);
    const liveOld = path.join(root, `.dt=2026-01-01.old-1-abcd1234`);
    const otherPartition = path.join(root, `.dt=2026-01-02.tmp-${dead}-abcd1234`);
    for (const d of [deadTmp, liveTmp, liveOld, otherPartition]) folder(d, 'x');
    recoverDirectory(target);
    expect(fs.readdirSync(root).sort()).to.deep.equal([path.basename(liveOld), path.basename(liveTmp), path.basename(otherPartition), 'dt=2026-01-01'].sort());
    expect(read(target)).to.equal('current');
  });

  it("recovery of this process's own old version (a commit it did not finish) restores it", () => {
    const target = path.join(root, 'dt=2026-01-01');
    folder(path.join(root, `.dt=2026-01-01.old-${process.pid}-abcd1234`), 'mine');
    recoverDirectory(target);
    expect(read(target)).to.equal('mine');
  });

  it('recovery of a folder whose parent does not exist does nothing', () => {
    expect(() => recoverDirectory(path.join(root, 'missing', 'dt=2026-01-01'))).not.to.throw();
  });

  it('writes a file atomically, creating its folder, leaving no temporary file', () => {
    const file = path.join(root, 'a', 'b', 'state.json');
    writeFileAtomic(file, '{"v":1}');
    expect(fs.readFileSync(file, 'utf8')).to.equal('{"v":1}');
    writeFileAtomic(file, new Uint8Array([104, 105]));
    expect(fs.readFileSync(file, 'utf8')).to.equal('hi');
    expect(fs.readdirSync(path.dirname(file))).to.deep.equal(['state.json']);
  });
});
