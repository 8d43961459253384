/**
 * The music example on the embedded runtime, through the CLI with `--graph`: its data set seeded
 * into the local source (the graph module's `demoData`), the raw snapshots, the training
 * interactions and the hourly analytics materialized by the generic executors running the
 * example's own SQL and checked against what the generator made (computed here independently of
 * the SQL); then the model, its two indexes and the fallback list, and `assets serve` answering
 * with the example's own field names.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { expect } from 'chai';
import { generateMusicData, MUSIC_TABLES, type MusicValue } from '../../examples/music/data/generate';
import graph from '../../examples/music/graph';
import { SKIP_MS } from '../../examples/music/vocabulary';
import { parquetFiles } from '../../jobs/embedded/lake/layout';
import { queryRows, readParquet, withDuckDb } from '../../jobs/embedded/lake/duckdb';
import { bin, runCli } from '../cli/run-cli';
import { shiftClock, withEnv } from '../setup/environment';

const GRAPH = path.join(__dirname, '..', '..', 'examples', 'music', 'graph.ts');
const cli = (...args: string[]) => runCli(['--graph', GRAPH, ...args]);
const DAY = 86_400_000;
const HOUR = 3_600_000;
const dayKey = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const hourKey = (ms: number) => new Date(ms).toISOString().slice(0, 13) + ':00';
const msOf = (text: MusicValue) => Date.parse(`${String(text).replace(' ', 'T')}Z`);

describe('music example, embedded, through the CLI', function () {
  this.timeout(300_000);
  const today = Math.floor(Date.now() / DAY) * DAY;
  const until = today + 12 * HOUR;
  const options = { listeners: 400, tracks: 200, interactions: 6000, days: 10, seed: 11, untilMs: until };
  let home: string;
  let restore: (() => void)[] = [];
  let lake: string;

  before(async () => {
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'hw-music-'));
    lake = path.join(home, 'lake');
    // Noon (UTC) today, running on from there: the data, the runs and status all see one day.
    restore = [withEnv({ HEADWATER_HOME: home, NO_COLOR: '1' }), shiftClock(until + 60_000)];
    const sizes = ['--listeners', '400', '--tracks', '200', '--interactions', '6000'];
    const seeded = await cli('source', 'seed', ...sizes, '--days', '10', '--seed', '11', '--until', new Date(until).toISOString());
    expect(seeded.code, seeded.out + seeded.err).to.equal(0);
  });
  after(() => {
    restore.forEach((undo) => undo());
    fs.rmSync(home, { recursive: true, force: true });
  });

  const rowsOf = <T>(key: string, sql: (from: string) => string) =>
    withDuckDb((con) => queryRows<T>(con, sql(readParquet(parquetFiles(lake, graph.get(key))))));

  it('checks the source contracts against the live tables', async () => {
    const r = await cli('contracts', 'check');
    expect(r.code, r.out + r.err).to.equal(0);
    for (const t of Object.keys(MUSIC_TABLES)) expect(r.out).to.include(`source/${t}`);
  });

  it('materializes the raw snapshots and the training interactions for every day, with passing checks', async () => {
    const r = await cli('backfill', 'raw/* or training/*', '--from', dayKey(today - 10 * DAY), '--to', dayKey(today - DAY), '--max-parallel', '2');
    expect(r.code, r.out + r.err).to.equal(0);
    const checks = await cli('checks', 'raw/* or training/*', '--json');
    expect(checks.code, checks.out + checks.err).to.equal(0);
  });

  it('derives one row per listener, track and day with the declared rating rule', async () => {
    // What the training set must hold, from the generator's rows: plays and likes before today.
    const tracks = new Map<MusicValue, number>();
    const expected = new Map<string, { plays: number; through: number; longest: number; liked: boolean }>();
    const likes: MusicValue[][] = [];
    for (const chunk of generateMusicData(options)) {
      if (chunk.table === 'tracks') for (const t of chunk.rows) tracks.set(t[0], Number(t[4]));
      if (chunk.table === 'likes') likes.push(...chunk.rows.map((r) => [...r]));
      if (chunk.table !== 'plays') continue;
      for (const [, listener, track, at, ms] of chunk.rows) {
        if (msOf(at) >= today) continue;
        const key = `${listener} ${track} ${dayKey(msOf(at))}`;
        const e = expected.get(key) ?? { plays: 0, through: 0, longest: 0, liked: false };
        e.plays++;
        if (Number(ms) >= tracks.get(track)!) e.through++;
        e.longest = Math.max(e.longest, Number(ms));
        expected.set(key, e);
      }
    }
    for (const [listener, track, at] of likes) {
      const e = expected.get(`${listener} ${track} ${dayKey(msOf(at))}`);
      if (e) e.liked = true;
    }
    const ratingOf = (e: { plays: number; through: number; longest: number; liked: boolean }) =>
      e.liked ? 5 : e.through >= 2 ? 4 : e.through === 1 ? 3 : e.longest >= SKIP_MS ? 2 : 1;

    const rows = await rowsOf<{ listener_id: string; track_id: string; day: string; rating: number; plays: number }>(
      'training/listening_interactions',
      (from) => `SELECT listener_id, track_id, strftime(first_played_at, '%Y-%m-%d') AS day, rating, plays FROM ${from}`,
    );
    expect(rows.length).to.equal(expected.size);
    const wrong = rows.filter((r) => {
      const e = expected.get(`${r.listener_id} ${r.track_id} ${r.day}`);
      return !e || e.plays !== Number(r.plays) || ratingOf(e) !== Number(r.rating);
    });
    expect(wrong.slice(0, 5)).to.deep.equal([]);
    const ratings = new Set(rows.map((r) => Number(r.rating)));
    expect([...ratings].sort()).to.deep.equal([1, 2, 3, 4, 5]);
  });

  it('materializes the hourly analytics: the week\'s top tracks and the listening dashboard table', async () => {
    const from = until - 6 * HOUR;
    const r = await cli('backfill', 'analytics/*', '--from', hourKey(from), '--to', hourKey(until - HOUR));
    expect(r.code, r.out + r.err).to.equal(0);

    const top = await rowsOf<{ hour: string; n: number; ranks: number; first: number }>(
      'analytics/top_tracks',
      (f) => `SELECT CAST(count(*) AS INTEGER) AS n, CAST(count(DISTINCT rank) AS INTEGER) AS ranks, CAST(min(rank) AS INTEGER) AS first FROM ${f}`,
    );
    // Six hours of at most 100 ranked tracks each, ranks 1..n within an hour.
    expect(top[0].n).to.be.within(6, 600);
    expect(top[0].first).to.equal(1);

    let playsInWindow = 0;
    for (const chunk of generateMusicData(options)) {
      if (chunk.table === 'plays') playsInWindow += chunk.rows.filter((p) => msOf(p[3]) >= from && msOf(p[3]) < until).length;
    }
    const [hourly] = await rowsOf<{ plays: number; hours: number }>(
      'analytics/listening_hourly',
      (f) => `SELECT CAST(sum(plays) AS INTEGER) AS plays, CAST(count(DISTINCT hour) AS INTEGER) AS hours FROM ${f}`,
    );
    expect(hourly.plays).to.equal(playsInWindow);
    expect(hourly.hours).to.equal(6);
  });

  it('publishes the newest hour\'s top tracks as the fallback list, with the declared columns', () => {
    const list = JSON.parse(fs.readFileSync(path.join(lake, 'analytics', 'top_tracks', 'latest.json'), 'utf8')) as {
      partition: string;
      id: string;
      items: { id: string; score: number; title?: string; artist?: string }[];
    };
    expect(list.partition).to.equal(hourKey(until - HOUR));
    expect(list.id).to.equal('track_id');
    expect(list.items.length).to.be.within(1, 100);
    expect(list.items[0]).to.have.all.keys('id', 'score', 'title', 'artist');
    const scores = list.items.map((i) => i.score);
    expect(scores).to.deep.equal([...scores].sort((a, b) => b - a));
  });

  it('trains the hybrid model on the declared interactions and features, beating popularity, then loads both indexes', async () => {
    const r = await cli('materialize', 'model/* or index/*');
    expect(r.code, r.out + r.err).to.equal(0);
    const model = JSON.parse(fs.readFileSync(path.join(lake, 'model', 'track_recommender', 'model.json'), 'utf8')) as {
      schema: { user: { field: string; features: { column: string }[] }; item: { field: string; features: { column: string; type: string }[] } };
    };
    expect(model.schema.user.field).to.equal('listener_id');
    expect(model.schema.user.features.map((f) => f.column)).to.deep.equal(['age_band', 'country', 'subscription']);
    expect(model.schema.item.features.find((f) => f.column === 'genres')!.type).to.equal('multi');
    const checks = JSON.parse((await cli('checks', 'model/*', '--json')).out) as { checks?: unknown };
    expect(JSON.stringify(checks)).to.include('beats_popularity_recall');
    const rows = await withDuckDb((con) =>
      queryRows<{ n: number }>(con, `SELECT CAST(count(*) AS INTEGER) AS n FROM ${readParquet(path.join(lake, 'model', 'track_recommender', 'user_embeddings.parquet'))} WHERE listener_id LIKE 'l-%'`),
    );
    expect(rows[0].n).to.equal(options.listeners);
  });

  it('reports what it materialized fresh in status', async () => {
    const status = JSON.parse((await cli('status', 'training/* or analytics/* or model/* or index/*', '--json')).out);
    const byKey = Object.fromEntries(status.assets.map((a: { key: string; state: string }) => [a.key, a.state]));
    for (const key of ['training/listening_interactions', 'analytics/listening_hourly', 'model/track_recommender', 'index/track_embeddings', 'index/listener_embeddings']) {
      expect(byKey[key], key).to.equal('fresh');
    }
  });

  it('serves the API with the example\'s field names: known and new listeners, more like a track, unknown fields refused', async () => {
    const child = spawn(process.execPath, [bin(), '--graph', GRAPH, 'serve', '--port', '0', '--workers', '1'], {
      env: { ...process.env, HEADWATER_HOME: home, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        readline.createInterface({ input: child.stdout! }).on('line', (line) => {
          const m = /on (http:\/\/\S+)/.exec(line);
          if (m) resolve(m[1]);
        });
        child.once('exit', (code) => reject(new Error(`serve exited with ${code}: ${stderr}`)));
      });
      const get = async (query: string) => {
        const res = await fetch(`${url}${query}`);
        return { status: res.status, body: (await res.json()) as Record<string, unknown> };
      };
      type Items = { items: { track_id: string; score: number }[]; fallback: boolean; cold_start?: boolean };
      const known = await get('/recommendations?listener_id=l-000005&k=5');
      expect(known.status, JSON.stringify(known.body)).to.equal(200);
      const profile = known.body.based_on_profile as Items;
      expect(profile.fallback).to.equal(false);
      expect(profile.items).to.have.length(5);
      expect(profile.items[0].track_id).to.match(/^t-\d{5}$/);

      const newcomer = await get('/recommendations?listener_id=l-999999&age_band=18-24&country=BR&subscription=free&k=5');
      expect(newcomer.status, JSON.stringify(newcomer.body)).to.equal(200);
      expect((newcomer.body.based_on_profile as Items).cold_start).to.equal(true);

      const typo = await get('/recommendations?listener_id=l-000005&agebnd=18-24');
      expect(typo.status).to.equal(400);
      expect(String(typo.body.error)).to.include("did you mean 'age_band'");
    } finally {
      child.kill('SIGTERM');
      if (child.exitCode === null) await new Promise((r) => child.once('exit', r));
    }
  });
});
