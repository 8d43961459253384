/** The batch half of the music example: lake snapshots, the training interactions, the model, its two indexes, analytics. */
import {
  dailyPartitions,
  defineAsset,
  eager,
  hourlyPartitions,
  lastPartitionMapping,
  onCron,
  type LakeStorage,
} from '../../assets/core';
import { beatsPopularity, emrSpark, glueExtract, glueSql, recommenderModel, vectorIndex } from '../../assets/kinds';
import { interactionsContract, LISTENER, listeningHourlyContract, topTracksContract } from './contracts';
import { AGE_BANDS, GENRE_SEPARATOR, SUBSCRIPTIONS } from './vocabulary';
import * as src from './sources';

const DATA = ['team:data-platform'];
const ML = ['team:personalisation'];
const DAILY = dailyPartitions({ start: '2026-01-01' });
const HOURLY = hourlyPartitions({ start: '2026-01-01T00:00' });
const lake = (zone: string): LakeStorage => ({ kind: 'lake', zone, format: 'parquet' });
/** Snapshots, interactions and the model once a day, after the day is complete; one run, upstream first. */
const DAILY_BATCH = onCron('30 0 * * *');
/** Analytics at five past each hour; they do not wait for the daily snapshots they join. */
const HOURLY_ANALYTICS = (snapshots: string[]) => onCron('5 * * * *', { ignoreDeps: snapshots });

export const rawListeners = defineAsset({
  key: 'raw/listeners',
  deps: [src.listeners],
  compute: glueExtract({ from: 'source/listeners' }),
  storage: lake('raw'),
  contract: src.listeners.contract,
  checks: [
    { type: 'row_count', min: 1 },
    { type: 'unique', columns: ['listener_id'] },
    { type: 'accepted_values', column: 'age_band', values: AGE_BANDS },
    { type: 'accepted_values', column: 'subscription', values: SUBSCRIPTIONS },
  ],
  automation: DAILY_BATCH,
  owners: DATA,
  group: 'ingestion',
  tags: { pii: 'true' },
  description: 'Daily snapshot of listener accounts in the raw zone.',
});

export const rawTracks = defineAsset({
  key: 'raw/tracks',
  deps: [src.tracks],
  compute: glueExtract({ from: 'source/tracks' }),
  storage: lake('raw'),
  contract: src.tracks.contract,
  checks: [
    { type: 'row_count', min: 1 },
    { type: 'unique', columns: ['track_id'] },
    { type: 'accepted_range', column: 'duration_ms', min: 1000 },
  ],
  automation: DAILY_BATCH,
  owners: DATA,
  group: 'ingestion',
  description: 'Daily snapshot of the track catalogue.',
});

export const rawPlays = defineAsset({
  key: 'raw/plays',
  deps: [src.plays],
  partitions: DAILY,
  compute: glueExtract({ from: 'source/plays', partitionColumn: 'played_at' }),
  storage: lake('raw'),
  contract: src.plays.contract,
  checks: [{ type: 'unique', columns: ['play_id'] }, { type: 'accepted_range', column: 'ms_played', min: 0 }],
  automation: DAILY_BATCH,
  owners: DATA,
  group: 'ingestion',
  tags: { pii: 'true' },
  description: 'Plays extracted per day of played_at.',
});

export const rawLikes = defineAsset({
  key: 'raw/likes',
  deps: [src.likes],
  partitions: DAILY,
  compute: glueExtract({ from: 'source/likes', partitionColumn: 'liked_at' }),
  storage: lake('raw'),
  contract: src.likes.contract,
  checks: [{ type: 'not_null', columns: ['listener_id', 'track_id'] }],
  automation: DAILY_BATCH,
  owners: DATA,
  group: 'ingestion',
  tags: { pii: 'true' },
  description: 'Likes extracted per day of liked_at.',
});

export const interactions = defineAsset({
  key: 'training/listening_interactions',
  deps: [rawPlays, rawLikes, rawListeners, rawTracks],
  partitions: DAILY,
  compute: glueSql({ sql: 'examples/music/sql/listening_interactions.sql', workers: 4 }),
  storage: { ...lake('training'), catalogTable: 'listening_interactions' },
  contract: interactionsContract,
  code: ['examples/music/sql/listening_interactions.sql'],
  checks: [
    { type: 'not_null', columns: ['listener_id', 'track_id', 'rating'] },
    { type: 'accepted_range', column: 'rating', min: 1, max: 5 },
    { type: 'unique', columns: ['listener_id', 'track_id'] },
  ],
  automation: DAILY_BATCH,
  owners: DATA,
  group: 'training',
  tags: { consumer: 'personalisation' },
  description: 'One row per listener and track played that day: a 1-5 rating from plays, completions and likes, with listener and track features.',
});

/**
 * What the model learns from: the day's interactions (a rating of 4 or more is liked), listeners
 * by age band, country and subscription, tracks by artist, genres (several per track, a
 * multi-valued feature), length and release year, all from the snapshots (so a listener or track
 * without history is embedded too), plus a factor row per known listener and track (hybrid). The
 * API and the stream name the ids and features as the columns are named.
 */
export const listeningModel = recommenderModel({
  interactions: { asset: interactions.key, user: 'listener_id', item: 'track_id', rating: 'rating', time: 'first_played_at' },
  liked: { minRating: 4 },
  users: {
    asset: rawListeners.key,
    id: 'listener_id',
    field: 'listener_id',
    features: [
      { column: 'age_band', type: 'categorical' },
      { column: 'country', type: 'categorical' },
      { column: 'subscription', type: 'categorical' },
    ],
  },
  items: {
    asset: rawTracks.key,
    id: 'track_id',
    field: 'track_id',
    features: [
      { column: 'artist', type: 'categorical' },
      { column: 'genres', type: 'multi', separator: GENRE_SEPARATOR },
      { column: 'duration_ms', type: 'numeric' },
      { column: 'release_year', type: 'numeric' },
    ],
  },
  holdoutDays: 7,
  metric: 'recallAt10',
});

/** Model factors; each embedding has one more dimension (the bias), which the indexes hold. */
const FACTORS = 32;

export const recommender = defineAsset({
  key: 'model/track_recommender',
  deps: [interactions, rawListeners, rawTracks],
  compute: emrSpark({
    script: 'jobs/spark/train_recommender.py',
    model: listeningModel,
    params: { factors: FACTORS, epochs: 30, learningRate: 0.01, regularization: 0.01, seed: 42 },
  }),
  storage: lake('model'),
  code: ['jobs/spark/train_recommender.py'],
  // Feature rows are shared; a listener's own id row and embedding are in user_embeddings.parquet, keyed by listener.
  subjects: [{ subject: LISTENER, field: 'listener_id', file: 'user_embeddings.parquet' }],
  // Blocking on recall@10 against the week's most played tracks; NDCG and known/new users reported.
  checks: beatsPopularity(listeningModel),
  automation: DAILY_BATCH,
  owners: ML,
  group: 'ml',
  description: 'Hybrid factorization over listener and track features (genres as a multi-valued feature) plus per-id factors; recall@10 and NDCG@10 vs popularity.',
});

export const trackEmbeddings = defineAsset({
  key: 'index/track_embeddings',
  deps: [recommender],
  compute: vectorIndex({ entity: 'item', dimension: FACTORS + 1, idField: 'track_id', alias: 'track_embeddings' }),
  storage: { kind: 'vector-store' },
  checks: [{ type: 'row_count', min: 1 }],
  automation: eager(),
  subjects: 'none', // track embeddings only
  owners: ML,
  group: 'serving',
  description: 'k-NN index of track embeddings: "more like this track".',
});

export const listenerEmbeddings = defineAsset({
  key: 'index/listener_embeddings',
  deps: [recommender],
  compute: vectorIndex({ entity: 'user', dimension: FACTORS + 1, idField: 'listener_id', alias: 'listener_embeddings' }),
  storage: { kind: 'vector-store' },
  checks: [{ type: 'row_count', min: 1 }],
  automation: eager(),
  subjects: [{ subject: LISTENER, field: 'listener_id' }],
  owners: ML,
  group: 'serving',
  tags: { pii: 'true' },
  description: 'Index of listener embeddings: "made for you".',
});

export const topTracks = defineAsset({
  key: 'analytics/top_tracks',
  deps: [src.plays, src.likes, rawTracks],
  partitions: HOURLY,
  compute: glueSql({
    sql: 'examples/music/sql/top_tracks.sql',
    // Serving's fallback: the newest hour's 100 best scores (ties by track id, as `rank` does).
    fallback: { id: 'track_id', orderBy: 'score', top: 100, columns: ['title', 'artist'] },
  }),
  storage: lake('analytics'),
  contract: topTracksContract,
  code: ['examples/music/sql/top_tracks.sql'],
  freshness: { maxLagMinutes: 120 },
  checks: [{ type: 'row_count', min: 1 }, { type: 'unique', columns: ['track_id'] }],
  automation: HOURLY_ANALYTICS(['raw/tracks']),
  subjects: 'none', // counts over every listener
  owners: DATA,
  group: 'analytics',
  tags: { consumer: 'recommender-fallback' },
  description: 'The 100 most listened tracks over the trailing 7 days, refreshed hourly: the fallback when personal recommendations fail.',
});

export const listeningHourly = defineAsset({
  key: 'analytics/listening_hourly',
  deps: [src.plays, rawListeners],
  partitions: HOURLY,
  compute: glueSql({ sql: 'examples/music/sql/listening_hourly.sql' }),
  storage: lake('analytics'),
  contract: listeningHourlyContract,
  code: ['examples/music/sql/listening_hourly.sql'],
  freshness: { maxLagMinutes: 60 },
  checks: [{ type: 'accepted_range', column: 'skip_rate', min: 0, max: 1 }],
  automation: HOURLY_ANALYTICS(['raw/listeners']),
  subjects: 'none', // counts per hour, country and plan
  owners: DATA,
  group: 'analytics',
  tags: { consumer: 'content-dashboard', sla: '60m' },
  description: 'Listening per hour, country and subscription: the content team\'s dashboard, at most 60 minutes old.',
  dashboard: {
    title: 'Listening per hour',
    time: 'hour',
    measures: [
      { column: 'minutes_played', label: 'Minutes played', unit: 'min' },
      { column: 'plays', label: 'Plays' },
      { column: 'listeners', label: 'Listeners' },
    ],
    breakdowns: ['country', 'subscription'],
    windowHours: 48,
  },
});

// Serving reads the newest ranking, whatever hour it is.
export const latestTopTracks = { asset: topTracks, mapping: lastPartitionMapping() };
