import { expect } from 'chai';
import { nextCronTick, parseCron, previousCronTick, type CronSchedule } from '../../assets/core';

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());
function cron(expr: string, tz = 'UTC'): CronSchedule {
  const s = parseCron(expr, tz);
  if (typeof s === 'string') throw new Error(s);
  return s;
}

describe('cron schedules', () => {
  it('rejects malformed expressions and time zones with what to write instead', () => {
    expect(parseCron('5 * * *')).to.match(/has 4 fields; write five/);
    expect(parseCron('61 * * * *')).to.match(/minute field '61': 61 is outside 0-59/);
    expect(parseCron('*/0 * * * *')).to.match(/step '\/0' must be a positive whole number/);
    expect(parseCron('0 0 * foo *')).to.match(/month field 'foo': 'foo' is not a number or a name/);
    expect(parseCron('0 9 * * *', 'Mars/Olympus')).to.match(/'Mars\/Olympus' is not an IANA time zone/);
  });

  it('is inclusive at the boundary going back and exclusive going forward', () => {
    const s = cron('5 * * * *');
    expect(iso(previousCronTick(s, at('2026-03-01T10:05:00Z')))).to.equal('2026-03-01T10:05:00.000Z');
    expect(iso(previousCronTick(s, at('2026-03-01T10:04:59.999Z')))).to.equal('2026-03-01T09:05:00.000Z');
    expect(iso(nextCronTick(s, at('2026-03-01T10:05:00Z')))).to.equal('2026-03-01T11:05:00.000Z');
    expect(iso(nextCronTick(s, at('2026-03-01T23:59:00Z')))).to.equal('2026-03-02T00:05:00.000Z');
  });

  it('reads lists, ranges, steps, names and macros; day-of-month OR day-of-week when both are set', () => {
    expect(iso(nextCronTick(cron('@daily'), at('2026-02-28T12:00:00Z')))).to.equal('2026-03-01T00:00:00.000Z');
    expect(iso(nextCronTick(cron('0 0 29 feb *'), at('2026-01-01T00:00:00Z')))).to.equal('2028-02-29T00:00:00.000Z');
    expect(iso(nextCronTick(cron('*/20 8-9 * * mon-fri'), at('2026-12-04T09:45:00Z')))).to.equal('2026-12-07T08:00:00.000Z');
    // 13th of the month or a Friday: Fri 2026-12-04 comes before Sun 2026-12-13.
    expect(iso(nextCronTick(cron('0 0 13 * 5'), at('2026-12-01T00:00:00Z')))).to.equal('2026-12-04T00:00:00.000Z');
    expect(iso(nextCronTick(cron('0 0 * * 7'), at('2026-12-01T00:00:00Z')))).to.equal('2026-12-06T00:00:00.000Z');
    expect(nextCronTick(cron('0 0 30 feb *'), at('2026-01-01T00:00:00Z'))).to.equal(undefined);
  });

  it('reads the fields in a time zone, weekends included (New York, 9:00 on weekdays)', () => {
    const s = cron('0 9 * * 1-5', 'America/New_York');
    // Friday 2026-12-04 10:00 EST -> Monday 09:00 EST = 14:00Z.
    expect(iso(nextCronTick(s, at('2026-12-04T15:00:00Z')))).to.equal('2026-12-07T14:00:00.000Z');
    // Summer: EDT is UTC-4.
    expect(iso(previousCronTick(s, at('2026-07-01T13:30:00Z')))).to.equal('2026-07-01T13:00:00.000Z');
  });

  it('fires a skipped wall time after the jump, and a repeated one once (Paris, 2026 DST changes)', () => {
    const daily = cron('30 2 * * *', 'Europe/Paris');
    // 2026-03-29: 02:00 CET -> 03:00 CEST. 02:30 does not exist: it fires at 03:30 CEST (01:30Z).
    expect(iso(nextCronTick(daily, at('2026-03-28T12:00:00Z')))).to.equal('2026-03-29T01:30:00.000Z');
    expect(iso(nextCronTick(daily, at('2026-03-29T01:30:00Z')))).to.equal('2026-03-30T00:30:00.000Z');
    // 2026-10-25: 03:00 CEST -> 02:00 CET. 02:30 happens twice (00:30Z and 01:30Z): it fires at the first.
    expect(iso(nextCronTick(daily, at('2026-10-24T12:00:00Z')))).to.equal('2026-10-25T00:30:00.000Z');
    expect(iso(nextCronTick(daily, at('2026-10-25T00:30:00Z')))).to.equal('2026-10-26T01:30:00.000Z');
    expect(iso(previousCronTick(daily, at('2026-10-25T01:45:00Z')))).to.equal('2026-10-25T00:30:00.000Z');
    // An hourly schedule never fires twice for the skipped hour.
    const hourly = cron('30 * * * *', 'Europe/Paris');
    expect(iso(nextCronTick(hourly, at('2026-03-29T00:30:00Z')))).to.equal('2026-03-29T01:30:00.000Z');
    expect(iso(nextCronTick(hourly, at('2026-03-29T01:30:00Z')))).to.equal('2026-03-29T02:30:00.000Z');
  });
});
