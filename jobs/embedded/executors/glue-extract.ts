/**
 * glue-extract, embedded: snapshot a source table from PGlite into the lake as Parquet.
 * The source contract is checked against the live schema first; a breaking diff (or NULLs in a
 * not-null column) fails the step with that diff and writes nothing. Partitioned extracts write
 * one Parquet file per partition of `partitionColumn`, each committed atomically.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { computeSettings, type AssetDefinition } from '../../../assets/core';
import type { GlueExtractSettings } from '../../../assets/kinds';
import type { Executor, StepContext, StepOutput } from '../../engine/environment';
import { DeletionRegister } from '../../erasure/register';
import { excludeRegistered } from '../../erasure/register-sql';
import { commitDirectory } from '../lake/commit';
import { localPaths } from '../paths';
import { duckIdent, queryRows, timestampLiteral, withDuckDb } from '../lake/duckdb';
import { DATA_FILE, dataDir, partitionWindow } from '../lake/layout';
import { pgIdent, type SourceAccess } from '../source/db';
import { exportSourceCsv, loadCsvTable } from '../source/extract';

export interface GlueExtractExecutorOptions {
  /** Root of the lake (`localPaths.lake()`). */
  readonly lakeRoot: string;
  /** The shared source connection (`sharedSource()`). */
  readonly source: SourceAccess;
}

const pgTimestamp = (ms: number) => `'${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')}'`;

function aborted(ctx: StepContext): void {
  if (ctx.signal.aborted) throw new Error(`${ctx.asset.key}: cancelled; partitions committed so far are complete, the rest were not written`);
}

/** The source asset an extract reads, validated (both engines). */
export function sourceOf(ctx: StepContext): { settings: GlueExtractSettings; source: AssetDefinition } {
  const settings = computeSettings<GlueExtractSettings>(ctx.asset);
  if (!ctx.graph.has(settings.from)) throw new Error(`${ctx.asset.key}: compute.from '${settings.from}' is not an asset of the graph`);
  const source = ctx.graph.get(settings.from);
  if (!source.contract) throw new Error(`${ctx.asset.key}: source ${settings.from} has no contract; declare one so the extract knows its columns`);
  if (ctx.asset.partitions && !settings.partitionColumn) {
    throw new Error(`${ctx.asset.key} is partitioned but its glue-extract settings name no partitionColumn; add partitionColumn: '<timestamp column>'`);
  }
  return { settings, source };
}

/** The embedded executor of the `glue-extract` kind. */
export function createGlueExtractExecutor(options: GlueExtractExecutorOptions): Executor {
  return {
    kind: 'glue-extract',
    async execute(ctx: StepContext): Promise<StepOutput> {
      const { settings, source } = sourceOf(ctx);
      const def = ctx.asset.partitions;
      const keys = def && ctx.partitions ? ctx.partitions : null;
      const windows = keys && def ? keys.map((k) => ({ key: k, ...partitionWindow(def, k) })) : null;
      let where: string | undefined;
      if (windows && settings.partitionColumn) {
        const start = Math.min(...windows.map((w) => w.startMs));
        const end = Math.max(...windows.map((w) => w.endMs));
        const col = pgIdent(settings.partitionColumn);
        where = `${col} >= ${pgTimestamp(start)} AND ${col} < ${pgTimestamp(end)}`;
      }
      const staging = fs.mkdtempSync(path.join(os.tmpdir(), 'headwater-extract-'));
      try {
        const t0 = Date.now();
        const exp = await exportSourceCsv(options.source, source, path.join(staging, 'rows.csv'), where);
        ctx.log(`read ${settings.from} (${(exp.bytes / 1e6).toFixed(1)} MB CSV) in ${Date.now() - t0} ms; contract ok`);
        aborted(ctx);
        return await withDuckDb(async (con) => {
          await loadCsvTable(con, 'extract', exp.file, source.contract!);
          // The deletion register: subjects erased here stay out even while the source still holds them.
          const erased = await excludeRegistered(con, 'extract', source.contract!, DeletionRegister.peek(localPaths.erasure()));
          if (erased) ctx.log(`left out ${erased} row(s) of erased subjects (deletion register)`);
          const partitionMetadata: Record<string, { rows: number; bytes: number }> = {};
          let rows = 0;
          let bytes = 0;
          const writeOne = async (target: string, filter: string) =>
            commitDirectory(target, async (tmp) => {
              const file = path.join(tmp, DATA_FILE);
              const [{ n }] = await queryRows<{ n: string }>(con, `SELECT count(*) AS n FROM extract${filter}`);
              await con.run(`COPY (SELECT * FROM extract${filter}) TO '${file.replace(/'/g, "''")}' (FORMAT parquet, COMPRESSION zstd)`);
              return { rows: Number(n), bytes: fs.statSync(file).size };
            });
          if (windows) {
            const col = duckIdent(settings.partitionColumn!);
            for (const w of windows) {
              aborted(ctx);
              const r = await writeOne(
                dataDir(options.lakeRoot, ctx.asset, w.key),
                ` WHERE ${col} >= ${timestampLiteral(w.startMs)} AND ${col} < ${timestampLiteral(w.endMs)}`,
              );
              partitionMetadata[w.key] = r;
              rows += r.rows;
              bytes += r.bytes;
            }
          } else {
            const r = await writeOne(dataDir(options.lakeRoot, ctx.asset, null), '');
            rows = r.rows;
            bytes = r.bytes;
          }
          ctx.log(`wrote ${rows.toLocaleString('en-US')} rows${windows ? ` in ${windows.length} partition(s)` : ''}`);
          return {
            metadata: { rows, bytes, source: settings.from, contract: exp.diff.changes.length ? 'compatible' : 'matches', ...(erased ? { erasedRowsExcluded: erased } : {}) },
            ...(windows ? { partitionMetadata } : {}),
          };
        });
      } finally {
        fs.rmSync(staging, { recursive: true, force: true });
      }
    },
  };
}
