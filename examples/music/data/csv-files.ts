/**
 * Writes the generated music data as one CSV file per table (a header line, then RFC 4180 rows),
 * the files `assets source load TABLE FILE` takes. Each file is written beside its final name and
 * renamed into place, so a reader never sees half a table.
 */
import fs from 'node:fs';
import path from 'node:path';
import { generateMusicData, MUSIC_TABLES, resolveMusicOptions, type MusicDataOptions, type MusicTable, type MusicValue } from './generate';

export interface MusicFile {
  readonly table: MusicTable;
  readonly file: string;
  readonly rows: number;
}

/** A CSV field: quoted when it holds a comma, a quote or a line break. */
export const csvField = (v: MusicValue): string => {
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

/** Generates the data set into `dir` (created if missing): `<table>.csv` for each table. */
export function writeMusicCsv(dir: string, options: Partial<MusicDataOptions> = {}): MusicFile[] {
  const o = resolveMusicOptions(options);
  fs.mkdirSync(dir, { recursive: true });
  const tables = Object.keys(MUSIC_TABLES) as MusicTable[];
  const partial = (table: MusicTable) => path.join(dir, `.${table}.csv.${process.pid}.tmp`);
  const fds = new Map(tables.map((t) => [t, fs.openSync(partial(t), 'w')]));
  const rows = new Map(tables.map((t) => [t, 0]));
  try {
    for (const t of tables) fs.writeSync(fds.get(t)!, MUSIC_TABLES[t].join(',') + '\n');
    for (const chunk of generateMusicData(o)) {
      fs.writeSync(fds.get(chunk.table)!, chunk.rows.map((r) => r.map(csvField).join(',') + '\n').join(''));
      rows.set(chunk.table, rows.get(chunk.table)! + chunk.rows.length);
    }
    for (const fd of fds.values()) fs.fsyncSync(fd);
  } catch (e) {
    for (const t of tables) fs.rmSync(partial(t), { force: true });
    throw e;
  } finally {
    for (const fd of fds.values()) fs.closeSync(fd);
  }
  return tables.map((table) => {
    const file = path.join(dir, `${table}.csv`);
    fs.renameSync(partial(table), file);
    return { table, file, rows: rows.get(table)! };
  });
}
