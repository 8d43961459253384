import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { EmbeddedVectorStore } from '../../jobs/vector-store/embedded';

const vec = (...xs: number[]) => Float32Array.from(xs);

describe('EmbeddedVectorStore', () => {
  let root: string;
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'hw-vs-'));
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  it('loads, searches by inner product, gets vectors and excludes ids', async () => {
    const store = new EmbeddedVectorStore(root);
    const res = await store.load('items', [{ id: 'a', vector: vec(1, 0) }, { id: 'b', vector: vec(0, 1) }, { id: 'c', vector: vec(0.7, 0.7) }], { dimension: 2 });
    expect(res).to.include({ alias: 'items', count: 3 });
    const r = await store.open('items');
    expect(r.size).to.equal(3);
    const hits = await r.search(vec(1, 0.1), 2);
    expect(hits.map((h) => h.id)).to.deep.equal(['a', 'c']);
    expect(hits[0].score).to.be.closeTo(1, 1e-5);
    expect((await r.search(vec(1, 0.1), 2, { exclude: new Set(['a']) })).map((h) => h.id)).to.deep.equal(['c', 'b']);
    expect(Array.from((await r.get('b'))!)).to.deep.equal([0, 1]);
    expect(await r.get('zz')).to.equal(undefined);
  });

  it('swaps the alias atomically: an open reader follows the new version, the previous stays readable', async () => {
    const store = new EmbeddedVectorStore(root, { refreshMs: 0 });
    const first = await store.load('items', [{ id: 'a', vector: vec(1, 0) }], { dimension: 2 });
    const reader = await store.open('items');
    const second = await store.load('items', [{ id: 'b', vector: vec(0, 1) }, { id: 'c', vector: vec(1, 1) }], { dimension: 2 });
    expect(second.previousVersion).to.equal(first.version);
    expect(fs.existsSync(path.join(root, 'items', 'versions', first.version))).to.equal(true);
    expect((await reader.search(vec(1, 0), 5)).map((h) => h.id)).to.deep.equal(['c', 'b']);
    expect(reader.version).to.equal(second.version);
    // No temp files or half-built versions are left behind.
    expect(fs.readdirSync(path.join(root, 'items')).filter((f) => f.endsWith('.tmp'))).to.deep.equal([]);
    await store.load('items', [{ id: 'd', vector: vec(1, 0) }], { dimension: 2 });
    expect(fs.existsSync(path.join(root, 'items', 'versions', first.version))).to.equal(false);
  });

  it('rejects wrong dimensions, duplicates and unknown aliases with actionable messages', async () => {
    const store = new EmbeddedVectorStore(root);
    await expectReject(store.load('items', [{ id: 'a', vector: vec(1) }], { dimension: 2 }), /has 1 dimensions, expected 2/);
    await expectReject(store.load('items', [{ id: 'a', vector: vec(1, 0) }, { id: 'a', vector: vec(1, 0) }], { dimension: 2 }), /duplicate id 'a'/);
    await expectReject(store.open('nothing'), /materialize index\/nothing/);
  });
});

async function expectReject(p: Promise<unknown>, re: RegExp): Promise<void> {
  try {
    await p;
  } catch (e) {
    expect((e as Error).message).to.match(re);
    return;
  }
  expect.fail('expected a rejection');
}
