/**
 * The music service's source tables as its backend team creates them (Postgres), typed as the
 * source contracts say (text -> string, integer -> int, bigint, timestamp). Keys and indexes come
 * after the bulk load: building them once is much faster than row by row.
 */
import { MUSIC_TABLES, type MusicTable } from './generate';

export interface MusicSourceTable {
  readonly name: MusicTable;
  /** Columns in the order the generator writes them. */
  readonly columns: readonly string[];
  /** CREATE TABLE. */
  readonly ddl: string;
  /** Keys and indexes, run once the rows are in. */
  readonly after: readonly string[];
}

export const MUSIC_SOURCE_TABLES: readonly MusicSourceTable[] = [
  {
    name: 'listeners',
    columns: MUSIC_TABLES.listeners,
    ddl: `CREATE TABLE listeners (
      listener_id varchar(16) NOT NULL,
      display_name text NOT NULL,
      age_band varchar(8) NOT NULL,
      country char(2) NOT NULL,
      subscription varchar(16) NOT NULL,
      signed_up_at timestamp NOT NULL
    )`,
    after: ['ALTER TABLE listeners ADD PRIMARY KEY (listener_id)'],
  },
  {
    name: 'tracks',
    columns: MUSIC_TABLES.tracks,
    ddl: `CREATE TABLE tracks (
      track_id varchar(16) NOT NULL,
      title text NOT NULL,
      artist text NOT NULL,
      genres text NOT NULL,
      duration_ms integer NOT NULL,
      release_year integer NOT NULL
    )`,
    after: ['ALTER TABLE tracks ADD PRIMARY KEY (track_id)'],
  },
  {
    name: 'plays',
    columns: MUSIC_TABLES.plays,
    ddl: `CREATE TABLE plays (
      play_id bigint NOT NULL,
      listener_id varchar(16) NOT NULL,
      track_id varchar(16) NOT NULL,
      played_at timestamp NOT NULL,
      ms_played integer NOT NULL CHECK (ms_played >= 0)
    )`,
    after: ['ALTER TABLE plays ADD PRIMARY KEY (play_id)', 'CREATE INDEX plays_played_at ON plays (played_at)'],
  },
  {
    name: 'likes',
    columns: MUSIC_TABLES.likes,
    ddl: `CREATE TABLE likes (
      listener_id varchar(16) NOT NULL,
      track_id varchar(16) NOT NULL,
      liked_at timestamp NOT NULL
    )`,
    after: ['ALTER TABLE likes ADD PRIMARY KEY (listener_id, track_id)', 'CREATE INDEX likes_liked_at ON likes (liked_at)'],
  },
];
