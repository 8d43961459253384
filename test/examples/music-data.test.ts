/**
 * The music example's data generator: deterministic, consistent (every play after its listener
 * signed up and before the end, likes follow a play through), and carrying the signal the model
 * must find: tastes tied to the listener's features, a taste of their own, and popularity.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { expect } from 'chai';
import { csvField, writeMusicCsv } from '../../examples/music/data/csv-files';
import { generateMusicData, MUSIC_TABLES, MusicDataOptionsError, resolveMusicOptions, timestampText, type MusicDataOptions, type MusicTable, type MusicValue } from '../../examples/music/data/generate';
import { parseDataArgs } from '../../examples/music/data/main';
import { listenersContract, likesContract, listeningEventsContract, playsContract, tracksContract } from '../../examples/music/contracts';
import { listeningEventGenerator } from '../../examples/music/data/events';
import { AGE_BANDS, GENRE_SEPARATOR, GENRES, SKIP_MS, SUBSCRIPTIONS } from '../../examples/music/vocabulary';

const UNTIL = Date.UTC(2026, 10, 30, 12);
const DAY = 86_400_000;
const SMALL: MusicDataOptions = { listeners: 600, tracks: 300, interactions: 12_000, days: 20, seed: 7, untilMs: UNTIL };

type Tables = Record<MusicTable, MusicValue[][]>;
function collect(o: MusicDataOptions): Tables {
  const t: Tables = { listeners: [], tracks: [], plays: [], likes: [] };
  for (const chunk of generateMusicData(o)) t[chunk.table].push(...chunk.rows.map((r) => [...r]));
  return t;
}
const digest = (t: Tables) => createHash('sha256').update(JSON.stringify(t)).digest('hex');
const ms = (text: MusicValue) => Date.parse(`${String(text).replace(' ', 'T')}Z`);

describe('music example: data generator', function () {
  this.timeout(60_000);
  const data = collect(SMALL);
  const listenerOf = new Map(data.listeners.map((r) => [r[0], r]));
  const trackOf = new Map(data.tracks.map((r) => [r[0], r]));

  it('writes each table in the column order of its source contract', () => {
    for (const [table, contract] of [['listeners', listenersContract], ['tracks', tracksContract], ['plays', playsContract], ['likes', likesContract]] as const) {
      expect(MUSIC_TABLES[table]).to.deep.equal(contract.columns.map((c) => c.name));
    }
  });

  it('is deterministic: the same options give the same rows, another seed other rows', () => {
    expect(digest(collect(SMALL))).to.equal(digest(data));
    expect(digest(collect({ ...SMALL, seed: 8 }))).to.not.equal(digest(data));
  });

  it('makes exactly the requested listeners, tracks and listener-track pairs, each pair once', () => {
    expect(data.listeners).to.have.length(SMALL.listeners);
    expect(data.tracks).to.have.length(SMALL.tracks);
    const pairs = new Set(data.plays.map((r) => `${r[1]} ${r[2]}`));
    expect(pairs.size).to.equal(SMALL.interactions);
    expect(new Set(data.likes.map((r) => `${r[0]} ${r[1]}`)).size).to.equal(data.likes.length);
    expect(new Set(data.plays.map((r) => r[0])).size).to.equal(data.plays.length);
  });

  it('keeps every value inside its vocabulary and every time inside the window', () => {
    const start = UNTIL - SMALL.days * DAY;
    for (const l of data.listeners) {
      expect(AGE_BANDS as readonly string[]).to.include(l[2]);
      expect(SUBSCRIPTIONS as readonly string[]).to.include(l[4]);
    }
    for (const t of data.tracks) {
      for (const g of String(t[3]).split(GENRE_SEPARATOR)) expect(GENRES as readonly string[]).to.include(g);
      expect(t[4]).to.be.within(60_000, 900_000);
    }
    for (const p of data.plays) {
      const at = ms(p[3]);
      expect(at).to.be.at.least(start).and.below(UNTIL);
      expect(p[4]).to.be.within(1000, Number(trackOf.get(p[2])![4]));
    }
  });

  it('plays a pair on one day, after the listener signed up, and a like follows a play through the same day', () => {
    const sessions = new Map<string, { day: number; through: number[] }>();
    for (const p of data.plays) {
      const at = ms(p[3]);
      const signedUp = ms(listenerOf.get(p[1])![5]);
      // A session may be moved earlier to end before midnight: at most an hour before signing up.
      expect(at, `${p[1]} played before signing up`).to.be.at.least(signedUp - 3_600_000);
      const key = `${p[1]} ${p[2]}`;
      const s = sessions.get(key) ?? { day: Math.floor(at / DAY), through: [] };
      expect(Math.floor(at / DAY), `${key} spans days`).to.equal(s.day);
      if (p[4] === trackOf.get(p[2])![4]) s.through.push(at);
      sessions.set(key, s);
    }
    for (const [l, t, likedAt] of data.likes) {
      const s = sessions.get(`${l} ${t}`)!;
      expect(s.through.length, `${l} liked ${t} without playing it through`).to.be.greaterThan(0);
      expect(Math.floor(ms(likedAt) / DAY)).to.equal(s.day);
      expect(ms(likedAt)).to.be.greaterThan(Math.min(...s.through));
    }
  });

  it('has new listeners: about one in twelve signed up inside the last week', () => {
    const recent = data.listeners.filter((l) => ms(l[5]) >= UNTIL - 7 * DAY).length;
    expect(recent / SMALL.listeners).to.be.within(0.05, 0.12);
  });

  it('ties taste to features: genre shares differ by age band far beyond sampling noise', () => {
    // Share of plays per genre for each age band, compared with the same split of a shuffled assignment.
    const share = (bandOf: (listener: MusicValue) => string) => {
      const counts = new Map<string, Map<string, number>>();
      for (const p of data.plays) {
        const band = bandOf(p[1]);
        const m = counts.get(band) ?? new Map<string, number>();
        for (const g of String(trackOf.get(p[2])![3]).split(GENRE_SEPARATOR)) m.set(g, (m.get(g) ?? 0) + 1);
        counts.set(band, m);
      }
      let spread = 0;
      for (const g of GENRES) {
        const shares = [...counts.values()].map((m) => (m.get(g) ?? 0) / [...m.values()].reduce((a, b) => a + b, 0));
        spread += Math.max(...shares) - Math.min(...shares);
      }
      return spread;
    };
    const real = share((l) => String(listenerOf.get(l)![2]));
    const ids = data.listeners.map((l) => l[0]);
    const fake = new Map(ids.map((id, i) => [id, AGE_BANDS[(i * 7919) % AGE_BANDS.length]]));
    const noise = share((l) => fake.get(l)!);
    expect(real).to.be.greaterThan(2 * noise);
  });

  it('has popularity: the top tenth of tracks gets far more than a tenth of the plays', () => {
    const plays = new Map<MusicValue, number>();
    for (const p of data.plays) plays.set(p[2], (plays.get(p[2]) ?? 0) + 1);
    const sorted = [...plays.values()].sort((a, b) => b - a);
    const top = sorted.slice(0, Math.ceil(SMALL.tracks / 10)).reduce((a, b) => a + b, 0);
    expect(top / data.plays.length).to.be.within(0.25, 0.8);
  });

  it('has skips, partial plays, plays through and likes in useful proportions', () => {
    const skipped = data.plays.filter((p) => Number(p[4]) < SKIP_MS).length / data.plays.length;
    const through = data.plays.filter((p) => p[4] === trackOf.get(p[2])![4]).length / data.plays.length;
    expect(skipped).to.be.within(0.05, 0.4);
    expect(through).to.be.within(0.3, 0.85);
    expect(data.likes.length / SMALL.interactions).to.be.within(0.1, 0.45);
  });

  it('rejects options that cannot make a data set, naming the option', () => {
    expect(() => resolveMusicOptions({ listeners: 0 })).to.throw(MusicDataOptionsError, '--listeners must be a whole number >= 1');
    expect(() => resolveMusicOptions({ days: 1.5 })).to.throw(MusicDataOptionsError, '--days');
    expect(() => resolveMusicOptions({ listeners: 10, tracks: 10, interactions: 60 })).to.throw(MusicDataOptionsError, 'raise --listeners to at least 12');
  });

  it('writes CSV files with a header, quoting what needs it, named after their tables', () => {
    expect(csvField('Ada "Bo", Jr')).to.equal('"Ada ""Bo"", Jr"');
    expect(csvField('r&b|soul')).to.equal('r&b|soul');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hw-music-csv-'));
    try {
      const files = writeMusicCsv(dir, { ...SMALL, listeners: 50, tracks: 40, interactions: 300 });
      expect(files.map((f) => path.basename(f.file))).to.deep.equal(['listeners.csv', 'tracks.csv', 'plays.csv', 'likes.csv']);
      for (const f of files) {
        const lines = fs.readFileSync(f.file, 'utf8').trimEnd().split('\n');
        expect(lines[0]).to.equal(MUSIC_TABLES[f.table].join(','));
        expect(lines.length - 1).to.equal(f.rows);
      }
      expect(fs.readdirSync(dir).filter((n) => n.startsWith('.'))).to.deep.equal([]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('parses its command line, and names a bad flag', () => {
    expect(parseDataArgs(['--out', 'x', '--listeners', '10', '--until', '2026-11-30T12:00Z'])).to.deep.equal({ out: 'x', options: { listeners: 10, untilMs: UNTIL } });
    expect(() => parseDataArgs(['--listeners', '10'])).to.throw(MusicDataOptionsError, '--out DIR is required');
    expect(() => parseDataArgs(['--out', 'x', '--days', 'ten'])).to.throw(MusicDataOptionsError, "--days must be a whole number (got 'ten')");
    expect(() => parseDataArgs(['--out', 'x', '--colour', 'red'])).to.throw(MusicDataOptionsError, 'usage:');
  });

  it('writes timestamps as the source database stores them', () => {
    expect(timestampText(Date.UTC(2026, 0, 2, 3, 4, 5))).to.equal('2026-01-02 03:04:05');
  });

  it('makes listening events shaped as the stream\'s contract, from known tracks, mostly known listeners', () => {
    const ids = { users: data.listeners.map((l) => String(l[0])), items: data.tracks.map((t) => String(t[0])) };
    const now = () => new Date(UNTIL);
    const events = (seed: number) => Array.from({ length: 2000 }, listeningEventGenerator(ids, { seed, now }));
    const a = events(3);
    expect(JSON.stringify(events(3))).to.equal(JSON.stringify(a));
    for (const e of a) {
      expect(Object.keys(e)).to.deep.equal(listeningEventsContract.columns.map((c) => c.name));
      expect(e.recent_tracks.length).to.be.within(1, 4);
      for (const t of e.recent_tracks) expect(ids.items).to.include(t.track_id);
      expect(e.event_time).to.equal(new Date(UNTIL).toISOString());
    }
    const newcomers = a.filter((e) => !ids.users.includes(e.listener_id)).length / a.length;
    expect(newcomers).to.be.within(0.02, 0.09);
    expect(() => listeningEventGenerator({ users: ids.users, items: [] })).to.throw('materialize the track index first');
  });
});
