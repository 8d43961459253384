/**
 * The music example on the embedded runtime, through the CLI with `--graph`: its generated data in
 * the local source, the raw snapshots, the training interactions and the hourly analytics
 * materialized by the generic executors running the example's own SQL, then checked against what
 * the generator made (computed here independently of the SQL).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { generateMusicData, MUSIC_TABLES, type MusicValue } from '../../examples/music/data/generate';
import graph from '../../examples/music/graph';
import { SKIP_MS } from '../../examples/music/vocabulary';
import { parquetFiles } from '../../jobs/embedded/lake/layout';
import { queryRows, readParquet, withDuckDb } from '../../jobs/embedded/lake/duckdb';
import { runCli } from '../cli/run-cli';
import { shiftClock, withEnv } from '../setup/environment';
import { loadMusicSource } from './music-source';

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
    await loadMusicSource(options);
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

  it('reports the materialized assets fresh in status', async () => {
    const status = JSON.parse((await cli('status', 'training/* or analytics/*', '--json')).out);
    const byKey = Object.fromEntries(status.assets.map((a: { key: string; state: string }) => [a.key, a.state]));
    expect(byKey['training/listening_interactions']).to.equal('fresh');
    expect(byKey['analytics/listening_hourly']).to.equal('fresh');
  });
});
