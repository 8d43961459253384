import { expect } from 'chai';
import {
  PartitionsError,
  dailyPartitions,
  describePartitions,
  hourlyPartitions,
  monthlyPartitions,
  parseUtc,
  partitionCount,
  partitionIndex,
  partitionKey,
  samePartitions,
  staticPartitions,
  timeWindow,
  weeklyPartitions,
} from '../../assets/core';

const at = (s: string) => parseUtc(s)!;

describe('partitions', () => {
  describe('parseUtc', () => {
    it('reads dates, hours and months as UTC in several spellings', () => {
      expect(at('2024-03-05')).to.equal(Date.UTC(2024, 2, 5));
      expect(at('2024-03-05T07')).to.equal(Date.UTC(2024, 2, 5, 7));
      expect(at('2024-03-05T07:00')).to.equal(Date.UTC(2024, 2, 5, 7));
      expect(at('2024-03-05 07:00')).to.equal(Date.UTC(2024, 2, 5, 7));
      expect(at('2024-03-05-07:00')).to.equal(Date.UTC(2024, 2, 5, 7));
      expect(at('2024-03')).to.equal(Date.UTC(2024, 2, 1));
    });
    it('rejects days that do not exist, including Feb 29 of a common year', () => {
      expect(parseUtc('2023-02-29')).to.equal(undefined);
      expect(parseUtc('2024-02-29')).to.equal(Date.UTC(2024, 1, 29));
      expect(parseUtc('2024-04-31')).to.equal(undefined);
      expect(parseUtc('2024-13-01')).to.equal(undefined);
      expect(parseUtc('2024-01-01T24:00')).to.equal(undefined);
      expect(parseUtc('yesterday')).to.equal(undefined);
    });
  });

  describe('declarations', () => {
    it('reject misaligned or malformed starts with the fix in the message', () => {
      expect(() => hourlyPartitions({ start: '2024-01-01T05:30' })).to.throw(PartitionsError, /on the hour/);
      expect(() => dailyPartitions({ start: '2024-01-01T05:00' })).to.throw(PartitionsError, /midnight UTC/);
      expect(() => weeklyPartitions({ start: '2024-01-02' })).to.throw(PartitionsError, /Monday/);
      expect(() => monthlyPartitions({ start: '2024-01-15' })).to.throw(PartitionsError, /1st of a month/);
      expect(() => dailyPartitions({ start: 'soon' })).to.throw(PartitionsError, /YYYY-MM-DD/);
      expect(() => dailyPartitions({ start: '2024-01-02', end: '2024-01-01' })).to.throw(PartitionsError, /after start/);
    });
    it('reject empty, duplicate and path-unsafe static values', () => {
      expect(() => staticPartitions([])).to.throw(PartitionsError, /at least one/);
      expect(() => staticPartitions(['eu', 'eu'])).to.throw(PartitionsError, /twice/);
      expect(() => staticPartitions(['eu/west'])).to.throw(PartitionsError, /folder name/);
    });
    it('describe themselves', () => {
      expect(describePartitions(undefined)).to.equal('unpartitioned');
      expect(describePartitions(dailyPartitions({ start: '2024-01-01' }))).to.equal('daily from 2024-01-01');
      expect(describePartitions(hourlyPartitions({ start: '2024-01-01T00:00', end: '2024-01-02T00:00' }))).to.equal(
        'hourly from 2024-01-01T00:00 to 2024-01-02T00:00 (exclusive)',
      );
      expect(describePartitions(staticPartitions(['eu', 'us']))).to.equal('static [eu, us]');
    });
  });

  describe('keys and indexes', () => {
    it('hourly keys roll over days, months and leap days', () => {
      const h = hourlyPartitions({ start: '2024-02-28T22:00' });
      expect([0, 1, 2, 25, 26].map((i) => partitionKey(h, i))).to.deep.equal([
        '2024-02-28T22:00',
        '2024-02-28T23:00',
        '2024-02-29T00:00',
        '2024-02-29T23:00',
        '2024-03-01T00:00',
      ]);
      expect(partitionIndex(h, '2024-03-01T00:00')).to.equal(26);
      expect(partitionIndex(h, '2024-03-01T00')).to.equal(26);
    });
    it('daily keys cross Feb 29 in a leap year and skip it otherwise', () => {
      const leap = dailyPartitions({ start: '2024-02-28' });
      expect([0, 1, 2].map((i) => partitionKey(leap, i))).to.deep.equal(['2024-02-28', '2024-02-29', '2024-03-01']);
      const common = dailyPartitions({ start: '2023-02-28' });
      expect([0, 1].map((i) => partitionKey(common, i))).to.deep.equal(['2023-02-28', '2023-03-01']);
      expect(partitionIndex(common, '2023-02-29')).to.match(/not a daily partition key/);
    });
    it('monthly windows have the lengths of their months', () => {
      const m = monthlyPartitions({ start: '2023-12-01' });
      expect([0, 1, 2, 3].map((i) => partitionKey(m, i))).to.deep.equal(['2023-12', '2024-01', '2024-02', '2024-03']);
      const feb = timeWindow(m, 2);
      expect((feb.endMs - feb.startMs) / 86_400_000).to.equal(29);
      const dec = timeWindow(m, 0);
      expect((dec.endMs - dec.startMs) / 86_400_000).to.equal(31);
      expect(partitionIndex(m, '2024-02')).to.equal(2);
      expect(partitionIndex(m, '2024-02-01')).to.equal(2);
      expect(partitionIndex(m, '2024-02-15')).to.match(/not the start of a monthly window/);
    });
    it('weekly windows start on Mondays', () => {
      const w = weeklyPartitions({ start: '2024-01-01' });
      expect([0, 1, 9].map((i) => partitionKey(w, i))).to.deep.equal(['2024-01-01', '2024-01-08', '2024-03-04']);
      expect(partitionIndex(w, '2024-01-03')).to.match(/not the start of a weekly window/);
    });
    it('reject keys before the start and after the end', () => {
      const d = dailyPartitions({ start: '2024-01-01', end: '2024-01-31' });
      expect(partitionIndex(d, '2023-12-31')).to.match(/before the first partition '2024-01-01'/);
      expect(partitionIndex(d, '2024-01-30')).to.equal(29);
      expect(partitionIndex(d, '2024-01-31')).to.match(/after the last partition/);
    });
    it('static keys are their values', () => {
      const s = staticPartitions(['eu', 'us']);
      expect(partitionKey(s, 1)).to.equal('us');
      expect(partitionIndex(s, 'us')).to.equal(1);
      expect(partitionIndex(s, 'apac')).to.match(/not one of the static partitions \(eu, us\)/);
    });
  });

  describe('partitionCount', () => {
    const d = dailyPartitions({ start: '2024-01-01' });
    it('counts complete windows only', () => {
      expect(partitionCount(d, at('2024-01-01'))).to.equal(0);
      expect(partitionCount(d, at('2024-01-01T23:00'))).to.equal(0);
      expect(partitionCount(d, at('2024-01-02'))).to.equal(1);
      expect(partitionCount(d, at('2024-03-01'))).to.equal(60);
      expect(partitionCount(d, at('2023-06-01'))).to.equal(0);
    });
    it('stops at the end when there is one', () => {
      const bounded = dailyPartitions({ start: '2024-01-01', end: '2024-01-11' });
      expect(partitionCount(bounded, at('2025-01-01'))).to.equal(10);
    });
    it('counts months across a year end', () => {
      const m = monthlyPartitions({ start: '2023-11-01' });
      expect(partitionCount(m, at('2024-02-29T12:00'))).to.equal(3);
      expect(partitionCount(m, at('2024-03-01'))).to.equal(4);
    });
  });

  describe('exact messages and edge cases', () => {
    it('parseUtc takes seconds, fractions, a Z and surrounding spaces, and rejects out-of-range fields', () => {
      expect(at(' 2024-03-05T07:08:09.123Z ')).to.equal(Date.UTC(2024, 2, 5, 7, 8, 9));
      expect(at('2024-03-05T23:59:59')).to.equal(Date.UTC(2024, 2, 5, 23, 59, 59));
      expect(at('2024-12-31')).to.equal(Date.UTC(2024, 11, 31));
      for (const bad of ['2024-00-10', '2024-03-05T07:60', '2024-03-05T07:00:60', '2024-03-00', '2024-3-05', '2024-03-05T7', 'x2024-03-05', '2024-03-05x']) {
        expect(parseUtc(bad), bad).to.equal(undefined);
      }
    });

    it('each declaration mistake has its own message, naming the value and the fix', () => {
      const cases: [() => unknown, string][] = [
        [() => hourlyPartitions({ start: '2024-01-01T05:30' }), "hourly partitions: start '2024-01-01T05:30' must be on the hour"],
        [() => hourlyPartitions({ start: '2024-01-01T05:00:30' }), "hourly partitions: start '2024-01-01T05:00:30' must be on the hour"],
        [() => dailyPartitions({ start: '2024-01-01T05:00' }), "daily partitions: start '2024-01-01T05:00' must be at midnight UTC"],
        [() => weeklyPartitions({ start: '2024-01-02' }), "weekly partitions: start '2024-01-02' must be a Monday (weeks start on Monday, ISO 8601)"],
        [() => monthlyPartitions({ start: '2024-01-15' }), "monthly partitions: start '2024-01-15' must be the 1st of a month"],
        [() => dailyPartitions({ start: 'soon' }), "daily partitions: start 'soon' is not a date; write it as YYYY-MM-DD or YYYY-MM-DDTHH:00 (UTC)"],
        [() => dailyPartitions({ start: '2024-01-01', end: 'later' }), "daily partitions: end 'later' is not a date; write it as YYYY-MM-DD or YYYY-MM-DDTHH:00 (UTC)"],
        [() => dailyPartitions({ start: '2024-01-01', end: '2024-01-05T12:00' }), "daily partitions: end '2024-01-05T12:00' must be at midnight UTC (the end is exclusive)"],
        [() => dailyPartitions({ start: '2024-01-02', end: '2024-01-01' }), "daily partitions: end '2024-01-01' must be after start '2024-01-02'"],
        [() => dailyPartitions({ start: '2024-01-02', end: '2024-01-02' }), "daily partitions: end '2024-01-02' must be after start '2024-01-02'"],
        [() => staticPartitions([]), 'static partitions need at least one value'],
        [() => staticPartitions(['eu', 'eu']), "static partition 'eu' is listed twice"],
        [() => staticPartitions(['eu/west']), "static partition 'eu/west' may only use letters, digits, '_', '.' and '-' (it becomes a folder name)"],
        [() => staticPartitions(['']), "static partition '' may only use letters, digits, '_', '.' and '-' (it becomes a folder name)"],
        [() => staticPartitions(['eu', 'x y']), "static partition 'x y' may only use letters, digits, '_', '.' and '-' (it becomes a folder name)"],
      ];
      for (const [declare, message] of cases) {
        let thrown: unknown;
        try {
          declare();
        } catch (e) {
          thrown = e;
        }
        expect(thrown, message).to.be.instanceOf(PartitionsError);
        expect((thrown as Error).message).to.equal(message);
        expect((thrown as Error).name).to.equal('PartitionsError');
      }
      // A valid declaration keeps what was declared, and no end when none was given.
      expect(dailyPartitions({ start: '2024-01-01' })).to.deep.equal({ type: 'time', cadence: 'daily', startMs: Date.UTC(2024, 0, 1) });
      expect(hourlyPartitions({ start: '2024-01-01T05:00', end: '2024-01-01T07:00' })).to.deep.equal({ type: 'time', cadence: 'hourly', startMs: Date.UTC(2024, 0, 1, 5), endMs: Date.UTC(2024, 0, 1, 7) });
      expect(staticPartitions(['a.b', 'C_1', 'd-2']).values).to.deep.equal(['a.b', 'C_1', 'd-2']);
    });

    it('key errors name the key, the cadence and an example key', () => {
      const h = hourlyPartitions({ start: '2024-01-01T00:00', end: '2024-01-02T00:00' });
      expect(partitionIndex(h, 'noon')).to.equal("'noon' is not a hourly partition key (for example '2024-01-01T00:00')");
      expect(partitionIndex(h, '2024-01-01T05:30')).to.equal("'2024-01-01T05:30' is not the start of a hourly window (for example '2024-01-01T00:00')");
      expect(partitionIndex(h, '2023-12-31T23:00')).to.equal("'2023-12-31T23:00' is before the first partition '2024-01-01T00:00'");
      expect(partitionIndex(h, '2024-01-01T23:00')).to.equal(23);
      expect(partitionIndex(h, '2024-01-02T00:00')).to.equal("'2024-01-02T00:00' is after the last partition");
      expect(partitionIndex(staticPartitions(['eu']), 'us')).to.equal("'us' is not one of the static partitions (eu)");
      expect(partitionIndex(staticPartitions(['eu', 'us']), 'eu')).to.equal(0);
    });

    it('windows: fixed lengths for hours, days and weeks; months before the start count backwards', () => {
      const w = weeklyPartitions({ start: '2024-01-01' });
      expect(timeWindow(w, 1)).to.deep.equal({ startMs: Date.UTC(2024, 0, 8), endMs: Date.UTC(2024, 0, 15) });
      const h = hourlyPartitions({ start: '2024-01-01T00:00' });
      expect(timeWindow(h, 3)).to.deep.equal({ startMs: Date.UTC(2024, 0, 1, 3), endMs: Date.UTC(2024, 0, 1, 4) });
      const m = monthlyPartitions({ start: '2024-02-01' });
      expect(partitionKey(m, -1)).to.equal('2024-01');
      expect(partitionKey(m, -2)).to.equal('2023-12');
      expect(partitionKey(m, 11)).to.equal('2025-01');
      expect(partitionIndex(m, '2023-12')).to.equal("'2023-12' is before the first partition '2024-02'");
    });

    it('describes bounded windows by the exclusive end, spelled like a key of the cadence', () => {
      expect(describePartitions(monthlyPartitions({ start: '2024-01-01', end: '2024-04-01' }))).to.equal('monthly from 2024-01 to 2024-04 (exclusive)');
      expect(describePartitions(weeklyPartitions({ start: '2024-01-01', end: '2024-01-15' }))).to.equal('weekly from 2024-01-01 to 2024-01-15 (exclusive)');
      expect(describePartitions(dailyPartitions({ start: '2024-01-01', end: '2024-01-10' }))).to.equal('daily from 2024-01-01 to 2024-01-10 (exclusive)');
    });

    it('partitionCount: static sets count their values; an end before now bounds the count; a time before the start counts none', () => {
      expect(partitionCount(staticPartitions(['a', 'b', 'c']), 0)).to.equal(3);
      const bounded = hourlyPartitions({ start: '2024-01-01T00:00', end: '2024-01-01T05:00' });
      expect(partitionCount(bounded, at('2024-01-01T03:00'))).to.equal(3);
      expect(partitionCount(bounded, at('2024-01-01T05:00'))).to.equal(5);
      expect(partitionCount(bounded, at('2024-01-01T04:30'))).to.equal(4);
      expect(partitionCount(monthlyPartitions({ start: '2024-01-01' }), at('2024-01-31T23:00'))).to.equal(0);
      expect(partitionCount(monthlyPartitions({ start: '2024-01-01' }), at('2024-02-01'))).to.equal(1);
    });

    it('samePartitions: same cadence, start and end; static sets equal value by value in order', () => {
      const d = (start: string, end?: string) => dailyPartitions({ start, end });
      expect(samePartitions(d('2024-01-01'), d('2024-01-01'))).to.equal(true);
      expect(samePartitions(d('2024-01-01'), d('2024-01-02'))).to.equal(false);
      expect(samePartitions(d('2024-01-01'), d('2024-01-01', '2024-02-01'))).to.equal(false);
      expect(samePartitions(d('2024-01-01', '2024-02-01'), d('2024-01-01', '2024-02-01'))).to.equal(true);
      expect(samePartitions(d('2024-01-01'), hourlyPartitions({ start: '2024-01-01T00:00' }))).to.equal(false);
      const s = (...v: string[]) => staticPartitions(v);
      expect(samePartitions(s('eu', 'us'), s('eu', 'us'))).to.equal(true);
      expect(samePartitions(s('eu', 'us'), s('us', 'eu'))).to.equal(false);
      expect(samePartitions(s('eu'), s('eu', 'us'))).to.equal(false);
      expect(samePartitions(s('eu', 'us'), s('eu'))).to.equal(false);
      expect(samePartitions(s('eu'), d('2024-01-01'))).to.equal(false);
      expect(samePartitions(d('2024-01-01'), s('eu'))).to.equal(false);
    });
  });
});

