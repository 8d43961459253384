import { expect } from 'chai';
import { incrementSequence, parseSequence, stringifySequence, useBigIntSequences, type KinesaliteDb } from '../../jobs/embedded/stream/kinesalite-sequences';
import { mulberry32 } from '../../jobs/seeded-random';

/** A fresh copy of kinesalite's db module with its original (bignumber.js) functions. */
function originalDb(): KinesaliteDb {
  const id = require.resolve('kinesalite/db');
  const cached = require.cache[id];
  delete require.cache[id];
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require('kinesalite/db') as KinesaliteDb;
  } finally {
    if (cached) require.cache[id] = cached;
    else delete require.cache[id];
  }
}

describe('kinesalite sequence numbers with BigInt', () => {
  const orig = originalDb();
  const r = mulberry32(7);
  const int = (n: number) => Math.floor(r() * n);
  const hex = (len: number) => Array.from({ length: len }, () => int(16).toString(16)).join('');
  const objects = Array.from({ length: 2000 }, (_, i) => {
    const shardCreateTime = 1_400_000_000_000 + int(900_000_000_000);
    const version = [undefined, 2, 1, 0][i % 4];
    return {
      shardCreateTime,
      shardIx: int(i % 3 === 0 ? 60 : 5),
      // Version 1 holds the index in one byte.
      seqIx: version === 1 ? int(256) : i % 5 === 0 ? String(int(1e9)) : int(1e6),
      seqTime: i % 7 === 0 ? undefined : shardCreateTime + int(1e9),
      ...(i % 6 === 0 ? { byte1: hex(2) } : {}),
      ...(version === 1 ? { seqRand: hex(14) } : version === 0 ? { seqRand: hex(16) } : {}),
      ...(version !== undefined ? { version } : {}),
    };
  });

  it('stringifySequence and parseSequence give what kinesalite gives, for every version', () => {
    for (const o of objects) {
      const seq = orig.stringifySequence(o);
      expect(stringifySequence(o), JSON.stringify(o)).to.equal(seq);
      expect(parseSequence(seq), seq).to.deep.equal(orig.parseSequence(seq));
    }
    // Small numbers (below 2^124) are shifted as kinesalite does.
    for (const s of ['0', '1', '49590338271490256608559692538361571095921575989136588898']) expect(() => parseSequence(s)).to.not.throw();
    expect(parseSequence('49590338271490256608559692538361571095921575989136588898')).to.deep.equal(orig.parseSequence('49590338271490256608559692538361571095921575989136588898'));
  });

  it('incrementSequence matches, from an object and from a string', () => {
    for (const o of objects.slice(0, 300)) {
      const seq = orig.stringifySequence({ ...o, version: 2 });
      expect(incrementSequence(seq)).to.equal(orig.incrementSequence(seq));
      expect(incrementSequence(orig.parseSequence(seq), o.shardCreateTime + 5000)).to.equal(orig.incrementSequence(orig.parseSequence(seq), o.shardCreateTime + 5000));
    }
  });

  it('bad sequence numbers still throw', () => {
    expect(() => parseSequence('not a number')).to.throw();
    expect(() => orig.parseSequence('not a number')).to.throw();
  });

  it('partition keys hash to the same key, comparable as kinesalite compares them', () => {
    const patched = originalDb();
    useBigIntSequences(patched);
    useBigIntSequences(patched); // idempotent
    for (let i = 0; i < 500; i++) {
      const key = i % 3 ? String(int(1e7)) : `customer-${hex(8)}-é`;
      const a = orig.partitionKeyToHashKey(key) as { toFixed(): string; comparedTo(x: string): number };
      const b = patched.partitionKeyToHashKey(key) as { toFixed(): string; comparedTo(x: string): number };
      expect(b.toFixed()).to.equal(a.toFixed());
      expect(b.comparedTo('170141183460469231731687303715884105727')).to.equal(a.comparedTo('170141183460469231731687303715884105727'));
    }
    expect(patched.parseSequence).to.equal(parseSequence);
  });
});
