/**
 * Puts the music example's generated data into the local source database of `HEADWATER_HOME`,
 * for tests. TODO(issue 9, cli): replace by `assets --graph examples/music/graph.ts source seed`
 * (the graph module's `demoData`) once it lands.
 */
import { generateMusicData, type MusicDataOptions } from '../../examples/music/data/generate';
import { csvField } from '../../examples/music/data/csv-files';
import { MUSIC_SOURCE_TABLES } from '../../examples/music/data/schema';
import { openSourceDb } from '../../jobs/embedded/source';

/** Generates the data set with `options` and loads every table of it; returns the rows per table. */
export async function loadMusicSource(options: MusicDataOptions): Promise<Record<string, number>> {
  const db = await openSourceDb({ create: true });
  try {
    const rows: Record<string, number> = {};
    for (const t of MUSIC_SOURCE_TABLES) await db.pg.exec(t.ddl);
    for (const chunk of generateMusicData(options)) {
      const csv = chunk.rows.map((r) => r.map(csvField).join(',') + '\n').join('');
      await db.pg.query(`COPY ${chunk.table} FROM '/dev/blob' WITH (FORMAT csv)`, [], { blob: new Blob([csv]) });
      rows[chunk.table] = (rows[chunk.table] ?? 0) + chunk.rows.length;
    }
    for (const t of MUSIC_SOURCE_TABLES) for (const stmt of t.after) await db.pg.exec(stmt);
    return rows;
  } finally {
    await db.close();
  }
}
