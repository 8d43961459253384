/**
 * The music domain's closed vocabularies, shared by the declarations (checks, the model's
 * multi-valued feature) and the data generator, so both say the same thing.
 */

export const AGE_BANDS = ['13-17', '18-24', '25-34', '35-44', '45-54', '55+'] as const;
export const SUBSCRIPTIONS = ['free', 'student', 'premium', 'family'] as const;
export const GENRES = [
  'pop', 'rock', 'hip-hop', 'electronic', 'indie', 'jazz', 'classical', 'latin', 'k-pop',
  'metal', 'r&b', 'country', 'folk', 'reggaeton', 'afrobeats', 'soul', 'punk', 'ambient',
] as const;
/** Joins a track's genres in one column (`indie|rock`): the model's multi-valued feature. */
export const GENRE_SEPARATOR = '|';
/** A play shorter than this is a skip (the rule streaming services count by; the SQL says 30000). */
export const SKIP_MS = 30_000;
