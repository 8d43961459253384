/**
 * A dashboard page: an asset's `dashboard` declaration plotted from its newest partitions, with its
 * freshness in words. Which asset, which columns and which breakdowns all come from the
 * declaration, so this code serves any fork's dashboards.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  DEFAULT_DASHBOARD_WINDOW_HOURS,
  partitionIndex,
  timeWindow,
  type AssetDefinition,
  type AssetGraph,
  type AssetKey,
  type RunLogSnapshot,
} from '../../../assets/core';
import type { Environment } from '../../../jobs/engine';
import { parquetFiles, partitionRelPath } from '../../../jobs/embedded/lake/layout';
import { duckIdent, queryRows, readParquet, withDuckDb } from '../../../jobs/embedded/lake/duckdb';
import { localPaths } from '../../../jobs/embedded/paths';
import { S3Client } from '@aws-sdk/client-s3';
import { downloadLakeFiles } from '../../../jobs/aws/lake-files';
import type { LakeLocation } from '../../../jobs/aws/manifest';
import type { AssetStatus } from '../../cli/run/asset-status';

/** Finds the Parquet files of some partitions of an asset (null: the unpartitioned snapshot); `dispose` removes any local copies. */
export type LakeFiles = ((asset: AssetDefinition, partitions: readonly string[] | null) => Promise<string[]>) & { dispose?: () => void };

/** The embedded lake under HEADWATER_HOME. */
export const localLakeFiles: LakeFiles = async (asset, partitions) => parquetFiles(localPaths.lake(), asset, partitions);

/** A deployed stack's lake: S3 objects at the manifest's location, downloaded to a cache folder. */
export function stackLakeFiles(env: Environment): LakeFiles {
  const cacheDir = path.join(os.tmpdir(), `headwater-ui-${process.pid}-${Date.now()}`);
  const files: LakeFiles = async (asset, partitions) => {
    const manifest = (env as { manifest?: { region: string; assets: Record<string, { location?: LakeLocation }> } }).manifest;
    const location = manifest?.assets[asset.key]?.location;
    if (!location) throw new Error(`${asset.key} has no lake location in the manifest of stack '${env.name}'; deploy the current graph with \`pulumi up --stack ${env.name}\``);
    const folders = partitions && asset.partitions ? partitions.map((p) => partitionRelPath(asset.partitions!, p)) : [''];
    const s3 = new S3Client({ region: manifest!.region });
    try {
      return await downloadLakeFiles(s3, location, folders, path.join(cacheDir, asset.key));
    } finally {
      s3.destroy();
    }
  };
  files.dispose = () => fs.rmSync(cacheDir, { recursive: true, force: true });
  return files;
}

/** "data as of 14:05 UTC, 23 minutes old", or why there is nothing. */
export function freshnessWords(f: NonNullable<AssetStatus['freshness']>, nowMs: number): string {
  if (f.lagMinutes === null) return `no data yet; it must be at most ${f.maxLagMinutes} minutes old`;
  const asOf = new Date(nowMs - f.lagMinutes * 60_000).toISOString();
  const age = f.lagMinutes < 120 ? `${f.lagMinutes} minute${f.lagMinutes === 1 ? '' : 's'}` : f.lagMinutes < 2880 ? `${Math.round(f.lagMinutes / 60)} hours` : `${Math.round(f.lagMinutes / 1440)} days`;
  const day = asOf.slice(0, 10) === new Date(nowMs).toISOString().slice(0, 10) ? '' : `${asOf.slice(0, 10)} `;
  return `data as of ${day}${asOf.slice(11, 16)} UTC, ${age} old${f.violated ? `: older than the ${f.maxLagMinutes} minutes allowed` : ''}`;
}

/** Materialized partitions whose window ends inside the last `hours` (every one for static partitions). */
function partitionsInWindow(asset: AssetDefinition, snap: RunLogSnapshot, hours: number, nowMs: number): string[] | null {
  const def = asset.partitions;
  if (!def) return null;
  const done = [...snap.materializedPartitions(asset.key)].filter((p): p is string => p !== null);
  if (def.type !== 'time') return done.sort();
  const since = nowMs - hours * 3_600_000;
  return done
    .filter((p) => {
      const i = partitionIndex(def, p);
      return typeof i === 'number' && timeWindow(def, i).endMs > since;
    })
    .sort();
}

const num = (v: unknown): number => (typeof v === 'bigint' ? Number(v) : typeof v === 'number' ? v : Number(v ?? 0));

/** Breakdowns keep their biggest categories and sum the rest as "other", so a plot stays legible. */
const TOP_CATEGORIES = 6;

/** The dashboard of `key`: series per measure and per breakdown over the window, and its freshness. */
export async function dashboardPage(graph: AssetGraph, key: AssetKey, snap: RunLogSnapshot, status: AssetStatus, files: LakeFiles, nowMs: number) {
  const asset = graph.get(key);
  const d = asset.dashboard!;
  const hours = d.windowHours ?? DEFAULT_DASHBOARD_WINDOW_HOURS;
  const partitions = partitionsInWindow(asset, snap, hours, nowMs);
  const paths = partitions && partitions.length === 0 ? [] : await files(asset, partitions);
  const measures = d.measures.map((m) => ({ column: m.column, label: m.label ?? m.column, unit: m.unit ?? '' }));
  const freshness = status.freshness ? { ...status.freshness, words: freshnessWords(status.freshness, nowMs) } : null;
  const base = { key, title: d.title, description: asset.description ?? null, windowHours: hours, measures, freshness, partitions: partitions?.length ?? null, latestPartition: partitions?.[partitions.length - 1] ?? null };
  if (!paths.length) return { ...base, times: [] as number[], totals: measures.map(() => [] as number[]), breakdowns: [] };
  const time = `epoch_ms(CAST(${duckIdent(d.time)} AS TIMESTAMP))`;
  const from = readParquet(paths);
  return withDuckDb(async (con) => {
    const sums = measures.map((m, i) => `SUM(${duckIdent(m.column)}) AS m${i}`).join(', ');
    const rows = await queryRows(con, `SELECT ${time} AS t, ${sums} FROM ${from} GROUP BY 1 ORDER BY 1`);
    const times = rows.map((r) => num(r.t));
    const totals = measures.map((_, i) => rows.map((r) => num(r[`m${i}`])));
    const index = new Map(times.map((t, i) => [t, i]));
    const breakdowns = [];
    for (const column of d.breakdowns ?? []) {
      const cells = await queryRows(con, `SELECT CAST(${duckIdent(column)} AS VARCHAR) AS c, ${time} AS t, SUM(${duckIdent(measures[0].column)}) AS v FROM ${from} GROUP BY 1, 2`);
      const byCategory = new Map<string, number[]>();
      for (const c of cells) {
        const name = String(c.c ?? '(none)');
        let values = byCategory.get(name);
        if (!values) byCategory.set(name, (values = times.map(() => 0)));
        values[index.get(num(c.t))!] += num(c.v);
      }
      const ranked = [...byCategory].map(([name, values]) => ({ name, values, total: values.reduce((a, b) => a + b, 0) })).sort((a, b) => b.total - a.total);
      const series = ranked.slice(0, TOP_CATEGORIES);
      const rest = ranked.slice(TOP_CATEGORIES);
      if (rest.length) series.push({ name: `other (${rest.length})`, values: times.map((_, i) => rest.reduce((s, r) => s + r.values[i], 0)), total: rest.reduce((s, r) => s + r.total, 0) });
      breakdowns.push({ column, measure: measures[0].label, series });
    }
    return { ...base, times, totals, breakdowns };
  });
}
