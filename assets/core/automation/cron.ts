/**
 * Cron schedules in a time zone: the five standard fields (minute hour day-of-month month
 * day-of-week) with lists, ranges, steps and names, plus the @hourly/@daily/@weekly/@monthly/
 * @yearly macros. Day-of-month and day-of-week combine as in Vixie cron: when both are
 * restricted, a day matching either fires.
 *
 * Daylight saving, as a person reading the expression expects: a wall-clock time that occurs
 * twice (clocks going back) fires once, at its first occurrence; a time the clocks skip (going
 * forward) fires that long after the jump (02:30 on a 02:00 -> 03:00 night fires at 03:30),
 * and never twice with 03:30 itself.
 *
 * Pure: time zones come from the runtime's Intl data, nothing is read from disk.
 */

export interface CronSchedule {
  /** The expression as declared. */
  readonly expr: string;
  /** IANA time zone the fields are read in, e.g. `UTC` or `Europe/Paris`. */
  readonly timezone: string;
  readonly minutes: readonly boolean[];
  readonly hours: readonly boolean[];
  /** Index 1..31. */
  readonly days: readonly boolean[];
  /** Index 1..12. */
  readonly months: readonly boolean[];
  /** Index 0..6, Sunday = 0. */
  readonly weekdays: readonly boolean[];
  readonly dayRestricted: boolean;
  readonly weekdayRestricted: boolean;
}

const MACROS: Readonly<Record<string, string>> = {
  '@hourly': '0 * * * *',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@weekly': '0 0 * * 0',
  '@monthly': '0 0 1 * *',
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
};

const MONTH_NAMES = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const DAY_NAMES = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

interface FieldSpec {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  readonly names?: readonly string[];
  /** Offset of names[0]: months are 1-based. */
  readonly nameBase?: number;
}

const FIELDS: readonly FieldSpec[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: MONTH_NAMES, nameBase: 1 },
  // 7 is Sunday too, as in every cron.
  { name: 'day of week', min: 0, max: 7, names: DAY_NAMES, nameBase: 0 },
];

function parseValue(text: string, f: FieldSpec): number | string {
  const named = f.names?.indexOf(text.toLowerCase()) ?? -1;
  if (named >= 0) return named + (f.nameBase ?? 0);
  if (!/^\d+$/.test(text)) return `'${text}' is not a number${f.names ? ` or a name (${f.names.join(', ')})` : ''}`;
  const v = Number(text);
  if (v < f.min || v > f.max) return `${v} is outside ${f.min}-${f.max}`;
  return v;
}

/** One field into a membership table, or a message naming the problem. */
function parseField(text: string, f: FieldSpec): boolean[] | string {
  const set = new Array<boolean>(f.max + 1).fill(false);
  for (const part of text.split(',')) {
    const [range, stepText, extra] = part.split('/');
    if (extra !== undefined || range === '') return `'${part}' is not a list item (write N, A-B, */S or A-B/S)`;
    let step = 1;
    if (stepText !== undefined) {
      if (!/^\d+$/.test(stepText) || Number(stepText) === 0) return `step '/${stepText}' must be a positive whole number`;
      step = Number(stepText);
    }
    let lo: number, hi: number;
    if (range === '*') {
      lo = f.min;
      hi = f.name === 'day of week' ? 6 : f.max;
    } else {
      const [a, b, more] = range.split('-');
      if (more !== undefined) return `'${range}' is not a range (write A-B)`;
      const va = parseValue(a, f);
      if (typeof va === 'string') return va;
      lo = va;
      if (b === undefined) hi = stepText !== undefined ? f.max : va;
      else {
        const vb = parseValue(b, f);
        if (typeof vb === 'string') return vb;
        hi = vb;
      }
      if (hi < lo) return `range ${range} ends before it starts`;
    }
    for (let v = lo; v <= hi; v += step) set[v] = true;
  }
  return set;
}

const knownZones = new Set<string>(['UTC']);

/** Why `timezone` is not usable, or undefined. */
export function timezoneProblem(timezone: string): string | undefined {
  if (knownZones.has(timezone)) return undefined;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: timezone });
    knownZones.add(timezone);
    return undefined;
  } catch {
    return `'${timezone}' is not an IANA time zone; write one such as 'UTC', 'Europe/Paris' or 'America/New_York'`;
  }
}

/** Parses a cron expression read in `timezone`; returns the schedule or a message saying what to fix. */
export function parseCron(expr: string, timezone = 'UTC'): CronSchedule | string {
  const tzProblem = timezoneProblem(timezone);
  if (tzProblem) return tzProblem;
  const text = MACROS[expr.trim().toLowerCase()] ?? expr.trim();
  const parts = text.split(/\s+/);
  if (parts.length !== 5) {
    return `cron '${expr}' has ${parts.length} field${parts.length === 1 ? '' : 's'}; write five (minute hour day-of-month month day-of-week), e.g. '5 * * * *', or a macro (@hourly, @daily, @weekly, @monthly)`;
  }
  const tables: boolean[][] = [];
  for (const [i, f] of FIELDS.entries()) {
    const t = parseField(parts[i], f);
    if (typeof t === 'string') return `cron '${expr}', ${f.name} field '${parts[i]}': ${t}`;
    tables.push(t);
  }
  const weekdays = tables[4].slice(0, 7);
  if (tables[4][7]) weekdays[0] = true;
  return {
    expr,
    timezone,
    minutes: tables[0],
    hours: tables[1],
    days: tables[2],
    months: tables[3],
    weekdays,
    dayRestricted: parts[2] !== '*',
    weekdayRestricted: parts[4] !== '*',
  };
}

// ---- wall clock <-> instant -------------------------------------------------------------

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const formatters = new Map<string, Intl.DateTimeFormat>();
const offsets = new Map<string, number>();

/** Offset of `timezone` from UTC at instant `ms`, in ms (Paris in winter: +3,600,000). */
export function zoneOffsetMs(timezone: string, ms: number): number {
  if (timezone === 'UTC' || timezone === 'Etc/UTC') return 0;
  // Offsets change on quarter hours at the finest, so one lookup per quarter hour is exact.
  const bucket = Math.floor(ms / (15 * MINUTE));
  const memo = `${timezone}\0${bucket}`;
  const hit = offsets.get(memo);
  if (hit !== undefined) return hit;
  let fmt = formatters.get(timezone);
  if (!fmt) {
    fmt = new Intl.DateTimeFormat('en-US', {
      timeZone: timezone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
    });
    formatters.set(timezone, fmt);
  }
  const at = bucket * 15 * MINUTE;
  const f: Record<string, number> = {};
  for (const p of fmt.formatToParts(new Date(at))) if (p.type !== 'literal') f[p.type] = Number(p.value);
  const offset = Date.UTC(f.year, f.month - 1, f.day, f.hour, f.minute) - at;
  if (offsets.size > 50_000) offsets.clear();
  offsets.set(memo, offset);
  return offset;
}

/** The wall-clock time at `ms`, encoded as if it were UTC (so Date's UTC getters read its fields). */
const toWall = (tz: string, ms: number) => ms + zoneOffsetMs(tz, ms);

/**
 * The instant a wall-clock time names: its first occurrence when it occurs twice; for a time the
 * clocks skip, read with the offset before the jump (so it lands that long after the jump).
 */
function fromWall(tz: string, wall: number): number {
  // No zone changes offset twice within 30 hours: these bracket any transition near `wall`.
  const before = wall - zoneOffsetMs(tz, wall - 15 * HOUR);
  const after = wall - zoneOffsetMs(tz, wall + 15 * HOUR);
  const valid = [before, after].filter((u) => toWall(tz, u) === wall);
  return valid.length ? Math.min(...valid) : before;
}

function dayMatches(s: CronSchedule, d: Date): boolean {
  if (!s.months[d.getUTCMonth() + 1]) return false;
  const dom = s.days[d.getUTCDate()];
  const dow = s.weekdays[d.getUTCDay()];
  if (s.dayRestricted && s.weekdayRestricted) return dom || dow;
  return dom && dow;
}

/** Any schedule that fires at all fires within 28 years (the calendar repeats; Feb 29 on a Monday is the rarest). */
const SEARCH_DAYS = 366 * 28;

/** The earliest tick strictly after `ms`, or undefined when the schedule never fires (e.g. Feb 30). */
export function nextCronTick(s: CronSchedule, ms: number): number | undefined {
  const startWall = toWall(s.timezone, ms);
  const day0 = Math.floor(startWall / DAY) * DAY;
  for (let d = 0; d < SEARCH_DAYS; d++) {
    const dayMs = day0 + d * DAY;
    if (!dayMatches(s, new Date(dayMs))) continue;
    for (let h = 0; h < 24; h++) {
      if (!s.hours[h]) continue;
      for (let m = 0; m < 60; m++) {
        if (!s.minutes[m]) continue;
        const wall = dayMs + h * HOUR + m * MINUTE;
        // A wall time up to an hour before the start can still lie after `ms` (clocks went back).
        if (wall < startWall - 3 * HOUR) continue;
        const u = fromWall(s.timezone, wall);
        if (u > ms) return u;
      }
    }
  }
  return undefined;
}

/** The latest tick at or before `ms`, or undefined when there is none in the last 28 years. */
export function previousCronTick(s: CronSchedule, ms: number): number | undefined {
  const startWall = toWall(s.timezone, ms);
  const day0 = Math.floor(startWall / DAY) * DAY;
  for (let d = 0; d < SEARCH_DAYS; d++) {
    const dayMs = day0 - d * DAY;
    if (!dayMatches(s, new Date(dayMs))) continue;
    for (let h = 23; h >= 0; h--) {
      if (!s.hours[h]) continue;
      for (let m = 59; m >= 0; m--) {
        if (!s.minutes[m]) continue;
        const wall = dayMs + h * HOUR + m * MINUTE;
        if (wall > startWall + 3 * HOUR) continue;
        const u = fromWall(s.timezone, wall);
        if (u <= ms) return u;
      }
    }
  }
  return undefined;
}
