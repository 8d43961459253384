/**
 * `npx tsx examples/music/data/main.ts --out DIR [--listeners N] [--tracks N] [--interactions N]
 * [--days D] [--seed S] [--until ISO]`: writes the music data set as CSV files and prints the
 * commands that load them into the local source database.
 */
import { parseArgs } from 'node:util';
import { writeMusicCsv } from './csv-files';
import { MusicDataOptionsError, type MusicDataOptions } from './generate';

const USAGE = 'usage: tsx examples/music/data/main.ts --out DIR [--listeners N] [--tracks N] [--interactions N] [--days D] [--seed S] [--until 2026-12-01T00:00Z]';

/** Parses the arguments; a mistake is a MusicDataOptionsError naming the flag. */
export function parseDataArgs(argv: readonly string[]): { out: string; options: Partial<MusicDataOptions> } {
  let values: Record<string, string | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: Object.fromEntries(['out', 'listeners', 'tracks', 'interactions', 'days', 'seed', 'until'].map((k) => [k, { type: 'string' as const }])),
      strict: true,
    }) as { values: Record<string, string | undefined> });
  } catch (e) {
    throw new MusicDataOptionsError(`${(e as Error).message}\n${USAGE}`);
  }
  if (!values.out) throw new MusicDataOptionsError(`--out DIR is required: the folder to write the CSV files to\n${USAGE}`);
  const options: Record<string, number> = {};
  for (const k of ['listeners', 'tracks', 'interactions', 'days', 'seed'] as const) {
    const v = values[k];
    if (v === undefined) continue;
    if (!/^-?\d+$/.test(v)) throw new MusicDataOptionsError(`--${k} must be a whole number (got '${v}')`);
    options[k] = Number(v);
  }
  if (values.until !== undefined) {
    const ms = Date.parse(values.until);
    if (Number.isNaN(ms)) throw new MusicDataOptionsError(`--until must be a time such as 2026-12-01T00:00Z (got '${values.until}')`);
    options.untilMs = ms;
  }
  return { out: values.out, options };
}

function main(): number {
  try {
    const { out, options } = parseDataArgs(process.argv.slice(2));
    const files = writeMusicCsv(out, options);
    for (const f of files) console.log(`${f.table}: ${f.rows.toLocaleString('en-US')} rows in ${f.file}`);
    console.log('\nload them into the local source database:');
    for (const f of files) console.log(`  npm run -s assets -- --graph examples/music/graph.ts source load ${f.table} ${f.file} --create`);
    return 0;
  } catch (e) {
    if (e instanceof MusicDataOptionsError) {
      console.error(`error: ${e.message}`);
      return 2;
    }
    throw e;
  }
}

if (require.main === module) process.exitCode = main();
