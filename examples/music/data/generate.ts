/**
 * A deterministic music-streaming data set: listeners, a track catalogue, plays and likes. Same
 * options (seed and `untilMs` included) -> the same rows, in the same order.
 *
 * Listening is not noise. Which tracks a listener discovers is drawn from the track's popularity
 * (Zipf over artists, a spread within each artist) times exp(affinity), and how they listen
 * (played through, replayed, skipped, liked) follows the same affinity. Affinity comes from what
 * the model sees: the listener's age band and country (a taste per genre, a liking for artists of
 * their own country, a favourite era), their subscription (free listeners skip long tracks), and
 * the track's genres, artist, duration and release year; plus a personal taste per listener
 * (genres and two favourite artists) that only their history reveals. So a feature model can
 * learn the first part, a hybrid one also the second, and popularity is a real baseline.
 *
 * Every listener discovers a track once, in one session of one to four plays on one day (likes
 * follow a play through within minutes): the training set's one row per listener, track and
 * day is then one row per pair. Some listeners sign up during the window and have no history
 * before it: the new users a model must embed from features alone.
 */
import { UserError } from '../../../assets/core';
import { mulberry32 } from '../../../assets/core/seeded-random';
import { AGE_BANDS, GENRE_SEPARATOR, GENRES, SKIP_MS, SUBSCRIPTIONS } from '../vocabulary';
import { cumulative, drawIndex, normal, oneOf, sigmoid } from './sampling';

export interface MusicDataOptions {
  readonly listeners: number;
  readonly tracks: number;
  /** Listener-track pairs discovered over the window (each is one to four plays). */
  readonly interactions: number;
  /** Days of listening up to `untilMs`. */
  readonly days: number;
  readonly seed: number;
  /** Exclusive end of the data (epoch ms): every timestamp is before it. */
  readonly untilMs: number;
}

/** The demo's scale: 30 days, about 60,000 discoveries and 100,000 plays. */
export const MUSIC_DEFAULTS = { listeners: 3000, tracks: 1200, interactions: 60_000, days: 30, seed: 42 } as const;

/** Options that cannot produce a data set, with the option to change. */
export class MusicDataOptionsError extends UserError {
  override name = 'MusicDataOptionsError';
}

/** Fills defaults (`untilMs`: the start of the current hour) and validates. */
export function resolveMusicOptions(o: Partial<MusicDataOptions> = {}): MusicDataOptions {
  // Absent and undefined both take the default (sizes come from flags that may not be given).
  const given = Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
  const r: MusicDataOptions = { ...MUSIC_DEFAULTS, untilMs: Math.floor(Date.now() / HOUR) * HOUR, ...given };
  for (const [name, min] of [['listeners', 1], ['tracks', 1], ['interactions', 0], ['days', 1]] as const) {
    const v = r[name];
    if (!Number.isInteger(v) || v < min) throw new MusicDataOptionsError(`--${name} must be a whole number >= ${min} (got ${v})`);
  }
  if (!Number.isInteger(r.seed)) throw new MusicDataOptionsError(`--seed must be a whole number (got ${r.seed})`);
  if (!Number.isFinite(r.untilMs)) throw new MusicDataOptionsError(`the end of the data must be a time (got ${r.untilMs})`);
  // A listener discovers a track at most once; past half of every pair, sampling degenerates.
  if (r.interactions > 0.5 * r.listeners * r.tracks) {
    throw new MusicDataOptionsError(
      `--interactions ${r.interactions} is more than half of all ${r.listeners} x ${r.tracks} listener-track pairs; raise --listeners to at least ${Math.ceil((2 * r.interactions) / r.tracks)} or --tracks`,
    );
  }
  return r;
}

/** The tables, and their columns in the order of the source contracts (examples/music/contracts.ts). */
export const MUSIC_TABLES = {
  listeners: ['listener_id', 'display_name', 'age_band', 'country', 'subscription', 'signed_up_at'],
  tracks: ['track_id', 'title', 'artist', 'genres', 'duration_ms', 'release_year'],
  plays: ['play_id', 'listener_id', 'track_id', 'played_at', 'ms_played'],
  likes: ['listener_id', 'track_id', 'liked_at'],
} as const;

export type MusicTable = keyof typeof MUSIC_TABLES;
/** A value of a row: text, a number, or a timestamp already written as `YYYY-MM-DD HH:MM:SS` (UTC). */
export type MusicValue = string | number;

/** Rows of one table, in its column order; a table may come in several chunks. */
export interface MusicChunk {
  readonly table: MusicTable;
  readonly rows: readonly (readonly MusicValue[])[];
}

const COUNTRIES: readonly { code: string; weight: number }[] = [
  { code: 'US', weight: 24 }, { code: 'BR', weight: 12 }, { code: 'GB', weight: 9 }, { code: 'DE', weight: 8 },
  { code: 'MX', weight: 8 }, { code: 'FR', weight: 7 }, { code: 'IN', weight: 7 }, { code: 'JP', weight: 5 },
  { code: 'KR', weight: 5 }, { code: 'NG', weight: 5 }, { code: 'SE', weight: 5 }, { code: 'ES', weight: 5 },
];
const AGE_WEIGHTS = [8, 30, 27, 17, 10, 8];
/** The release year each age band likes best. */
const FAVOURITE_YEAR = [2023, 2019, 2012, 2002, 1992, 1980];
const SUBSCRIPTION_WEIGHTS = [45, 12, 30, 13];
/** How much more a subscriber listens than the average. */
const SUBSCRIPTION_ACTIVITY = [0.7, 1.0, 1.35, 1.1];
/** Genres that run long or short (duration multiplier). */
const GENRE_LENGTH: Readonly<Record<string, number>> = { classical: 2.2, ambient: 1.8, jazz: 1.5, electronic: 1.2, punk: 0.65, 'hip-hop': 0.9, 'k-pop': 0.95 };

const SYLLABLES = ['ka', 'lo', 'mi', 'ra', 'ne', 'so', 'ta', 'vi', 'zu', 'bel', 'dor', 'fin', 'gar', 'hel', 'jun', 'kor', 'lys', 'mar', 'nov', 'pax', 'quin', 'ros', 'sil', 'tor', 'vex'];
const ARTIST_FORMS = ['The {n}s', '{N}', 'DJ {N}', '{N} & the {n}s', 'Lil {N}', '{N} Quartet', 'MC {N}', '{N} Collective'];
const WORDS = ['Midnight', 'Golden', 'River', 'Echo', 'Neon', 'Summer', 'Paper', 'Glass', 'Silver', 'Ocean', 'Wild', 'Velvet', 'Electric', 'Quiet', 'Fire', 'Northern', 'Broken', 'Sugar', 'Satellite', 'Honey'];
const NOUNS = ['Heart', 'Lights', 'Road', 'Dreams', 'Sky', 'Waves', 'City', 'Rain', 'Love', 'Lines', 'Moon', 'Garden', 'Signal', 'Days', 'Fever', 'Home'];
const FIRST = ['Ada', 'Bo', 'Chen', 'Dara', 'Eli', 'Femi', 'Gus', 'Hana', 'Ines', 'Jo', 'Kai', 'Lea', 'Mo', 'Nia', 'Oli', 'Pia', 'Rui', 'Sol', 'Tae', 'Uma', 'Vik', 'Yara', 'Zoe'];

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const CHUNK_ROWS = 100_000;
/** How strongly affinity steers which tracks a listener discovers. */
const CHOICE_SHARPNESS = 1.5;
/** Listening by hour of day (UTC), evenings busiest. */
const HOURLY_WEIGHT = [3, 2, 1.5, 1, 1, 1.2, 2, 3.5, 5, 5, 4.5, 4.5, 5, 5, 4.5, 4.5, 5, 6, 7, 7.5, 7.5, 7, 6, 4.5];

const pad = (n: number, width: number) => String(n).padStart(width, '0');
/** `YYYY-MM-DD HH:MM:SS`, UTC: how the source database stores a timestamp without a zone. */
export const timestampText = (ms: number): string => new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
const capitalize = (s: string) => s[0].toUpperCase() + s.slice(1);

interface Artist {
  readonly name: string;
  readonly country: number;
  readonly genres: readonly number[];
  readonly popularity: number;
}

interface Track {
  readonly id: string;
  readonly artist: number;
  readonly genres: readonly number[];
  readonly durationMs: number;
  readonly year: number;
  readonly popularity: number;
  readonly quality: number;
}

interface Listener {
  readonly id: string;
  readonly age: number;
  readonly country: number;
  readonly subscription: number;
  readonly activeFromMs: number;
  readonly taste: Float64Array;
  readonly favourites: readonly number[];
}

/** Yields every table's rows: listeners, tracks, then plays and likes in interleaved chunks. */
export function* generateMusicData(options: MusicDataOptions): Generator<MusicChunk> {
  const o = resolveMusicOptions(options);
  const random = mulberry32(o.seed);
  const startMs = o.untilMs - o.days * DAY;
  const G = GENRES.length;

  // Hidden tastes: per age band and per country, a liking for each genre.
  const ageTaste = AGE_BANDS.map(() => GENRES.map(() => normal(random)));
  const countryTaste = COUNTRIES.map(() => GENRES.map(() => 0.7 * normal(random)));

  // Artists: a home country, one or two genres, a Zipf popularity in a shuffled order.
  const artistCount = Math.max(10, Math.round(o.tracks / 6));
  const countrySums = cumulative(COUNTRIES.map((c) => c.weight));
  const usedNames = new Set<string>();
  const artists: Artist[] = [];
  for (let a = 0; a < artistCount; a++) {
    let name = '';
    for (let attempt = 0; !name || usedNames.has(name); attempt++) {
      const word = capitalize(oneOf(random, SYLLABLES) + oneOf(random, SYLLABLES)) + (attempt > 3 ? ` ${attempt}` : '');
      name = oneOf(random, ARTIST_FORMS).replace('{N}', word).replace('{n}', word);
    }
    usedNames.add(name);
    const first = Math.floor(random() * G);
    const genres = random() < 0.5 ? [first] : [first, (first + 1 + Math.floor(random() * (G - 1))) % G];
    artists.push({ name, country: drawIndex(countrySums, random), genres, popularity: 0 });
  }
  const artistOrder = shuffled(artistCount, random);
  artistOrder.forEach((a, rank) => (artists[a] = { ...artists[a], popularity: 1 / Math.pow(rank + 1, 0.9) }));

  // Listeners.
  const ageSums = cumulative(AGE_WEIGHTS);
  const subscriptionSums = cumulative(SUBSCRIPTION_WEIGHTS);
  const artistSums = cumulative(artists.map((a) => a.popularity));
  const listeners: Listener[] = [];
  const listenerRows: MusicValue[][] = [];
  for (let i = 0; i < o.listeners; i++) {
    const id = `l-${pad(i + 1, 6)}`;
    const age = drawIndex(ageSums, random);
    const country = drawIndex(countrySums, random);
    const subscription = drawIndex(subscriptionSums, random);
    // One in twelve signed up during the last week: no history before the hold-out.
    const recent = random() < 1 / 12;
    const signedUpMs = recent
      ? o.untilMs - Math.floor(random() * Math.min(7, o.days) * DAY)
      : startMs - Math.floor(random() * 3 * 365 * DAY);
    const taste = Float64Array.from({ length: G }, () => 0.8 * normal(random));
    const favourites = [drawIndex(artistSums, random), drawIndex(artistSums, random)];
    listeners.push({ id, age, country, subscription, activeFromMs: Math.max(startMs, signedUpMs), taste, favourites });
    listenerRows.push([id, `${oneOf(random, FIRST)} ${String.fromCharCode(65 + Math.floor(random() * 26))}.`, AGE_BANDS[age], COUNTRIES[country].code, SUBSCRIPTIONS[subscription], timestampText(Math.floor(signedUpMs / 1000) * 1000)]);
  }
  yield { table: 'listeners', rows: listenerRows };

  // Tracks: most of an artist's genres, sometimes one more; length by genre; a release year.
  const tracks: Track[] = [];
  const trackRows: MusicValue[][] = [];
  const artistSpread = new Float64Array(artistCount).map(() => 1);
  for (let t = 0; t < o.tracks; t++) {
    const artist = t < artistCount ? artistOrder[t] : drawIndex(artistSums, random);
    const genres = [...artists[artist].genres];
    if (random() < 0.3) {
      const extra = Math.floor(random() * G);
      if (!genres.includes(extra)) genres.push(extra);
    }
    const lengthFactor = genres.reduce((m, g) => m * (GENRE_LENGTH[GENRES[g]] ?? 1), 1) ** (1 / genres.length);
    const durationMs = Math.round(Math.min(900_000, Math.max(60_000, 205_000 * lengthFactor * Math.exp(0.25 * normal(random)))) / 1000) * 1000;
    const year = Math.min(2026, Math.max(1960, Math.round(2026 - Math.abs(normal(random)) * 14 - (random() < 0.2 ? 20 * random() : 0))));
    // Within an artist, a few tracks carry most plays.
    artistSpread[artist] *= 0.8;
    const popularity = artists[artist].popularity * (0.2 + artistSpread[artist]) * Math.exp(0.5 * normal(random));
    const id = `t-${pad(t + 1, 5)}`;
    tracks.push({ id, artist, genres, durationMs, year, popularity, quality: 0.4 * normal(random) });
    const title = `${oneOf(random, WORDS)} ${oneOf(random, NOUNS)}${random() < 0.15 ? ' (Remix)' : ''}`;
    trackRows.push([id, title, artists[artist].name, genres.map((g) => GENRES[g]).join(GENRE_SEPARATOR), durationMs, year]);
  }
  yield { table: 'tracks', rows: trackRows };

  // Discoveries per listener: a lognormal activity, scaled by subscription and by days active.
  const weights = listeners.map((l) => Math.exp(0.7 * normal(random)) * SUBSCRIPTION_ACTIVITY[l.subscription] * ((o.untilMs - l.activeFromMs) / (o.days * DAY)));
  const counts = apportion(o.interactions, weights, Math.floor(o.tracks * 0.5));

  const hourSums = cumulative(HOURLY_WEIGHT);
  let playRows: MusicValue[][] = [];
  let likeRows: MusicValue[][] = [];
  let playId = 0;
  const affinity = new Float64Array(o.tracks);
  const choiceWeight = new Float64Array(o.tracks);
  const taken = new Uint8Array(o.tracks);
  for (let i = 0; i < listeners.length; i++) {
    const l = listeners[i];
    if (counts[i] === 0) continue;
    for (let t = 0; t < o.tracks; t++) {
      affinity[t] = affinityOf(l, tracks[t], artists, ageTaste, countryTaste);
      choiceWeight[t] = tracks[t].popularity * Math.exp(CHOICE_SHARPNESS * affinity[t]);
    }
    const sums = cumulative(choiceWeight);
    const chosen: number[] = [];
    for (let attempt = 0; chosen.length < counts[i] && attempt < counts[i] * 30; attempt++) {
      const t = drawIndex(sums, random);
      if (!taken[t]) {
        taken[t] = 1;
        chosen.push(t);
      }
    }
    for (const t of chosen) {
      taken[t] = 0;
      const track = tracks[t];
      const a = affinity[t];
      // The session: a day while active, an hour by the daily rhythm, then the plays back to back.
      let at = sessionStart(l.activeFromMs, o.untilMs, hourSums, random);
      const day = Math.floor(at / DAY);
      const plays = 1 + (random() < sigmoid(1.2 * a - 1) ? 1 + Math.floor(random() * 3 * sigmoid(a)) : 0);
      const session: { at: number; ms: number }[] = [];
      for (let p = 0; p < plays; p++) {
        const through = random() < sigmoid(1.6 * a + track.quality - 1);
        const ms = through ? track.durationMs : random() < 0.5 ? 5_000 + Math.floor(random() * (SKIP_MS - 5_000)) : SKIP_MS + Math.floor(random() * (0.8 * track.durationMs - SKIP_MS));
        session.push({ at, ms: Math.max(1000, Math.min(track.durationMs, ms)) });
        at += Math.max(1000, ms) + 2000 + Math.floor(random() * 60_000);
      }
      const through = session.find((s) => s.ms === track.durationMs);
      const liked = through !== undefined && random() < sigmoid(2 * a + track.quality - 3.5);
      const likedAt = through ? through.at + through.ms + 10_000 : 0;
      // Keep the session inside its day and before the end of the data: shift it earlier if needed.
      const end = Math.max(at, liked ? likedAt : 0);
      const limit = Math.min((day + 1) * DAY, o.untilMs) - 1000;
      const shift = end > limit ? end - limit : 0;
      for (const s of session) playRows.push([++playId, l.id, track.id, timestampText(s.at - shift), s.ms]);
      if (liked) likeRows.push([l.id, track.id, timestampText(likedAt - shift)]);
    }
    if (playRows.length >= CHUNK_ROWS) {
      yield { table: 'plays', rows: playRows };
      playRows = [];
    }
    if (likeRows.length >= CHUNK_ROWS) {
      yield { table: 'likes', rows: likeRows };
      likeRows = [];
    }
  }
  if (playRows.length) yield { table: 'plays', rows: playRows };
  if (likeRows.length) yield { table: 'likes', rows: likeRows };
}

/**
 * How much a listener likes a track: the tastes of their age band, country and own (for each of
 * the track's genres, averaged), artists of their own country, favourite artists, their age
 * band's favourite era, and for free listeners (who hear ads between tracks) shorter tracks.
 */
function affinityOf(l: Listener, t: Track, artists: readonly Artist[], ageTaste: readonly number[][], countryTaste: readonly number[][]): number {
  let genre = 0;
  for (const g of t.genres) genre += ageTaste[l.age][g] + countryTaste[l.country][g] + l.taste[g];
  genre /= t.genres.length;
  const local = artists[t.artist].country === l.country ? 0.6 : 0;
  const favourite = l.favourites.includes(t.artist) ? 1.2 : 0;
  const era = -0.3 * ((t.year - FAVOURITE_YEAR[l.age]) / 15) ** 2;
  const length = SUBSCRIPTIONS[l.subscription] === 'free' ? -0.4 * (t.durationMs / 60_000 - 3.5) / 2 : 0;
  return 0.7 * genre + local + favourite + era + length;
}

/**
 * When a session starts: a day the listener is active and an hour by the daily rhythm, drawn
 * again when it falls before they signed up or after the end of the data (today is partial).
 */
function sessionStart(fromMs: number, untilMs: number, hourSums: Float64Array, random: () => number): number {
  const firstDay = Math.floor(fromMs / DAY);
  const days = Math.floor((untilMs - 1) / DAY) - firstDay + 1;
  let at = fromMs;
  for (let attempt = 0; attempt < 20; attempt++) {
    at = (firstDay + Math.floor(random() * days)) * DAY + drawIndex(hourSums, random) * HOUR + Math.floor(random() * 3600) * 1000;
    if (at >= fromMs && at < untilMs) return at;
  }
  return Math.min(Math.max(at, fromMs), untilMs - HOUR);
}

/** Splits `total` in proportion to `weights`, each share at most `cap` (the rest goes round). */
function apportion(total: number, weights: readonly number[], cap: number): number[] {
  const sum = weights.reduce((a, b) => a + b, 0);
  const counts = weights.map((w) => Math.min(cap, Math.floor((total * w) / sum)));
  let missing = total - counts.reduce((a, b) => a + b, 0);
  for (let i = 0, idle = 0; missing > 0 && idle < counts.length; i = (i + 1) % counts.length) {
    if (counts[i] < cap) {
      counts[i]++;
      missing--;
      idle = 0;
    } else idle++;
  }
  return counts;
}

/** 0..n-1 in a seeded random order. */
function shuffled(n: number, random: () => number): number[] {
  const xs = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [xs[i], xs[j]] = [xs[j], xs[i]];
  }
  return xs;
}
