/**
 * Listening events as the apps put them on `stream/listening_events`: a listener with their plan,
 * age band and country, and the last few tracks they played (popular tracks more often, a Zipf
 * law over the catalogue), mostly from known listeners and some from new ones (cold start), shaped
 * as the stream's contract says.
 */
import { mulberry32 } from '../../../assets/core/seeded-random';
import { AGE_BANDS, SKIP_MS, SUBSCRIPTIONS } from '../vocabulary';
import { cumulative, drawIndex, oneOf } from './sampling';

export interface ListeningEvent {
  readonly listener_id: string;
  readonly age_band: string;
  readonly country: string;
  readonly subscription: string;
  readonly recent_tracks: readonly { readonly track_id: string; readonly ms_played: number }[];
  readonly event_time: string;
}

export interface ListeningEventOptions {
  /** Share of events from listeners the indexes do not know yet. @default 0.05 */
  readonly newListenerShare?: number;
  /** @default 42 */
  readonly seed?: number;
  /** Event time. @default now */
  readonly now?: () => Date;
}

const COUNTRIES = ['US', 'BR', 'GB', 'DE', 'MX', 'FR', 'IN', 'JP', 'KR', 'NG', 'SE', 'ES'];

/** One event per call, over the known listeners and tracks (the ids the indexes hold). */
export function listeningEventGenerator(ids: { readonly users: readonly string[]; readonly items: readonly string[] }, o: ListeningEventOptions = {}): () => ListeningEvent {
  if (ids.items.length === 0) throw new Error('listening events need track ids: materialize the track index first');
  if (ids.users.length === 0) throw new Error('listening events need listener ids: materialize the listener index first');
  const random = mulberry32(o.seed ?? 42);
  const now = o.now ?? (() => new Date());
  const newShare = o.newListenerShare ?? 0.05;
  const tracks = [...ids.items].sort();
  // A seeded shuffle, then Zipf(1) weights by position: a few tracks are played most.
  for (let i = tracks.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [tracks[i], tracks[j]] = [tracks[j], tracks[i]];
  }
  const sums = cumulative(tracks.map((_, rank) => 1 / (rank + 1)));
  let newcomers = 0;
  return () => {
    const known = random() >= newShare;
    const listener = known ? oneOf(random, ids.users) : `l-new-${String(++newcomers).padStart(6, '0')}`;
    const played = new Set<string>();
    for (let n = 1 + Math.floor(random() * 4); played.size < n && played.size < tracks.length; ) played.add(tracks[drawIndex(sums, random)]);
    return {
      listener_id: listener,
      age_band: oneOf(random, AGE_BANDS),
      country: oneOf(random, COUNTRIES),
      subscription: oneOf(random, SUBSCRIPTIONS),
      recent_tracks: [...played].map((track_id) => ({ track_id, ms_played: random() < 0.2 ? Math.floor(random() * SKIP_MS) : SKIP_MS + Math.floor(random() * 200_000) })),
      event_time: now().toISOString(),
    };
  };
}
