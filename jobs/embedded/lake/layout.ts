/**
 * Lake layout: `<lake>/<zone>/<name>/` per asset, Hive-style partition folders below it.
 *
 *   daily, weekly   dt=2026-01-01/part-00000.parquet
 *   hourly          dt=2026-01-01/hour=05/part-00000.parquet
 *   monthly         month=2026-01/part-00000.parquet
 *   static          partition=<value>/part-00000.parquet
 *   unpartitioned   part-00000.parquet directly in the table folder (the folder is the snapshot)
 *
 * `dt=/hour=` is what Glue crawlers and Athena partition projection expect, and the unit a
 * commit replaces is always one leaf folder (see commit.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import { partitionIndex, partitionKey, timeWindow, type AssetDefinition, type PartitionsDefinition } from '../../../assets/core';
import { recoverDirectory } from './commit';

/** The single data file of a partition (or snapshot). */
export const DATA_FILE = 'part-00000.parquet';

/** `<lake>/<zone>/<name>`. */
export function tableDir(lakeRoot: string, key: string): string {
  const [zone, name] = key.split('/');
  return path.join(lakeRoot, zone, name);
}

/** The folder of one partition relative to its table, e.g. `dt=2026-01-01/hour=05`. */
export function partitionRelPath(def: PartitionsDefinition, key: string): string {
  if (def.type === 'static') return `partition=${key}`;
  const i = partitionIndex(def, key);
  if (typeof i === 'string') throw new Error(i);
  const start = new Date(timeWindow(def, i).startMs).toISOString();
  if (def.cadence === 'monthly') return `month=${start.slice(0, 7)}`;
  if (def.cadence === 'hourly') return `dt=${start.slice(0, 10)}/hour=${start.slice(11, 13)}`;
  return `dt=${start.slice(0, 10)}`;
}

/** The Hive partition columns of that layout, outermost first (`dt`, `hour`); none when unpartitioned. */
export function partitionColumns(def: PartitionsDefinition | undefined): string[] {
  if (!def) return [];
  if (def.type === 'static') return ['partition'];
  return def.cadence === 'hourly' ? ['dt', 'hour'] : def.cadence === 'monthly' ? ['month'] : ['dt'];
}

/** The folder a commit replaces: the partition's, or the table's for an unpartitioned asset. */
export function dataDir(lakeRoot: string, asset: AssetDefinition, partition: string | null): string {
  const table = tableDir(lakeRoot, asset.key);
  if (!asset.partitions || partition === null) return table;
  return path.join(table, partitionRelPath(asset.partitions, partition));
}

const listDirs = (dir: string, prefix: string): string[] => {
  try {
    return fs
      .readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isDirectory() && e.name.startsWith(prefix))
      .map((e) => e.name.slice(prefix.length))
      .sort();
  } catch {
    return [];
  }
};

/** Repairs interrupted commits of every child folder of `dir` (see commit.ts). */
function recoverChildren(dir: string): void {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    const m = /^\.(.+)\.(?:tmp|old)-\d+-[0-9a-f]+$/.exec(name);
    if (m) recoverDirectory(path.join(dir, m[1]));
  }
}

/** Partition keys with a committed folder, in order (repairs interrupted commits first). */
export function committedPartitions(lakeRoot: string, asset: AssetDefinition): string[] {
  const table = tableDir(lakeRoot, asset.key);
  const def = asset.partitions;
  if (!def) return [];
  recoverChildren(table);
  let keys: string[];
  if (def.type === 'static') keys = listDirs(table, 'partition=');
  else if (def.cadence === 'monthly') keys = listDirs(table, 'month=');
  else if (def.cadence !== 'hourly') keys = listDirs(table, 'dt=');
  else {
    keys = [];
    for (const day of listDirs(table, 'dt=')) {
      const dayDir = path.join(table, `dt=${day}`);
      recoverChildren(dayDir);
      for (const h of listDirs(dayDir, 'hour=')) keys.push(`${day}T${h}:00`);
    }
  }
  if (def.type === 'static') return keys.filter((v) => def.values.includes(v));
  return keys.flatMap((k) => {
    const i = partitionIndex(def, k);
    return typeof i === 'number' ? [partitionKey(def, i)] : [];
  });
}

/**
 * The committed Parquet files of an asset: of the given partitions (missing ones are skipped),
 * of every committed partition when `partitions` is undefined, or the snapshot when unpartitioned.
 */
export function parquetFiles(lakeRoot: string, asset: AssetDefinition, partitions?: readonly string[] | null): string[] {
  if (!asset.partitions) {
    recoverDirectory(tableDir(lakeRoot, asset.key));
    const f = path.join(tableDir(lakeRoot, asset.key), DATA_FILE);
    return fs.existsSync(f) ? [f] : [];
  }
  const keys = partitions ?? committedPartitions(lakeRoot, asset);
  return keys.map((k) => path.join(dataDir(lakeRoot, asset, k), DATA_FILE)).filter((f) => fs.existsSync(f));
}

/** The [start, end) window of a time partition key, in epoch ms. */
export function partitionWindow(def: PartitionsDefinition, key: string): { startMs: number; endMs: number } {
  if (def.type !== 'time') throw new Error(`partition '${key}' is static: it has no time window`);
  const i = partitionIndex(def, key);
  if (typeof i === 'string') throw new Error(i);
  return timeWindow(def, i);
}
