/**
 * The dashboard's freshness in words, on a fixed clock: the time of the data, its age in the
 * largest sensible unit, the day when it is not today's (UTC), and the violation.
 */
import { expect } from 'chai';
import { freshnessWords } from '../../scripts/ui/server/dashboard';

const NOW = Date.parse('2026-12-02T00:15:00Z');
const words = (lagMinutes: number | null, violated = false) => freshnessWords({ maxLagMinutes: 60, lagMinutes, violated }, NOW);

describe('dashboard freshness in words', () => {
  it('says the time of the data and its age in minutes, with the date only when it is not today', () => {
    expect(words(1)).to.equal('data as of 00:14 UTC, 1 minute old');
    expect(words(15)).to.equal('data as of 00:00 UTC, 15 minutes old');
    // Sixteen minutes before 00:15 is yesterday: the date says so.
    expect(words(16)).to.equal('data as of 2026-12-01 23:59 UTC, 16 minutes old');
  });

  it('counts hours from two hours and days from two days, and names the violated limit', () => {
    expect(words(119, true)).to.equal('data as of 2026-12-01 22:16 UTC, 119 minutes old: older than the 60 minutes allowed');
    expect(words(150, true)).to.equal('data as of 2026-12-01 21:45 UTC, 3 hours old: older than the 60 minutes allowed');
    expect(words(2879)).to.equal('data as of 2026-11-30 00:16 UTC, 48 hours old');
    expect(words(2880)).to.equal('data as of 2026-11-30 00:15 UTC, 2 days old');
  });

  it('says what is required when there is no data yet', () => {
    expect(words(null, true)).to.equal('no data yet; it must be at most 60 minutes old');
  });
});
