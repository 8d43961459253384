/**
 * Code and data versions, Dagster-style. A code version is a hash of what the asset runs (its
 * compute settings, its contract and the files it names in `code`); a data version is a hash of
 * the code version and the data versions of its inputs. Equal data versions mean a rerun would
 * produce the same data, so the step can be skipped.
 */
import { createHash } from 'node:crypto';
import type { AssetDefinition, AssetKey } from './types';

const hash = (parts: readonly string[]): string => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p).update('\0');
  return h.digest('hex').slice(0, 16);
};

/** JSON with sorted keys, so a settings object hashes the same whatever its key order. */
export function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value as object)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stableJson((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * The code version of `asset`. `readFile` returns a repo-relative file's contents (undefined when
 * missing: the hash then records the absence, so creating the file changes the version).
 */
export function codeVersionOf(asset: AssetDefinition, readFile: (repoPath: string) => string | undefined): string {
  return hash([
    asset.codeVersion ?? '',
    stableJson(asset.compute),
    stableJson(asset.contract ?? null),
    stableJson(asset.partitions ?? null),
    ...asset.code.map((p) => `${p}\n${readFile(p) ?? '<missing>'}`),
  ]);
}

/** The data version a step produces from this code version and these input data versions. */
export function dataVersionOf(codeVersion: string, inputs: Readonly<Record<AssetKey, string>>): string {
  return hash([codeVersion, ...Object.keys(inputs).sort().map((k) => `${k}=${inputs[k]}`)]);
}

/**
 * The data version of a stream delivery: each delivered batch is new data, named by its files
 * (no other batch has them), whether the embedded poller or Firehose wrote it.
 */
export function deliveryDataVersion(key: AssetKey, files: readonly string[]): string {
  return createHash('sha256').update(`${key}\n${[...files].sort().join('\n')}`).digest('hex').slice(0, 16);
}

/** One data version standing for several upstream partitions (a daily step reading 24 hours). */
export function combineDataVersions(versions: readonly string[]): string {
  return versions.length === 1 ? versions[0] : hash(versions);
}

/**
 * Stands for an input that had no data when a step ran. Recording it (instead of leaving the dep
 * out) lets staleness tell "computed before that upstream had data" from "the deps changed".
 */
export const NO_DATA = 'no-data';
