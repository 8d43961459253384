/**
 * Native-BigInt versions of kinesalite's sequence-number and partition-key functions.
 *
 * kinesalite encodes every sequence number through bignumber.js base conversions (decimal <->
 * hex) about four times per record put and read; profiled under `bench:stream`, that was ~45% of
 * kinesalite's CPU. These functions compute the same strings with BigInt (the layout below is
 * kinesalite 3.3's `db/index.js`, kept field for field), and `useBigIntSequences` installs them on
 * kinesalite's `db` module, which its actions call through. test/streaming/kinesalite-sequences.test.ts
 * checks them against the originals.
 */
import crypto from 'node:crypto';

interface SequenceObject {
  shardCreateTime: number;
  shardIx?: number;
  seqIx?: number | string;
  seqTime?: number;
  byte1?: string;
  seqRand?: string;
  version?: number;
}

/** The part of kinesalite's `db` module these replace. */
export interface KinesaliteDb {
  parseSequence(seq: string): SequenceObject;
  stringifySequence(obj: SequenceObject): string;
  incrementSequence(seqObj: SequenceObject | string, seqTime?: number | null): string;
  partitionKeyToHashKey(partitionKey: string): unknown;
  shardIxToHex(shardIx: number | undefined): string;
}

const POW_2_124 = 1n << 124n;
const POW_2_124_NEXT = (1n << 125n) * 16n;
const POW_2_185 = 1n << 185n;
const POW_2_185_NEXT = (POW_2_185 * 3n) / 2n;

const hexToDecimal = (hex: string) => BigInt(`0x${hex}`).toString();
const shardIxToHex = (shardIx: number | undefined) => `0000000${(shardIx || 0).toString(16)}`.slice(-8);

/** kinesalite's parseSequence: a decimal sequence number -> its fields. */
export function parseSequence(seq: string): SequenceObject {
  let seqNum = BigInt(seq);
  if (seqNum < POW_2_124) seqNum += POW_2_124;
  const hex = seqNum.toString(16);
  const version = seqNum < POW_2_124_NEXT ? 0 : seqNum > POW_2_185 && seqNum < POW_2_185_NEXT ? parseInt(hex.slice(hex.length - 1), 16) : null;
  if (version === 2) {
    const seqIxHex = hex.slice(11, 27);
    let shardIxHex = hex.slice(38, 46);
    if (parseInt(seqIxHex[0], 16) > 7) throw new Error('Sequence index too high');
    if (parseInt(shardIxHex[0], 16) > 7) shardIxHex = '-' + shardIxHex;
    const shardCreateSecs = parseInt(hex.slice(1, 10), 16);
    if (shardCreateSecs >= 16025175000) throw new Error('Date too large: ' + shardCreateSecs);
    return {
      shardCreateTime: shardCreateSecs * 1000,
      seqIx: hexToDecimal(seqIxHex),
      byte1: hex.slice(27, 29),
      seqTime: parseInt(hex.slice(29, 38), 16) * 1000,
      shardIx: parseInt(shardIxHex, 16),
      version,
    };
  } else if (version === 1) {
    return {
      shardCreateTime: parseInt(hex.slice(1, 10), 16) * 1000,
      byte1: hex.slice(11, 13),
      seqTime: parseInt(hex.slice(13, 22), 16) * 1000,
      seqRand: hex.slice(22, 36),
      seqIx: parseInt(hex.slice(36, 38), 16),
      shardIx: parseInt(hex.slice(38, 46), 16),
      version,
    };
  } else if (version === 0) {
    const shardCreateSecs = parseInt(hex.slice(1, 10), 16);
    if (shardCreateSecs >= 16025175000) throw new Error('Date too large: ' + shardCreateSecs);
    return {
      shardCreateTime: shardCreateSecs * 1000,
      byte1: hex.slice(10, 12),
      seqRand: hex.slice(12, 28),
      shardIx: parseInt(hex.slice(28, 32), 16),
      version,
    };
  }
  throw new Error('Unknown version: ' + version);
}

/** kinesalite's stringifySequence: fields -> a decimal sequence number. */
export function stringifySequence(obj: SequenceObject): string {
  const secs = (ms: number) => `00000000${Math.floor(ms / 1000).toString(16)}`.slice(-9);
  if (obj.version == null || obj.version === 2) {
    return hexToDecimal(
      [
        '2',
        secs(obj.shardCreateTime),
        (obj.shardIx || 0).toString(16).slice(-1),
        `0000000000000000${BigInt(obj.seqIx || 0).toString(16)}`.slice(-16),
        obj.byte1 || '00',
        secs(obj.seqTime || obj.shardCreateTime),
        shardIxToHex(obj.shardIx),
        '2',
      ].join(''),
    );
  } else if (obj.version === 1) {
    return hexToDecimal(
      [
        '2',
        secs(obj.shardCreateTime),
        (obj.shardIx || 0).toString(16).slice(-1),
        obj.byte1 || '00',
        secs(obj.seqTime || obj.shardCreateTime),
        obj.seqRand || '00000000000000',
        // As kinesalite: a number in hex, a string as it is.
        `0${typeof obj.seqIx === 'number' && obj.seqIx ? obj.seqIx.toString(16) : String(obj.seqIx || 0)}`.slice(-2),
        shardIxToHex(obj.shardIx),
        '1',
      ].join(''),
    );
  } else if (obj.version === 0) {
    return hexToDecimal(['1', secs(obj.shardCreateTime), obj.byte1 || '00', obj.seqRand || '0000000000000000', shardIxToHex(obj.shardIx).slice(-4)].join(''));
  }
  throw new Error('Unknown version: ' + obj.version);
}

/** kinesalite's incrementSequence: the sequence number after `seqObj` (next second, or `seqTime`). */
export function incrementSequence(seqObj: SequenceObject | string, seqTime?: number | null): string {
  const o = typeof seqObj === 'string' ? parseSequence(seqObj) : seqObj;
  return stringifySequence({ shardCreateTime: o.shardCreateTime, seqIx: o.seqIx, seqTime: seqTime || (o.seqTime ?? 0) + 1000, shardIx: o.shardIx });
}

/**
 * Installs the functions above on kinesalite's `db` module (idempotent). The partition-key hash
 * stays a bignumber.js value, as kinesalite compares it with `comparedTo`, but is built from a
 * decimal string, which bignumber.js reads without a base conversion.
 */
export function useBigIntSequences(db: KinesaliteDb): void {
  const marked = db as KinesaliteDb & { __headwaterBigInt?: boolean };
  if (marked.__headwaterBigInt) return;
  // The hash key's class is whatever bignumber.js kinesalite resolved: take it from one result.
  const BigNumberOf = (db.partitionKeyToHashKey('') as { constructor: new (v: string) => unknown }).constructor;
  db.parseSequence = parseSequence;
  db.stringifySequence = stringifySequence;
  db.incrementSequence = incrementSequence;
  db.partitionKeyToHashKey = (partitionKey: string) => new BigNumberOf(BigInt(`0x${crypto.createHash('md5').update(partitionKey, 'utf8').digest('hex')}`).toString());
  marked.__headwaterBigInt = true;
}
