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
});
