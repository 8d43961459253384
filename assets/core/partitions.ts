/**
 * Partitions: time windows (hourly, daily, weekly, monthly; UTC) and static sets.
 *
 * Every partition set is indexed 0..n-1 so that planning works on integer ranges, never on
 * millions of strings: a 10,000-hour backfill of 1,000 assets is 1,000 ranges, not 10 million keys.
 */

export type Cadence = 'hourly' | 'daily' | 'weekly' | 'monthly';
import { UserError } from './errors';

export interface TimeWindowPartitions {
  readonly type: 'time';
  readonly cadence: Cadence;
  /** Start of the first window, UTC, epoch milliseconds (aligned to the cadence). */
  readonly startMs: number;
  /** Exclusive end, UTC, epoch ms; undefined = open-ended (up to the last complete window). */
  readonly endMs?: number;
}

export interface StaticPartitions {
  readonly type: 'static';
  readonly values: readonly string[];
}

export type PartitionsDefinition = TimeWindowPartitions | StaticPartitions;

/** A window of time: [start, end) in epoch ms. */
export interface TimeWindow {
  readonly startMs: number;
  readonly endMs: number;
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const WEEK = 7 * DAY;
const FIXED_MS: Record<Exclude<Cadence, 'monthly'>, number> = { hourly: HOUR, daily: DAY, weekly: WEEK };

/** An error in a partitions declaration, with what to write instead. */
export class PartitionsError extends UserError {
  override name = 'PartitionsError';
}

/** Parses `2024-01-01`, `2024-01-01T05`, `2024-01-01T05:00`, `2024-01-01 05:00`, `2024-01-01-05:00` or `2024-01` as UTC. */
export function parseUtc(text: string): number | undefined {
  const m = /^(\d{4})-(\d{2})(?:-(\d{2})(?:[T -](\d{2})(?::(\d{2}))?(?::(\d{2}))?(?:\.\d+)?Z?)?)?$/.exec(text.trim());
  if (!m) return undefined;
  const [y, mo, d = '01', h = '00', mi = '00', s = '00'] = m.slice(1);
  const year = Number(y), month = Number(mo), day = Number(d), hour = Number(h), minute = Number(mi), second = Number(s);
  if (month < 1 || month > 12 || hour > 23 || minute > 59 || second > 59) return undefined;
  const ms = Date.UTC(year, month - 1, day, hour, minute, second);
  // Date.UTC rolls 2023-02-29 over to March 1st: reject days that do not exist.
  if (new Date(ms).getUTCDate() !== day) return undefined;
  return ms;
}

function alignmentProblem(cadence: Cadence, ms: number): string | undefined {
  const d = new Date(ms);
  if (d.getUTCMinutes() || d.getUTCSeconds() || d.getUTCMilliseconds()) return 'must be on the hour';
  if (cadence === 'hourly') return undefined;
  if (d.getUTCHours()) return 'must be at midnight UTC';
  if (cadence === 'weekly' && d.getUTCDay() !== 1) return 'must be a Monday (weeks start on Monday, ISO 8601)';
  if (cadence === 'monthly' && d.getUTCDate() !== 1) return 'must be the 1st of a month';
  return undefined;
}

function timeWindowPartitions(cadence: Cadence, opts: { start: string; end?: string }): TimeWindowPartitions {
  const startMs = parseUtc(opts.start);
  if (startMs === undefined) throw new PartitionsError(`${cadence} partitions: start '${opts.start}' is not a date; write it as YYYY-MM-DD or YYYY-MM-DDTHH:00 (UTC)`);
  const startProblem = alignmentProblem(cadence, startMs);
  if (startProblem) throw new PartitionsError(`${cadence} partitions: start '${opts.start}' ${startProblem}`);
  let endMs: number | undefined;
  if (opts.end !== undefined) {
    endMs = parseUtc(opts.end);
    if (endMs === undefined) throw new PartitionsError(`${cadence} partitions: end '${opts.end}' is not a date; write it as YYYY-MM-DD or YYYY-MM-DDTHH:00 (UTC)`);
    const endProblem = alignmentProblem(cadence, endMs);
    if (endProblem) throw new PartitionsError(`${cadence} partitions: end '${opts.end}' ${endProblem} (the end is exclusive)`);
    if (endMs <= startMs) throw new PartitionsError(`${cadence} partitions: end '${opts.end}' must be after start '${opts.start}'`);
  }
  return endMs === undefined ? { type: 'time', cadence, startMs } : { type: 'time', cadence, startMs, endMs };
}

/** Hourly windows from `start` (UTC, on the hour), keys like `2024-01-01T05:00`. */
export const hourlyPartitions = (opts: { start: string; end?: string }) => timeWindowPartitions('hourly', opts);
/** Daily windows from `start` (UTC midnight), keys like `2024-01-01`. */
export const dailyPartitions = (opts: { start: string; end?: string }) => timeWindowPartitions('daily', opts);
/** Weekly windows starting Mondays, keys are the Monday: `2024-01-01`. */
export const weeklyPartitions = (opts: { start: string; end?: string }) => timeWindowPartitions('weekly', opts);
/** Monthly windows, keys like `2024-01`. */
export const monthlyPartitions = (opts: { start: string; end?: string }) => timeWindowPartitions('monthly', opts);

/** A fixed set of partitions, e.g. regions or tenants. */
export function staticPartitions(values: readonly string[]): StaticPartitions {
  if (values.length === 0) throw new PartitionsError('static partitions need at least one value');
  const seen = new Set<string>();
  for (const v of values) {
    if (!/^[A-Za-z0-9_.-]+$/.test(v)) throw new PartitionsError(`static partition '${v}' may only use letters, digits, '_', '.' and '-' (it becomes a folder name)`);
    if (seen.has(v)) throw new PartitionsError(`static partition '${v}' is listed twice`);
    seen.add(v);
  }
  return { type: 'static', values: [...values] };
}

function monthIndex(ms: number): number {
  const d = new Date(ms);
  return d.getUTCFullYear() * 12 + d.getUTCMonth();
}

/** Start of window `index` (may be out of bounds; callers clip). */
export function windowStart(def: TimeWindowPartitions, index: number): number {
  if (def.cadence === 'monthly') {
    const m = monthIndex(def.startMs) + index;
    return Date.UTC(Math.floor(m / 12), ((m % 12) + 12) % 12, 1);
  }
  return def.startMs + index * FIXED_MS[def.cadence];
}

/** The time window of partition `index`. */
export function timeWindow(def: TimeWindowPartitions, index: number): TimeWindow {
  return { startMs: windowStart(def, index), endMs: windowStart(def, index + 1) };
}

/** Index of the window containing `ms` (floor; may be negative or past the end). */
export function windowIndexAt(def: TimeWindowPartitions, ms: number): number {
  if (def.cadence === 'monthly') {
    const i = monthIndex(ms) - monthIndex(def.startMs);
    // monthIndex floors to the month already; a time before the month start cannot occur.
    return i;
  }
  return Math.floor((ms - def.startMs) / FIXED_MS[def.cadence]);
}

/** Number of partitions as of `nowMs`: complete windows only, as Dagster does. */
export function partitionCount(def: PartitionsDefinition, nowMs: number): number {
  if (def.type === 'static') return def.values.length;
  const limit = def.endMs === undefined ? nowMs : Math.min(def.endMs, nowMs);
  // Windows whose end is <= limit are complete.
  const n = windowIndexAt(def, limit);
  if (n <= 0) return 0;
  return windowStart(def, n) <= limit ? n : n - 1;
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** The key of partition `index`. */
export function partitionKey(def: PartitionsDefinition, index: number): string {
  if (def.type === 'static') return def.values[index];
  const d = new Date(windowStart(def, index));
  const date = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}`;
  if (def.cadence === 'monthly') return date;
  const day = `${date}-${pad(d.getUTCDate())}`;
  return def.cadence === 'hourly' ? `${day}T${pad(d.getUTCHours())}:00` : day;
}

/**
 * The index of a partition key, or an error message naming the expected form.
 * Time keys are parsed leniently (`2024-01-01T05`, `2024-01-01 05:00`) but must name a window start.
 */
export function partitionIndex(def: PartitionsDefinition, key: string): number | string {
  if (def.type === 'static') {
    const i = def.values.indexOf(key);
    return i >= 0 ? i : `'${key}' is not one of the static partitions (${def.values.join(', ')})`;
  }
  const ms = parseUtc(key);
  const example = partitionKey(def, 0);
  if (ms === undefined) return `'${key}' is not a ${def.cadence} partition key (for example '${example}')`;
  const i = windowIndexAt(def, ms);
  if (windowStart(def, i) !== ms) return `'${key}' is not the start of a ${def.cadence} window (for example '${example}')`;
  if (i < 0) return `'${key}' is before the first partition '${example}'`;
  if (def.endMs !== undefined && windowStart(def, i + 1) > def.endMs) return `'${key}' is after the last partition`;
  return i;
}

/** Human summary, e.g. `daily from 2024-01-01`, `hourly from 2024-01-01T00:00 to 2024-02-01T00:00`, `static [eu, us]`. */
export function describePartitions(def: PartitionsDefinition | undefined): string {
  if (!def) return 'unpartitioned';
  if (def.type === 'static') return `static [${def.values.join(', ')}]`;
  // The (exclusive) end is the start of the window after the last one, spelled like a key.
  const end = def.endMs === undefined ? '' : ` to ${partitionKey(def, windowIndexAt(def, def.endMs))} (exclusive)`;
  return `${def.cadence} from ${partitionKey(def, 0)}${end}`;
}

/** True when two definitions produce the same partitions. */
export function samePartitions(a: PartitionsDefinition, b: PartitionsDefinition): boolean {
  if (a.type === 'static' || b.type === 'static') {
    return a.type === 'static' && b.type === 'static' && a.values.length === b.values.length && a.values.every((v, i) => v === b.values[i]);
  }
  return a.cadence === b.cadence && a.startMs === b.startMs && a.endMs === b.endMs;
}
