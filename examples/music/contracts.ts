/**
 * Data contracts of the music example: the streaming service's source tables (listeners, the
 * track catalogue, plays and likes), the listening events on its stream, and what the pipeline
 * publishes (the training interactions, the hourly analytics, the scored events). Column names
 * are snake_case, as the service's own database spells them; a listener is the data subject.
 */
import type { Contract } from '../../assets/core';

/** The data subject of this domain: `assets erase --subject listener=l-000042`. */
export const LISTENER = 'listener';

export const listenersContract: Contract = {
  primaryKey: ['listener_id'],
  columns: [
    { name: 'listener_id', type: 'string', nullable: false, subject: LISTENER },
    { name: 'display_name', type: 'string', nullable: false, pii: true },
    { name: 'age_band', type: 'string', nullable: false, description: '13-17, 18-24, 25-34, 35-44, 45-54 or 55+' },
    { name: 'country', type: 'string', nullable: false, description: 'ISO 3166-1 alpha-2' },
    { name: 'subscription', type: 'string', nullable: false, description: 'free, student, premium or family' },
    { name: 'signed_up_at', type: 'timestamp', nullable: false },
  ],
};

export const tracksContract: Contract = {
  primaryKey: ['track_id'],
  columns: [
    { name: 'track_id', type: 'string', nullable: false },
    { name: 'title', type: 'string', nullable: false },
    { name: 'artist', type: 'string', nullable: false },
    { name: 'genres', type: 'string', nullable: false, description: "one to three genres joined by '|', e.g. 'indie|rock'" },
    { name: 'duration_ms', type: 'int', nullable: false },
    { name: 'release_year', type: 'int', nullable: false },
  ],
};

export const playsContract: Contract = {
  primaryKey: ['play_id'],
  columns: [
    { name: 'play_id', type: 'bigint', nullable: false },
    { name: 'listener_id', type: 'string', nullable: false, subject: LISTENER },
    { name: 'track_id', type: 'string', nullable: false },
    { name: 'played_at', type: 'timestamp', nullable: false },
    { name: 'ms_played', type: 'int', nullable: false, description: 'how long the track played before it ended or was skipped' },
  ],
};

export const likesContract: Contract = {
  primaryKey: ['listener_id', 'track_id'],
  columns: [
    { name: 'listener_id', type: 'string', nullable: false, subject: LISTENER },
    { name: 'track_id', type: 'string', nullable: false },
    { name: 'liked_at', type: 'timestamp', nullable: false },
  ],
};

/** What the app puts on the stream while someone listens (JSON). */
export const listeningEventsContract: Contract = {
  columns: [
    { name: 'listener_id', type: 'string', nullable: false, subject: LISTENER },
    { name: 'age_band', type: 'string', nullable: true },
    { name: 'country', type: 'string', nullable: true },
    { name: 'subscription', type: 'string', nullable: true },
    { name: 'recent_tracks', type: 'array<struct<track_id:string,ms_played:int>>', nullable: false },
    { name: 'event_time', type: 'timestamp', nullable: false },
  ],
};

/**
 * One row per listener and track they discovered that day, with the strength of the signal as a
 * 1-5 rating (5: liked; 4: played through twice or more; 3: once; 2: only partly; 1: skipped),
 * and the features the model reads. Rows with a rating of 4 or more count as liked.
 */
export const interactionsContract: Contract = {
  columns: [
    { name: 'listener_id', type: 'string', nullable: false, subject: LISTENER },
    { name: 'track_id', type: 'string', nullable: false },
    { name: 'rating', type: 'int', nullable: false },
    { name: 'plays', type: 'int', nullable: false },
    { name: 'ms_played', type: 'bigint', nullable: false },
    { name: 'first_played_at', type: 'timestamp', nullable: false },
    { name: 'age_band', type: 'string', nullable: false },
    { name: 'country', type: 'string', nullable: false },
    { name: 'subscription', type: 'string', nullable: false },
    { name: 'artist', type: 'string', nullable: false },
    { name: 'genres', type: 'string', nullable: false },
    { name: 'duration_ms', type: 'int', nullable: false },
  ],
};

/** The trailing week's most played tracks, refreshed hourly: the API's fallback. */
export const topTracksContract: Contract = {
  primaryKey: ['track_id'],
  columns: [
    { name: 'rank', type: 'int', nullable: false },
    { name: 'track_id', type: 'string', nullable: false },
    { name: 'title', type: 'string', nullable: false },
    { name: 'artist', type: 'string', nullable: false },
    { name: 'genres', type: 'string', nullable: false },
    { name: 'listeners', type: 'bigint', nullable: false },
    { name: 'completed_plays', type: 'bigint', nullable: false },
    { name: 'likes', type: 'bigint', nullable: false },
    { name: 'score', type: 'double', nullable: false },
  ],
};

/** Listening per hour, country and subscription: the content team's dashboard. */
export const listeningHourlyContract: Contract = {
  primaryKey: ['hour', 'country', 'subscription'],
  columns: [
    { name: 'hour', type: 'timestamp', nullable: false },
    { name: 'country', type: 'string', nullable: false },
    { name: 'subscription', type: 'string', nullable: false },
    { name: 'plays', type: 'bigint', nullable: false },
    { name: 'listeners', type: 'bigint', nullable: false },
    { name: 'minutes_played', type: 'double', nullable: false },
    { name: 'skip_rate', type: 'double', nullable: false },
  ],
};

/** Each scored listening event the stream pipeline writes to the lake. */
export const scoredEventsContract: Contract = {
  columns: [
    ...listeningEventsContract.columns,
    { name: 'recommended_items', type: 'array<string>', nullable: false },
    { name: 'similar_items', type: 'array<string>', nullable: false },
    { name: 'fallback', type: 'boolean', nullable: false },
  ],
};
