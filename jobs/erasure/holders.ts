/**
 * Where a subject's records sit in the embedded environment, one face per form of storage, each
 * able to find them (`scan`) and to remove them (`erase`):
 *
 *   lake table    Parquet partitions (or a snapshot) with subject columns: each partition holding
 *                 a subject is rewritten without its rows through the lake's commit (DuckDB)
 *   lake folder   a declared file of a folder (a model's embeddings): the folder is recommitted
 *                 with the file rewritten; an earlier version left beside it is deleted
 *   lake records  JSON-lines files (a delivery stream's output and its error prefix, whose
 *                 records carry the original in `rawData`): each file is replaced atomically
 *   index         a vector index's documents (ErasableVectorStore): the current version is
 *                 reloaded without them and every other version holding them is dropped
 *   source        a source table, owned upstream: counted, never changed here (the deletion
 *                 register keeps its rows out of every later extract)
 *
 * Faces read only the declaration (storage, format, the subject fields, the kind's settings), so
 * a fork's assets are handled with no change here.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { computeSettings, UserError, type AssetDefinition, type AssetKey, type LakeStorage, type SubjectField, type SubjectHolder } from '../../assets/core';
import type { KinesisStreamSettings, VectorIndexSettings } from '../../assets/kinds';
import { sourceTableOf } from '../contracts/live';
import { recoverInterruptedSwap } from '../embedded/executors/emr-spark';
import { commitDirectory, recoverDirectory, writeFileAtomic } from '../embedded/lake/commit';
import { duckIdent, queryRows, readParquet, sqlString } from '../embedded/lake/duckdb';
import { listCommittedFiles } from '../embedded/lake/integrity';
import { committedPartitions, DATA_FILE, dataDir, tableDir } from '../embedded/lake/layout';
import { assertParquetReadable } from '../embedded/lake/parquet';
import { pgIdent, type SourceAccess } from '../embedded/source/db';
import type { ErasableVectorStore } from '../vector-store/port';
import { subjectValues } from './records';

/** One place holding some of the subjects being erased. */
export interface Finding {
  readonly key: AssetKey;
  readonly what: 'partition' | 'file' | 'documents' | 'previous-version' | 'source-rows' | 'stream';
  /** The partition whose lock guards it (null: the whole asset). */
  readonly partition: string | null;
  /** A path relative to the state root, `alias@version`, or the source table. */
  readonly location: string;
  /** Records of the subjects there (rows, lines, documents); null when it cannot be counted. */
  readonly rows: number | null;
  /** Records by subject id, where the face can tell. */
  readonly byId: Readonly<Record<string, number>>;
  /** `source`: reported, never changed (owned upstream). */
  readonly role: 'derived' | 'source';
  readonly note?: string;
  /** A stream source: hours its records live (they cannot be deleted before). */
  readonly retentionHours?: number;
}

/** What one erase did to one finding. */
export interface Erased {
  readonly finding: Finding;
  readonly rowsBefore: number | null;
  readonly rowsAfter: number | null;
}

/** What faces need from the environment. */
export interface HolderContext {
  readonly stateRoot: string;
  readonly lakeRoot: string;
  /** The store of an index asset, built with its settings (a reload keeps its HNSW parameters). */
  readonly indexes: (settings: VectorIndexSettings) => ErasableVectorStore;
  readonly source: SourceAccess;
  readonly con: DuckDBConnection;
}

/** The face of one form of storage. */
export interface HolderFace {
  readonly name: string;
  scan(ctx: HolderContext, asset: AssetDefinition, fields: readonly SubjectField[], ids: readonly string[]): Promise<Finding[]>;
  /** Removes the subjects from one finding; idempotent, so a rerun after a kill completes it. */
  erase(ctx: HolderContext, asset: AssetDefinition, fields: readonly SubjectField[], ids: readonly string[], finding: Finding): Promise<Erased>;
}

const rel = (ctx: HolderContext, p: string) => path.relative(ctx.stateRoot, p);
const idList = (ids: readonly string[]) => `(${ids.map(sqlString).join(', ')})`;
/** Matches any subject field; `IS TRUE` keeps rows whose field is NULL out of the match. */
const matchSql = (fields: readonly SubjectField[], ids: readonly string[]) => `(${fields.map((f) => `CAST(${duckIdent(f.field)} AS VARCHAR) IN ${idList(ids)}`).join(' OR ')}) IS TRUE`;

/** Rows of the subjects per Parquet file, and per id. */
async function scanParquet(con: DuckDBConnection, files: readonly string[], fields: readonly SubjectField[], ids: readonly string[], key: AssetKey) {
  const out = new Map<string, { rows: number; byId: Record<string, number> }>();
  if (!files.length) return out;
  await assertParquetReadable(con, files, key);
  const src = readParquet(files, 'filename = true, union_by_name = true');
  for (const field of fields) {
    const col = `CAST(${duckIdent(field.field)} AS VARCHAR)`;
    const rows = await queryRows<{ f: string; id: string; n: string }>(con, `SELECT filename AS f, ${col} AS id, count(*) AS n FROM ${src} WHERE ${col} IN ${idList(ids)} GROUP BY ALL`);
    for (const r of rows) {
      const hit = out.get(r.f) ?? { rows: 0, byId: {} };
      hit.byId[r.id] = (hit.byId[r.id] ?? 0) + Number(r.n);
      hit.rows += Number(r.n);
      out.set(r.f, hit);
    }
  }
  // With several subject fields a row may match twice: count rows once (one field, the sums are exact).
  if (fields.length > 1) {
    for (const r of await queryRows<{ f: string; n: string }>(con, `SELECT filename AS f, count(*) AS n FROM ${src} WHERE ${matchSql(fields, ids)} GROUP BY filename`)) out.get(r.f)!.rows = Number(r.n);
  }
  return out;
}

/** Copies every visible entry of `from` into `to` except `skip` (the file being rewritten). */
function copyFolder(from: string, to: string, skip: string): void {
  for (const e of fs.readdirSync(from)) {
    if (e.startsWith('.') || e === skip) continue;
    fs.cpSync(path.join(from, e), path.join(to, e), { recursive: true, preserveTimestamps: true });
  }
}

/** Rewrites Parquet `file` into `target` without the subjects' rows; returns rows before and after. */
async function rewriteParquet(con: DuckDBConnection, file: string, target: string, fields: readonly SubjectField[], ids: readonly string[]) {
  const [{ n }] = await queryRows<{ n: string }>(con, `SELECT count(*) AS n FROM ${readParquet(file)}`);
  // COPY answers the rows it wrote: no second read of the new file.
  const [{ Count }] = await queryRows<{ Count: string }>(con, `COPY (SELECT * FROM ${readParquet(file)} WHERE NOT ${matchSql(fields, ids)}) TO ${sqlString(target)} (FORMAT parquet, COMPRESSION zstd)`);
  return { rowsBefore: Number(n), rowsAfter: Number(Count) };
}

/** Partition folders of a lake asset (the table folder when unpartitioned), crashed commits repaired. */
function lakeDirs(ctx: HolderContext, asset: AssetDefinition): { partition: string | null; dir: string }[] {
  if (!asset.partitions) {
    const dir = dataDir(ctx.lakeRoot, asset, null);
    recoverDirectory(dir);
    return [{ partition: null, dir }];
  }
  return committedPartitions(ctx.lakeRoot, asset).map((p) => ({ partition: p, dir: dataDir(ctx.lakeRoot, asset, p) }));
}

/** A lake table of Parquet partitions whose contract marks subject columns. */
const lakeTable: HolderFace = {
  name: 'lake table',
  async scan(ctx, asset, fields, ids) {
    const dirs = lakeDirs(ctx, asset).filter((d) => fs.existsSync(path.join(d.dir, DATA_FILE)));
    const hits = await scanParquet(ctx.con, dirs.map((d) => path.join(d.dir, DATA_FILE)), fields, ids, asset.key);
    return dirs.flatMap((d): Finding[] => {
      const hit = hits.get(path.join(d.dir, DATA_FILE));
      return hit ? [{ key: asset.key, what: 'partition', partition: d.partition, location: rel(ctx, path.join(d.dir, DATA_FILE)), rows: hit.rows, byId: hit.byId, role: 'derived' }] : [];
    });
  },
  async erase(ctx, asset, fields, ids, finding) {
    const dir = dataDir(ctx.lakeRoot, asset, finding.partition);
    const counts = await commitDirectory(dir, async (tmp) => {
      copyFolder(dir, tmp, DATA_FILE);
      return rewriteParquet(ctx.con, path.join(dir, DATA_FILE), path.join(tmp, DATA_FILE), fields, ids);
    });
    return { finding, ...counts };
  },
};

/** The folder a swap may have parked beside `dir` (see emr-spark.ts `swapFolder`). */
const previousOf = (dir: string) => path.join(path.dirname(dir), `.${path.basename(dir)}.previous`);

/** The subject id a JSON line holds (see records.ts), if it is one of `ids`. */
function recordHolds(line: string, fields: readonly SubjectField[], ids: ReadonlySet<string>): string | undefined {
  for (const f of fields) {
    const hit = subjectValues(line, f.field).find((v) => ids.has(v));
    if (hit !== undefined) return hit;
  }
  return undefined;
}

function scanRecordsFile(file: string, fields: readonly SubjectField[], ids: ReadonlySet<string>): { rows: number; byId: Record<string, number>; keep: string[] } {
  const byId: Record<string, number> = {};
  const keep: string[] = [];
  let rows = 0;
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    if (!line) continue;
    const id = recordHolds(line, fields, ids);
    if (id === undefined) keep.push(line);
    else {
      rows++;
      byId[id] = (byId[id] ?? 0) + 1;
    }
  }
  return { rows, byId, keep };
}

/** JSON-lines files under the asset's folder: a delivery stream's output, error prefix included. */
const lakeRecords: HolderFace = {
  name: 'lake records',
  async scan(ctx, asset, fields, ids) {
    const wanted = new Set(ids);
    const out: Finding[] = [];
    for (const file of listCommittedFiles(tableDir(ctx.lakeRoot, asset.key))) {
      if (!/\.jsonl?$/.test(file)) continue;
      const hit = scanRecordsFile(file, fields, wanted);
      if (hit.rows > 0) out.push({ key: asset.key, what: 'file', partition: null, location: rel(ctx, file), rows: hit.rows, byId: hit.byId, role: 'derived' });
    }
    return out;
  },
  async erase(ctx, _asset, fields, ids, finding) {
    const file = path.join(ctx.stateRoot, finding.location);
    if (!fs.existsSync(file)) return { finding, rowsBefore: 0, rowsAfter: 0 };
    const hit = scanRecordsFile(file, fields, new Set(ids));
    const rowsBefore = hit.rows + hit.keep.length;
    // Delivered files are never appended to, so replacing one by rename loses nothing written meanwhile.
    if (hit.keep.length) writeFileAtomic(file, hit.keep.join('\n') + '\n');
    else fs.rmSync(file, { force: true });
    return { finding, rowsBefore, rowsAfter: hit.keep.length };
  },
};

/** A declared file of the asset's folder (a model's embeddings), and earlier versions beside it. */
const lakeFolder: HolderFace = {
  name: 'lake folder',
  async scan(ctx, asset, fields, ids) {
    const out: Finding[] = [];
    for (const { partition, dir } of lakeDirs(ctx, asset)) {
      recoverInterruptedSwap(dir);
      for (const [what, folder] of [['file', dir], ['previous-version', previousOf(dir)]] as const) {
        for (const [file, byFile] of groupByFile(fields)) {
          const p = path.join(folder, file);
          if (!fs.existsSync(p)) continue;
          const found = await scanFile(ctx, p, byFile, ids, asset.key);
          if (found) out.push({ key: asset.key, what, partition, location: rel(ctx, p), rows: found.rows, byId: found.byId, role: 'derived' });
        }
      }
    }
    return out;
  },
  async erase(ctx, asset, fields, ids, finding) {
    const file = path.join(ctx.stateRoot, finding.location);
    if (finding.what === 'previous-version') {
      // An earlier version kept for safety still holds the subject: it goes entirely.
      fs.rmSync(path.dirname(file), { recursive: true, force: true });
      return { finding, rowsBefore: finding.rows, rowsAfter: 0 };
    }
    const dir = dataDir(ctx.lakeRoot, asset, finding.partition);
    const name = path.relative(dir, file);
    const byFile = fields.filter((f) => f.file === name);
    return commitDirectory(dir, async (tmp) => {
      copyFolder(dir, tmp, name);
      if (name.endsWith('.parquet')) return { finding, ...(await rewriteParquet(ctx.con, file, path.join(tmp, name), byFile, ids)) };
      const hit = scanRecordsFile(file, byFile, new Set(ids));
      fs.writeFileSync(path.join(tmp, name), hit.keep.length ? hit.keep.join('\n') + '\n' : '');
      return { finding, rowsBefore: hit.rows + hit.keep.length, rowsAfter: hit.keep.length };
    });
  },
};

function groupByFile(fields: readonly SubjectField[]): Map<string, SubjectField[]> {
  const m = new Map<string, SubjectField[]>();
  for (const f of fields) if (f.file) m.set(f.file, [...(m.get(f.file) ?? []), f]);
  return m;
}

async function scanFile(ctx: HolderContext, file: string, fields: readonly SubjectField[], ids: readonly string[], key: AssetKey) {
  if (file.endsWith('.parquet')) return (await scanParquet(ctx.con, [file], fields, ids, key)).get(file);
  const hit = scanRecordsFile(file, fields, new Set(ids));
  return hit.rows ? hit : undefined;
}

/** A vector index: documents keyed by the declared id field. */
const vectorIndexFace: HolderFace = {
  name: 'index',
  async scan(ctx, asset, _fields, ids) {
    const s = computeSettings<VectorIndexSettings>(asset);
    return (await ctx.indexes(s).holding(s.alias, ids)).map(
      (h): Finding => ({
        key: asset.key,
        what: h.current ? 'documents' : 'previous-version',
        partition: null,
        location: `${s.alias}@${h.version}`,
        rows: h.count,
        byId: {},
        role: 'derived',
      }),
    );
  },
  async erase(ctx, asset, _fields, ids, finding) {
    const s = computeSettings<VectorIndexSettings>(asset);
    const r = await ctx.indexes(s).erase(s.alias, ids);
    return { finding, rowsBefore: finding.rows, rowsAfter: finding.what === 'documents' ? 0 : r.droppedVersions.length ? 0 : finding.rows };
  },
};

/** A source table: counted live, never changed (its owner deletes upstream). */
const sourceTable: HolderFace = {
  name: 'source table',
  async scan(ctx, asset, fields, ids) {
    const t = sourceTableOf(asset)!;
    const table = t.schema === 'public' ? pgIdent(t.table) : `${pgIdent(t.schema)}.${pgIdent(t.table)}`;
    const byId: Record<string, number> = {};
    let rows = 0;
    await ctx.source.use(async (pg) => {
      for (const f of fields) {
        const res = await pg.query<{ id: string; n: number }>(`SELECT CAST(${pgIdent(f.field)} AS text) AS id, count(*)::int AS n FROM ${table} WHERE CAST(${pgIdent(f.field)} AS text) = ANY($1) GROUP BY 1`, [[...ids]]);
        for (const r of res.rows) {
          byId[r.id] = (byId[r.id] ?? 0) + r.n;
          rows += r.n;
        }
      }
    });
    if (!rows) return [];
    return [{ key: asset.key, what: 'source-rows', partition: null, location: t.qualified, rows, byId, role: 'source', note: 'owned upstream: its owner deletes it; extracts exclude it until then' }];
  },
  async erase(_ctx, _asset, _fields, _ids, finding) {
    return { finding, rowsBefore: finding.rows, rowsAfter: finding.rows };
  },
};

/** A stream source: records cannot be deleted from it; they expire with its retention. */
const streamSource: HolderFace = {
  name: 'stream source',
  async scan(_ctx, asset) {
    const hours = computeSettings<KinesisStreamSettings>(asset).retentionHours ?? 24;
    return [{ key: asset.key, what: 'stream', partition: null, location: asset.key, rows: null, byId: {}, role: 'source', retentionHours: hours, note: `records cannot be deleted from a stream; they expire within ${hours} h, and deliveries exclude the subject until then` }];
  },
  async erase(_ctx, _asset, _fields, _ids, finding) {
    return { finding, rowsBefore: null, rowsAfter: null };
  },
};

/** The face that handles `holder`'s asset, or a UserError saying why none does. */
export function faceOf(asset: AssetDefinition, holder: SubjectHolder): HolderFace {
  if (asset.source) {
    if (sourceTableOf(asset)) return sourceTable;
    if (asset.compute.kind === 'kinesis-stream') return streamSource;
  } else if (asset.compute.kind === 'vector-index' && asset.storage?.kind === 'vector-store') {
    return vectorIndexFace;
  } else if (asset.storage?.kind === 'lake') {
    const storage = asset.storage as LakeStorage;
    if (holder.fields.every((f) => f.file)) return lakeFolder;
    if (holder.fields.some((f) => f.file)) {
      throw new UserError(`${asset.key}: its subject fields mix declared files and table columns; declare a file for each, or mark the columns in the contract only`);
    }
    if (storage.format === 'json') return lakeRecords;
    return lakeTable;
  }
  throw new UserError(
    `${asset.key} holds subject data (${holder.fields.map((f) => f.field).join(', ')}) in ${asset.source ? `a ${asset.compute.kind} source` : `${asset.storage?.kind ?? 'no'} storage`}, ` +
      'which erasure cannot reach here; give it lake or vector-store storage, or erase it with your own tooling',
  );
}
