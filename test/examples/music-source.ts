/**
 * Puts the music example's generated data into the local source database of `HEADWATER_HOME`,
 * for tests. TODO(issue 9, cli): replace by `assets source load TABLE FILE --create` once it lands;
 * until then each table is created from its source contract and filled with COPY.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Contract } from '../../assets/core';
import { writeMusicCsv } from '../../examples/music/data/csv-files';
import type { MusicDataOptions } from '../../examples/music/data/generate';
import graph from '../../examples/music/graph';
import { openSourceDb } from '../../jobs/embedded/source';

const PG_TYPES: Readonly<Record<string, string>> = { string: 'text', int: 'integer', bigint: 'bigint', timestamp: 'timestamp', boolean: 'boolean', double: 'double precision' };

const ddl = (table: string, contract: Contract) =>
  `CREATE TABLE ${table} (${contract.columns
    .map((c) => {
      const t = PG_TYPES[c.type];
      if (!t) throw new Error(`music source: no Postgres type for contract type ${c.type}`);
      return `"${c.name}" ${t}${c.nullable ? '' : ' NOT NULL'}`;
    })
    .join(', ')})`;

/** Generates the data set with `options` and loads every table of it; returns the rows per table. */
export async function loadMusicSource(options: Partial<MusicDataOptions>): Promise<Record<string, number>> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hw-music-data-'));
  const db = await openSourceDb({ create: true });
  try {
    const rows: Record<string, number> = {};
    for (const f of writeMusicCsv(dir, options)) {
      const source = graph.get(`source/${f.table}`);
      await db.pg.exec(ddl(f.table, source.contract!));
      await db.pg.query(`COPY ${f.table} FROM '/dev/blob' WITH (FORMAT csv, HEADER true)`, [], { blob: new Blob([fs.readFileSync(f.file)]) });
      rows[f.table] = f.rows;
    }
    return rows;
  } finally {
    await db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
