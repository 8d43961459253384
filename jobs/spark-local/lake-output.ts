/**
 * What a Glue script wrote on local Spark, committed into the embedded lake as the default
 * engines commit: the script writes Hive folders under a staging folder inside the lake (same
 * filesystem), and each partition then becomes one `part-00000.parquet` committed by
 * `commitDirectory` (old or new, never a mix), so checks, integrity facts, `status` and
 * `verify` see a Spark run exactly as a DuckDB one.
 *
 * Spark writes a folder of part files (often several, even for a few rows); the embedded lake
 * keeps one file per folder, so folders with several parts are compacted by Spark itself
 * (jobs/spark-local/compact_parquet.py) before the commit. Files the script writes beside the
 * partitions (popular products' `latest.json`) are staged with the table's current copy first,
 * so the script's own "keep a newer one" rule sees it, and put back atomically when changed.
 */
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { AssetDefinition } from '../../assets/core';
import type { LakeTarget } from '../aws/job-arguments';
import { commitDirectory, writeFileAtomic } from '../embedded/lake/commit';
import { queryRows, readParquet, withDuckDb } from '../embedded/lake/duckdb';
import { DATA_FILE, dataDir, partitionColumns, partitionRelPath, tableDir } from '../embedded/lake/layout';

/** The file compact_parquet.py writes in a folder of several parts (then committed as DATA_FILE). */
const COMPACTED = 'compacted.parquet';

/** A new staging folder for one script run: `<lake>/.staging/<pid>-spark-<id>` (removed with its process by removeDeadStaging). */
export function makeStaging(lakeRoot: string): string {
  const dir = path.join(lakeRoot, '.staging', `${process.pid}-spark-${randomBytes(4).toString('hex')}`);
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

/** Where the script writes an asset: the staging folder, in the embedded lake's partition layout. */
export const sparkTarget = (asset: AssetDefinition, staging: string): LakeTarget => ({ uri: `${staging}/`, format: 'parquet', partitionKeys: partitionColumns(asset.partitions) });

const visible = (name: string) => !name.startsWith('.') && !name.startsWith('_');

/** The Parquet part files Spark wrote directly in `folder` (not its checksums, markers or subfolders). */
export function sparkParts(folder: string): string[] {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(folder, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries.filter((e) => e.isFile() && visible(e.name) && e.name.endsWith('.parquet')).map((e) => path.join(folder, e.name)).sort();
}

/** Files beside the data (not Parquet, not hidden) directly in `folder`. */
function sideFiles(folder: string): string[] {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(folder, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries.filter((e) => e.isFile() && visible(e.name) && !e.name.endsWith('.parquet')).map((e) => e.name);
}

/** Copies the table's side files (a partitioned table's `latest.json`) into the staging folder, for the script to read. */
export function stageSideFiles(lakeRoot: string, asset: AssetDefinition, staging: string): void {
  if (!asset.partitions) return;
  const table = tableDir(lakeRoot, asset.key);
  for (const name of sideFiles(table)) fs.copyFileSync(path.join(table, name), path.join(staging, name));
}

export interface CommitSparkOutputOptions {
  readonly lakeRoot: string;
  readonly asset: AssetDefinition;
  readonly staging: string;
  /** Partition keys the run wrote; null for an unpartitioned asset (one snapshot). */
  readonly partitions: readonly string[] | null;
  /** Rewrites each [folder, file name] as one Parquet file with Spark (compact_parquet.py). */
  readonly compact: (pairs: readonly [string, string][]) => Promise<void>;
  /** Called with every file about to be committed, before the first commit (a contract check): throwing commits nothing. */
  readonly beforeCommit?: (files: readonly string[]) => Promise<void>;
  readonly signal: AbortSignal;
}

export interface CommittedOutput {
  readonly rows: number;
  readonly bytes: number;
  readonly partitionMetadata?: Record<string, { rows: number; bytes: number }>;
}

/** Commits every partition the script staged (one file each), then the side files it changed. */
export async function commitSparkOutput(o: CommitSparkOutputOptions): Promise<CommittedOutput> {
  const { asset, staging } = o;
  const folders = (o.partitions ?? [null]).map((key) => ({ key, dir: key === null || !asset.partitions ? staging : path.join(staging, partitionRelPath(asset.partitions, key)) }));
  const parts = folders.map((f) => sparkParts(f.dir));
  const missing = folders.find((_, i) => parts[i].length === 0);
  if (missing) throw new Error(`${asset.key}: Spark wrote no Parquet file for ${missing.key ?? 'the snapshot'} (${missing.dir}); nothing was committed`);
  const several = folders.filter((_, i) => parts[i].length > 1);
  if (several.length) await o.compact(several.map((f) => [f.dir, COMPACTED]));
  const files = folders.map((f, i) => (parts[i].length > 1 ? path.join(f.dir, COMPACTED) : parts[i][0]));
  await o.beforeCommit?.(files);
  const rows = await withDuckDb(async (con) => {
    const out: number[] = [];
    for (const file of files) out.push(Number((await queryRows<{ n: number }>(con, `SELECT CAST(count(*) AS INTEGER) AS n FROM ${readParquet(file)}`))[0].n));
    return out;
  });
  const partitionMetadata: Record<string, { rows: number; bytes: number }> = {};
  let total = 0;
  let bytes = 0;
  for (const [i, f] of folders.entries()) {
    if (o.signal.aborted) throw new Error(`${asset.key}: cancelled; partitions committed so far are complete, the rest were not written`);
    const size = fs.statSync(files[i]).size;
    await commitDirectory(dataDir(o.lakeRoot, asset, f.key), async (tmp) => {
      fs.renameSync(files[i], path.join(tmp, DATA_FILE));
      // An unpartitioned table's folder is its snapshot: what the script wrote beside the data goes with it.
      if (!asset.partitions) for (const name of sideFiles(staging)) fs.renameSync(path.join(staging, name), path.join(tmp, name));
    });
    if (f.key !== null) partitionMetadata[f.key] = { rows: rows[i], bytes: size };
    total += rows[i];
    bytes += size;
  }
  if (asset.partitions) commitSideFiles(o.lakeRoot, asset, staging);
  return { rows: total, bytes, ...(o.partitions ? { partitionMetadata } : {}) };
}

/** Puts back the side files the script wrote or changed (atomically, one by one). */
function commitSideFiles(lakeRoot: string, asset: AssetDefinition, staging: string): void {
  const table = tableDir(lakeRoot, asset.key);
  for (const name of sideFiles(staging)) {
    const content = fs.readFileSync(path.join(staging, name));
    const current = path.join(table, name);
    if (fs.existsSync(current) && fs.readFileSync(current).equals(content)) continue;
    writeFileAtomic(current, content);
  }
}
