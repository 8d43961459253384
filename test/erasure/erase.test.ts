/**
 * Right to erasure on the reference graph, embedded, end to end: a seeded source, the raw
 * snapshots, the training set, the model (with an earlier version left beside it), both indexes
 * (two versions each) and the stream's deliveries (ok records and the error prefix) through the
 * real poller on kinesalite. Every claim is checked by an independent scan that knows nothing of
 * contracts or faces: it reads every Parquet file, JSON line and index id file under the state
 * folder, hidden ones included.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { expect } from 'chai';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import graph from '../../assets';
import { deliveredSubjectFields } from '../../assets/core';
import { acquireLocalLock } from '../../jobs/embedded/locks';
import { queryRows, readParquet, withDuckDb } from '../../jobs/embedded/lake/duckdb';
import { parquetFiles } from '../../jobs/embedded/lake/layout';
import { localPaths } from '../../jobs/embedded/paths';
import { seedSource } from '../../jobs/embedded/source';
import { classicmodels } from '../../assets/reference/source-data';
import { ensureStream, localKinesisClient, startKinesalite, type RunningKinesalite } from '../../jobs/embedded/stream/kinesalite';
import { DeliveryPoller } from '../../jobs/embedded/stream/poller';
import { putEvents } from '../../jobs/embedded/stream/producer';
import type { TransformHandler } from '../../jobs/serving/stream-transform/transform';
import { registerExclusion } from '../../jobs/erasure/delivery-filter';
import { runCli } from '../cli/run-cli';
import { shiftClock, withEnv } from '../setup/environment';
import { embeddedStreamOf } from '../../jobs/embedded/stream/target';

const cli = (...args: string[]) => runCli(args);
const DAY = 86_400_000;
const REPO = path.resolve(__dirname, '..', '..');
const dayKey = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** Every file under `dir`, hidden ones included (earlier versions and crashed commits hide there). */
function allFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return (fs.readdirSync(dir, { recursive: true, withFileTypes: true }) as fs.Dirent[]).filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
}

/** Where the state folder still holds any of `ids`, found without the erasure's own code. */
async function independentScan(home: string, ids: readonly string[]): Promise<string[]> {
  const wanted = new Set(ids);
  const found: string[] = [];
  const parquet = allFiles(home).filter((f) => f.endsWith('.parquet'));
  await withDuckDb(async (con) => {
    for (const f of parquet) {
      const cols = (await queryRows<{ column_name: string }>(con, `DESCRIBE SELECT * FROM ${readParquet(f)}`)).map((c) => c.column_name);
      const idCols = cols.filter((c) => c.toLowerCase().replace(/_/g, '') === 'customernumber');
      if (!idCols.length) continue;
      const [{ n }] = await queryRows<{ n: string }>(con, `SELECT count(*) AS n FROM ${readParquet(f)} WHERE ${idCols.map((c) => `CAST("${c}" AS VARCHAR) IN (${ids.map((i) => `'${i}'`).join(',')})`).join(' OR ')}`);
      if (Number(n)) found.push(path.relative(home, f));
    }
  });
  const textHolds = (s: string) => [...s.matchAll(/"customer_number"\s*:\s*"?(\d+)/g)].some((m) => wanted.has(m[1]));
  for (const f of allFiles(path.join(home, 'lake')).filter((x) => x.endsWith('.jsonl'))) {
    const lines = fs.readFileSync(f, 'utf8').split('\n').filter(Boolean);
    if (lines.some((l) => textHolds(l) || textHolds(Buffer.from(String((JSON.parse(l) as { rawData?: string }).rawData ?? ''), 'base64').toString('utf8')))) found.push(path.relative(home, f));
  }
  for (const f of allFiles(path.join(home, 'indexes')).filter((x) => x.endsWith('ids.json'))) {
    if ((JSON.parse(fs.readFileSync(f, 'utf8')) as string[]).some((id) => wanted.has(id))) found.push(path.relative(home, f));
  }
  return found.sort();
}

/** Rows of each committed partition of an asset, read through the lake's own listing (which repairs crashed commits). */
async function partitionRows(key: string): Promise<Map<string, number>> {
  const files = parquetFiles(localPaths.lake(), graph.get(key));
  return withDuckDb(async (con) => new Map(await Promise.all(files.map(async (f) => [f, Number((await queryRows<{ n: string }>(con, `SELECT count(*) AS n FROM ${readParquet(f)}`))[0].n)] as const))));
}

const until = async (cond: () => boolean, what: string, ms = 30_000) => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
};

/** Ok for an event, ProcessingFailed for one marked bad (the error prefix keeps its raw data). */
const transform: TransformHandler = async (event) => ({
  records: event.records.map((r) => {
    const text = Buffer.from(r.data, 'base64').toString('utf8');
    let e: Record<string, unknown> | undefined;
    try {
      e = JSON.parse(text) as Record<string, unknown>;
    } catch {
      e = undefined;
    }
    if (!e || e.bad) return { recordId: r.recordId, result: 'ProcessingFailed' as const, data: r.data, reason: 'bad record' };
    return { recordId: r.recordId, result: 'Ok' as const, data: Buffer.from(JSON.stringify({ ...e, recommended_items: ['S10_1678'], similar_items: [], fallback: false }) + '\n').toString('base64') };
  }),
});

describe('assets erase: every place the reference graph keeps a customer, embedded', function () {
  this.timeout(300_000);
  let home: string;
  let restore: (() => void)[] = [];
  let kin: RunningKinesalite;
  let client: KinesisClient;
  let ids: string[];
  const today = Math.floor(Date.now() / DAY) * DAY;
  const from = dayKey(today - 10 * DAY);
  const to = dayKey(today - DAY);

  /** Delivers events for `customers` (one bad record and one unparseable record each) through the real poller. */
  async function deliver(streamName: string, customers: readonly string[], exclude = false): Promise<DeliveryPoller> {
    await ensureStream(client, streamName, 1);
    const events = customers.flatMap((c) => [
      { customer_number: Number(c), city: 'Nantes', country: 'France', credit_limit: 100, browse_history: [{ product_code: 'S10_1678', quantity: '1', in_shopping_cart: false }] },
      { customer_number: Number(c), bad: true },
    ]);
    await putEvents(client, streamName, events);
    await putEvents(client, streamName, customers.map((c) => `{"customer_number": ${c}, "city": "Nan`));
    const poller = new DeliveryPoller({
      client,
      streamName,
      lakeDir: localPaths.lake(),
      prefix: embeddedStreamOf(graph).prefix,
      checkpointFile: path.join(home, 'stream', `${streamName}.checkpoint.json`),
      transform,
      bufferIntervalMs: 50,
      fsync: false,
      ...(exclude ? { exclude: registerExclusion(localPaths.erasure(), deliveredSubjectFields(graph)) } : {}),
    });
    await poller.start();
    await until(() => poller.stats.delivered + poller.stats.failed + poller.stats.excluded >= customers.length * 3, 'every record delivered');
    await poller.stop();
    return poller;
  }

  before(async () => {
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'hw-erase-'));
    restore = [withEnv({ HEADWATER_HOME: home, NO_COLOR: '1' }), shiftClock(today + DAY / 2)];
    await seedSource({ dataset: classicmodels, sizes: { customers: 300, products: 60, ratings: 8000 }, days: 10, seed: 7 });
    const batch = await cli('backfill', 'raw/* or training/*', '--from', from, '--to', to, '--max-parallel', '2');
    expect(batch.code, batch.err).to.equal(0);
    // Twice: each index keeps its previous version, and a copy of the model stands for a swap
    // killed before it removed the folder it had parked (`.recommender.previous`).
    for (let i = 0; i < 2; i++) {
      const r = await cli('materialize', 'model/recommender or index/*', ...(i ? ['--force'] : []));
      expect(r.code, r.err).to.equal(0);
    }
    fs.cpSync(path.join(localPaths.lake(), 'model', 'recommender'), path.join(localPaths.lake(), 'model', '.recommender.previous'), { recursive: true });
    ids = await withDuckDb(async (con) =>
      (await queryRows<{ c: string }>(con, `SELECT CAST(customerNumber AS VARCHAR) AS c FROM ${readParquet(path.join(localPaths.lake(), 'raw', 'customers', 'part-00000.parquet'))} ORDER BY c LIMIT 4`)).map((r) => r.c),
    );
    kin = await startKinesalite({ dir: path.join(home, 'kinesalite') });
    client = localKinesisClient(kin.endpoint);
    await deliver('events_before', ids);
  });
  after(async () => {
    client?.destroy();
    await kin?.close();
    restore.forEach((undo) => undo());
    fs.rmSync(home, { recursive: true, force: true });
  });

  it('the dry run lists every asset, partition, file, index document and earlier version holding each subject, and changes nothing', async () => {
    const [a, b] = ids;
    const before = await independentScan(home, [a, b]);
    // The independent scan must see them everywhere first, or "empty afterwards" would prove nothing.
    expect(before.some((f) => f.startsWith('lake/raw/customers/'))).to.equal(true);
    expect(before.some((f) => f.startsWith('lake/raw/ratings/dt='))).to.equal(true);
    expect(before.some((f) => f.startsWith('lake/training/ratings_ml_training/dt='))).to.equal(true);
    expect(before).to.include.members(['lake/model/recommender/user_embeddings.parquet', 'lake/model/.recommender.previous/user_embeddings.parquet']);
    expect(before.filter((f) => f.startsWith('indexes/user_embeddings/versions/'))).to.have.length(2);
    expect(before.some((f) => f.startsWith('lake/serving/recommendations/year='))).to.equal(true);
    expect(before.some((f) => f.startsWith('lake/serving/recommendations/errors/year='))).to.equal(true);

    const data = () => ['lake', 'indexes', 'erasure'].flatMap((d) => allFiles(path.join(home, d))).map((f) => `${f}:${fs.statSync(f).mtimeMs}`).sort();
    const stamp = data();
    const r = await cli('erase', '--subject', `customer=${a}`, '--subject', `customer=${b}`, '--dry-run', '--json');
    expect(r.code, r.err).to.equal(0);
    const { findings } = JSON.parse(r.out) as { findings: { key: string; what: string; location: string; rows: number | null; byId: Record<string, number>; role: string }[] };
    const derived = findings.filter((f) => f.role === 'derived');
    expect([...new Set(derived.map((f) => f.key))]).to.have.members(['raw/customers', 'raw/ratings', 'training/ratings_ml_training', 'model/recommender', 'index/user_embeddings', 'serving/recommendations']);
    expect(derived.find((f) => f.key === 'raw/customers')!.byId).to.deep.equal({ [a]: 1, [b]: 1 });
    expect(derived.filter((f) => f.what === 'previous-version').map((f) => f.key).sort()).to.deep.equal(['index/user_embeddings', 'model/recommender']);
    expect(derived.some((f) => f.location.includes(`recommendations${path.sep}errors${path.sep}`))).to.equal(true);
    // The same places the independent scan found, nothing missed (index versions aside: named by version).
    const parquetAndJson = before.filter((f) => !f.startsWith('indexes/'));
    expect(derived.filter((f) => !f.location.includes('@')).map((f) => f.location).sort()).to.deep.equal(parquetAndJson);
    expect(findings.filter((f) => f.role === 'source').map((f) => f.key).sort()).to.deep.equal(['source/customers', 'source/orders', 'source/ratings', 'stream/user_events']);
    expect(data()).to.deep.equal(stamp);
    expect(fs.existsSync(path.join(home, 'erasure', 'register.json'))).to.equal(false);
  });

  it('verify exits 1 naming what holds the subject; an erasure refuses while a partition it must rewrite is locked', async () => {
    const v = await cli('erase', '--verify', '--subject', `customer=${ids[0]}`);
    expect(v.code).to.equal(1);
    expect(v.out).to.match(/NOT ERASED: \d+ places in raw\/customers, raw\/ratings, training\/ratings_ml_training, model\/recommender, index\/user_embeddings, serving\/recommendations/);
    const lock = acquireLocalLock(localPaths.locks(), 'model/recommender', null, `${os.hostname()}:${process.pid}:run-in-progress`);
    try {
      const r = await cli('erase', '--subject', `customer=${ids[0]}`, '--yes');
      expect(r.code).to.equal(2);
      expect(r.err).to.match(/model\/recommender is being materialized by .*run-in-progress/);
      expect(r.err).to.not.match(/\n\s+at /);
    } finally {
      await lock.release();
    }
    expect(await independentScan(home, [ids[0]])).to.include('lake/raw/customers/part-00000.parquet');
  });

  it('a SIGKILLed erasure leaves every partition old or new, and a rerun completes it', async () => {
    const c = ids[2];
    const keys = ['raw/customers', 'raw/ratings', 'training/ratings_ml_training'];
    const rowsBefore = new Map(await Promise.all(keys.map(async (k) => [k, await partitionRows(k)] as const)));
    const scan = JSON.parse((await cli('erase', '--subject', `customer=${c}`, '--dry-run', '--json')).out) as { findings: { location: string; rows: number }[] };
    const held = new Map(scan.findings.map((f) => [path.join(home, f.location), f.rows]));
    // Killed inside a partition's commit (after the old folder was moved aside), then between two places.
    for (const spec of ['commit:after:0', 'commit:after:4', 'finding:9']) {
      // The child keeps this test's clock: the run log orders materializations by time, so a child
      // on the real clock (after noon) would outrank every later erasure of this process.
      const child = spawnSync(process.execPath, ['--import', 'tsx', path.join(__dirname, 'fixtures', 'erase-child.ts'), c, spec, String(Date.now())], { cwd: REPO, encoding: 'utf8', env: process.env, timeout: 120_000 });
      expect(child.signal, `${spec}: ${child.stderr}`).to.equal('SIGKILL');
      for (const k of keys) {
        const now = await partitionRows(k);
        expect([...now.keys()], `${spec}: ${k} lost a partition`).to.deep.equal([...rowsBefore.get(k)!.keys()]);
        for (const [file, n] of now) {
          const old = rowsBefore.get(k)!.get(file)!;
          expect([old, old - (held.get(file) ?? 0)], `${spec}: ${file}`).to.include(n);
        }
      }
    }
    // The killed erasures read as interrupted; their record holds no id, so the same command completes them.
    const runs = JSON.parse((await cli('runs', '--json')).out) as { runs?: { runId: string; command: string; status: string }[] } | { runId: string; command: string; status: string }[];
    const killed = (Array.isArray(runs) ? runs : runs.runs ?? []).filter((r) => r.command === 'erase');
    expect(killed.map((r) => r.status)).to.include('interrupted');
    const resume = await cli('backfill', '--resume', killed[0].runId);
    expect(resume.code).to.equal(2);
    expect(resume.err).to.match(/is an erasure; run the same `assets erase --subject \.\.\.` command again/);
    const rerun = await cli('erase', '--subject', `customer=${c}`, '--yes');
    expect(rerun.code, rerun.err).to.equal(0);
    expect(await independentScan(home, [c])).to.deep.equal([]);
    expect((await cli('erase', '--verify', '--subject', `customer=${c}`)).code).to.equal(0);
  });

  it('erases two customers from every place: the independent scan finds nothing, status stays fresh, the run log keeps hashes only', async () => {
    const [a, b] = ids;
    const r = await cli('erase', '--subject', `customer=${a}`, '--subject', `customer=${b}`, '--yes', '--json');
    expect(r.code, r.err).to.equal(0);
    const report = JSON.parse(r.out) as { erasureId: string; assetsTouched: number; rowsRemoved: number; previousVersionsRemoved: number };
    expect(report.assetsTouched).to.equal(6);
    // The earlier versions held the killed erasure's customer too: its rerun deleted them whole.
    expect(report.previousVersionsRemoved).to.equal(0);
    expect(await independentScan(home, [a, b])).to.deep.equal([]);
    expect(fs.existsSync(path.join(localPaths.lake(), 'model', '.recommender.previous'))).to.equal(false);
    const v = await cli('erase', '--verify', '--subject', `customer=${a}`, '--subject', `customer=${b}`);
    expect(v.code, v.out).to.equal(0);

    const status = JSON.parse((await cli('status', 'raw/* or training/* or model/* or index/*', '--json')).out) as { assets: { key: string; state: string }[]; erasure: { pending: number } };
    expect(status.assets.map((s) => `${s.key}:${s.state}`)).to.deep.equal(status.assets.map((s) => `${s.key}:fresh`));
    expect(status.erasure.pending).to.equal(3);

    const run = JSON.parse((await cli('run', report.erasureId, '--json')).out) as { run: { command: string; status: string }; events: { type: string; metadata?: Record<string, unknown> }[] };
    expect(run.run).to.include({ command: 'erase', status: 'succeeded' });
    const steps = run.events.filter((e) => e.type === 'step_succeeded');
    expect(steps.every((e) => /^customer:[0-9a-f]{64}/.test(String(e.metadata?.subjectHashes)))).to.equal(true);
    const text = JSON.stringify(run.events);
    for (const id of [a, b]) expect(text).to.not.match(new RegExp(`customer[=:]${id}\\b|"${id}"`));
  });

  it('later extracts and stream deliveries leave erased subjects out while the source holds them; status shows them pending', async () => {
    const [a, b, , d] = ids;
    const again = await cli('backfill', 'raw/* or training/* or model/* or index/*', '--from', from, '--to', to, '--force');
    expect(again.code, again.err).to.equal(0);
    expect(again.out).to.match(/raw\/customers\s+1 written/);
    const poller = await deliver('events_after', [a, b, d], true);
    expect(poller.stats.excluded).to.equal(6);
    expect(await independentScan(home, [a, b, ids[2]])).to.deep.equal([]);
    expect(await independentScan(home, [d])).to.not.deep.equal([]);

    const status = await cli('status');
    expect(status.out).to.match(/erasure: 3 of 3 erased subjects still held upstream: .*source\/customers \(3\)/);
    // The source team deletes one customer: a recheck clears it from the tables, the stream keeps it until its retention passed.
    for (const sql of [`DELETE FROM ratings WHERE "customerNumber" = ${a}`, `DELETE FROM orderdetails WHERE "orderNumber" IN (SELECT "orderNumber" FROM orders WHERE "customerNumber" = ${a})`, `DELETE FROM orders WHERE "customerNumber" = ${a}`, `DELETE FROM customers WHERE "customerNumber" = ${a}`]) {
      expect((await cli('source', 'query', sql, '--yes')).code).to.equal(0);
    }
    const pending = JSON.parse((await cli('erase', '--pending', '--json')).out) as { pending: number; pendingBySource: Record<string, number> };
    expect(pending.pendingBySource).to.deep.equal({ 'source/customers': 2, 'source/orders': 2, 'source/ratings': 2, 'stream/user_events': 3 });
  });
});
