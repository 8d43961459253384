/**
 * Compares two lake folders of one asset, as written by two engines (Spark and the embedded
 * DuckDB path): the same partition folders, and in each the same column names, Parquet physical
 * types, row count, and values after sorting (doubles to 1e-9 relative). Returns every
 * difference found, so a failing test says all that differs, not only the first thing.
 */
import fs from 'node:fs';
import path from 'node:path';
import { queryRows, withDuckDb, fileList } from '../../jobs/embedded/lake/duckdb';

export interface LakeComparison {
  readonly partitions: number;
  readonly rows: number;
  readonly differences: string[];
}

const RELATIVE = 1e-9;

/** Leaf folders holding Parquet files, relative to `dir` ('' for the folder itself), ignoring hidden/staging ones. */
function dataFolders(dir: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const walk = (rel: string) => {
    const abs = path.join(dir, rel);
    for (const e of fs.readdirSync(abs, { withFileTypes: true })) {
      if (e.name.startsWith('.') || e.name.startsWith('_')) continue;
      if (e.isDirectory()) walk(path.join(rel, e.name));
      else if (e.name.endsWith('.parquet')) out.set(rel, [...(out.get(rel) ?? []), path.join(abs, e.name)]);
    }
  };
  walk('');
  return out;
}

function sameValue(a: unknown, b: unknown): boolean {
  if (typeof a === 'number' && typeof b === 'number') {
    if (a === b) return true;
    return Math.abs(a - b) <= RELATIVE * Math.max(Math.abs(a), Math.abs(b));
  }
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Compares `actual` (e.g. Spark's output folder) with `expected` (the embedded one). */
export async function compareLakeFolders(actual: string, expected: string): Promise<LakeComparison> {
  const a = dataFolders(actual);
  const e = dataFolders(expected);
  const differences: string[] = [];
  const missing = [...e.keys()].filter((k) => !a.has(k));
  const extra = [...a.keys()].filter((k) => !e.has(k));
  if (missing.length) differences.push(`partitions missing: ${missing.join(', ')}`);
  if (extra.length) differences.push(`partitions not expected: ${extra.join(', ')}`);
  let rows = 0;
  await withDuckDb(async (con) => {
    for (const [rel, expectedFiles] of [...e.entries()].sort()) {
      const actualFiles = a.get(rel);
      if (!actualFiles) continue;
      const where = rel || '(table folder)';
      const schema = async (files: string[]) =>
        queryRows<{ name: string; type: string | null; logical: string | null }>(
          con,
          // Physical type, converted type (INT_32/INT_64 are what an unannotated INT32/INT64 means) and,
          // for timestamps, the UTC flag: what readers decide a column's type by.
          `SELECT DISTINCT name, type, trim(concat_ws(' ', CASE WHEN converted_type IN ('INT_32', 'INT_64') THEN NULL ELSE converted_type END,
                    regexp_extract(CAST(logical_type AS VARCHAR), 'isAdjustedToUTC=\\d'))) AS logical
             FROM parquet_schema(${fileList(files)}) WHERE num_children IS NULL OR num_children = 0 ORDER BY name`,
        );
      const [sa, se] = [await schema(actualFiles), await schema(expectedFiles)];
      const show = (s: typeof sa) => s.map((c) => `${c.name}:${c.type}${c.logical ? `(${c.logical})` : ''}`).join(', ');
      if (show(sa) !== show(se)) differences.push(`${where}: Parquet columns differ:\n  actual   ${show(sa)}\n  expected ${show(se)}`);
      const read = (files: string[]) => `SELECT * FROM read_parquet(${fileList(files)}, hive_partitioning = false, union_by_name = true) ORDER BY ALL`;
      const [ra, re] = [await queryRows<Record<string, unknown>>(con, read(actualFiles)), await queryRows<Record<string, unknown>>(con, read(expectedFiles))];
      rows += re.length;
      if (ra.length !== re.length) {
        differences.push(`${where}: ${ra.length} rows, expected ${re.length}`);
        continue;
      }
      let shown = 0;
      for (let i = 0; i < re.length && shown < 3; i++) {
        const cols = Object.keys(re[i]);
        const bad = cols.filter((c) => !sameValue(ra[i][c], re[i][c]));
        if (bad.length) {
          shown++;
          differences.push(`${where}: row ${i} differs in ${bad.map((c) => `${c} (${JSON.stringify(ra[i][c])} vs ${JSON.stringify(re[i][c])})`).join(', ')}`);
        }
      }
    }
  });
  return { partitions: e.size, rows, differences };
}
