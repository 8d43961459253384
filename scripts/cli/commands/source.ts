/**
 * `assets source seed|load|query`: the local source database (PGlite) standing in for RDS. `seed`
 * fills the tables of the graph module's example data set (`demoData.source`) and keeps every
 * other table; `load` bulk-loads a file into one table, all or nothing.
 */
import type { Command } from 'commander';
import { suggestName, type SourceDataset } from '../../../assets/core';
import { openSourceDb, seedSource, SeedOptionsError, SourceBusyError, SourceMissingError } from '../../../jobs/embedded/source';
import { LOAD_FORMATS, loadSourceFile, SourceLoadError } from '../../../jobs/embedded/source/load';
import { checkSourceLive, contractedSourceTables } from '../../../jobs/contracts/live';
import { loadDemoData, loadGraph, type GlobalOptions } from '../context';
import { EXIT, UserError } from '../errors';
import { confirm } from '../confirm';
import { color, printJson, table } from '../output';

const int = (name: string) => (value: string): number => {
  const n = Number(value.replace(/_/g, ''));
  if (!Number.isInteger(n) || n < 0) throw new UserError(`--${name} expects a whole number, got '${value}'`);
  return n;
};

interface SeedFlags {
  days?: number;
  seed?: number;
  until?: string;
  json?: boolean;
}

/** Errors of the source database that a person fixes (missing, busy, a bad file) become UserErrors. */
function userFacing(e: unknown): never {
  if (e instanceof SourceMissingError || e instanceof SourceBusyError || e instanceof SeedOptionsError || e instanceof SourceLoadError) throw new UserError(e.message);
  throw e;
}

/** The graph module's example data set, or an error saying how a graph without one gets its data. */
function datasetOf(g: GlobalOptions): SourceDataset {
  const dataset = loadDemoData(g.graph)?.source;
  if (!dataset) {
    throw new UserError(
      `${g.graph ?? 'the graph module'} has no example data set to seed (no \`demoData.source\` export); load your tables with \`assets source load TABLE FILE --create\`, or export one (see SourceDataset in assets/core/demo-data.ts)`,
    );
  }
  return dataset;
}

/**
 * The data set's sizes given as `--<size> N` (they depend on the graph module, so commander sees
 * them as unknown options): every other unknown option is refused, naming the sizes there are.
 */
export function sizeFlags(args: readonly string[], dataset: SourceDataset): Record<string, number> {
  const sizes: Record<string, number> = {};
  const known = dataset.sizes.map((s) => s.name);
  for (let i = 0; i < args.length; i++) {
    const m = /^--([\w-]+)(?:=(.*))?$/.exec(args[i]);
    if (!m) throw new UserError(`source seed takes no argument '${args[i]}'; sizes are given as --<size> N (${known.map((k) => `--${k}`).join(', ') || 'this data set has none'})`);
    const [, name, inline] = m;
    if (!known.includes(name)) {
      const hint = suggestName(name, [...known, 'days', 'seed', 'until']);
      throw new UserError(`unknown option '--${name}' for source seed; the data set (${dataset.description}) takes ${known.map((k) => `--${k}`).join(', ') || 'no sizes'}, --days, --seed, --until${hint ? `; did you mean --${hint}?` : ''}`);
    }
    const value = inline ?? args[++i];
    if (value === undefined) throw new UserError(`--${name} needs a whole number`);
    sizes[name] = int(name)(value);
  }
  return sizes;
}

/** Statements that only read: anything else (DDL, DML, GRANT...) is confirmed first. */
const READ_ONLY = new Set(['select', 'show', 'explain', 'values', 'table']);

/** The statements of `sql` that may change the database (naive split on `;`: enough to decide whether to ask). */
export function changingStatements(sql: string): string[] {
  return sql
    .replace(/--.*$/gm, '')
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .split(';')
    .map((s) => s.trim())
    .filter((s) => {
      if (!s) return false;
      const first = /^\(*\s*(\w+)/.exec(s)?.[1]?.toLowerCase() ?? '';
      if (first === 'with') return /\b(insert|update|delete|merge)\b/i.test(s);
      return !READ_ONLY.has(first);
    });
}

const cell = (v: unknown): string => (v === null || v === undefined ? color.dim('NULL') : v instanceof Date ? v.toISOString() : typeof v === 'object' ? JSON.stringify(v) : String(v));

export function register(program: Command): void {
  const source = program.command('source').description('the local source database (PGlite, a real Postgres) that stands in for RDS');

  source
    .command('seed')
    .description("fill the local source database with the graph module's example data set (deterministic); replaces only the data set's tables, keeps every other one")
    .option('--days <n>', 'days of history up to the current hour (default 30)', int('days'))
    .option('--seed <n>', 'random seed (default 42)', int('seed'))
    .option('--until <time>', 'exclusive end of the data, ISO time (default: the start of the current hour)')
    .option('--json', 'print the result as JSON')
    // The data set's sizes (`--customers N` for the reference) depend on the graph: read from the rest.
    .allowUnknownOption()
    .allowExcessArguments()
    .addHelpText('after', () => {
      try {
        const dataset = loadDemoData((program.opts() as GlobalOptions).graph)?.source;
        if (!dataset) return "\nThe graph module has no example data set: load tables with `assets source load TABLE FILE --create`.";
        const width = Math.max(...dataset.sizes.map((z) => z.name.length)) + 7;
        return `\nThe graph's data set: ${dataset.description}; it replaces the tables ${dataset.tables.map((t) => t.name).join(', ')}.\nIts sizes:\n${dataset.sizes.map((z) => `  ${`--${z.name} <n>`.padEnd(width)}  ${z.description}`).join('\n')}\n`;
      } catch (e) {
        return `\n(the graph module could not be loaded: ${(e as Error).message})`;
      }
    })
    .exitOverride()
    .action(async (flags: SeedFlags, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const dataset = datasetOf(g);
      const sizes = sizeFlags(cmd.args, dataset);
      let until: Date | undefined;
      if (flags.until) {
        until = new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(flags.until) ? flags.until : `${flags.until}Z`);
        if (Number.isNaN(until.getTime())) throw new UserError(`--until '${flags.until}' is not a time; write for example 2026-03-04T00:00`);
      }
      const log = flags.json ? undefined : (m: string) => process.stderr.write(color.dim(m) + '\n');
      const r = await seedSource({ dataset, sizes, days: flags.days, seed: flags.seed, until, log }).catch(userFacing);
      if (flags.json) return printJson(r);
      console.log(`${color.green('seeded')} ${r.dir} with ${dataset.description} in ${(r.ms.total / 1000).toFixed(1)} s (generate+load ${r.ms.generateAndLoad} ms, keys ${r.ms.keys} ms)`);
      console.log(table(['TABLE', 'ROWS', ''], Object.entries(r.rows).map(([t, n]) => [t, n.toLocaleString('en-US'), r.replaced.includes(t) ? 'replaced' : 'created'])));
      if (r.kept.length) console.log(`kept as they were (not the data set's): ${r.kept.join(', ')}`);
      console.log(color.dim(`data up to ${r.options.until} over ${r.options.days} days, seed ${r.options.seed}, ${Object.entries(r.options.sizes).map(([k, v]) => `${k} ${v}`).join(', ')}`));
    });

  source
    .command('load')
    .description('bulk-load a file into a table of the local source database, in one transaction (all rows or none)')
    .argument('<table>', 'the table, e.g. users (or schema.table)')
    .argument('<file>', `the data: ${Object.keys(LOAD_FORMATS).join(', ')} (CSV with a header line; JSON Lines: one object per line)`)
    .option('--create', "create the table: from the contract of the graph's source asset reading it when there is one, else from the file's columns and types")
    .option('--replace', "replace the table's rows instead of appending to them")
    .option('--json', 'print the result as JSON')
    .exitOverride()
    .action(async (tableName: string, file: string, flags: { create?: boolean; replace?: boolean; json?: boolean }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      if (g.env !== 'local') throw new UserError(`source load fills the local source database; '${g.env}' reads its own RDS database, which its owners load`);
      // The contract of the source asset reading this table: --create follows it, and the load is checked against it.
      // Tables of the public schema are named without it, as the graph's rds-table settings name them.
      const named = tableName.startsWith('public.') ? tableName.slice('public.'.length) : tableName;
      const reader = contractedSourceTables(loadGraph(g.graph)).find((t) => t.table === named);
      const r = await loadSourceFile({
        table: named,
        file,
        create: flags.create,
        replace: flags.replace,
        ...(reader ? { contract: { key: reader.asset.key, contract: reader.asset.contract!, check: (db) => checkSourceLive(db.pg, reader.asset) } } : {}),
      }).catch(userFacing);
      if (flags.json) return printJson(r);
      const what = r.created ? `created '${r.table}' (${r.created.map((c) => `${c.name} ${c.type}${c.nullable ? '' : ' not null'}`).join(', ')}) and loaded` : r.replacedRows !== undefined ? `replaced the ${r.replacedRows.toLocaleString('en-US')} rows of '${r.table}' with` : `appended to '${r.table}'`;
      console.log(`${color.green('loaded')} ${file}: ${what} ${r.rows.toLocaleString('en-US')} rows in ${(r.ms / 1000).toFixed(1)} s${reader ? color.dim(` (checked against ${reader.asset.key}'s contract)`) : ''}`);
    });

  source
    .command('query')
    .description('run SQL on the local source database (for exploring it, and for tests that change its schema)')
    .argument('<sql>', 'one or more SQL statements; the rows of the last one are printed')
    .option('--json', 'print rows as JSON')
    .option('--yes', 'run statements that change the database (DDL, DML) without asking')
    .exitOverride()
    .action(async (sql: string, flags: { json?: boolean; yes?: boolean }) => {
      const changes = changingStatements(sql);
      if (changes.length && !flags.yes) {
        process.stderr.write(`This changes the local source database:\n${changes.map((s) => `  ${s.slice(0, 120)}`).join('\n')}\n`);
        if (!(await confirm('Run it?', 'source query with a statement that changes the database'))) {
          console.log('nothing run');
          return;
        }
      }
      const db = await openSourceDb().catch(userFacing);
      try {
        let results;
        try {
          results = await db.pg.exec(sql);
        } catch (e) {
          throw new UserError(`the source database rejected the SQL: ${(e as Error).message}`, EXIT.badInput);
        }
        const last = results[results.length - 1];
        const rows = (last?.rows ?? []) as Record<string, unknown>[];
        if (flags.json) return printJson(rows);
        const fields = last?.fields.map((f) => f.name) ?? [];
        if (!fields.length) {
          console.log(color.dim(`ok${last?.affectedRows ? ` (${last.affectedRows} row(s) affected)` : ''}`));
          return;
        }
        console.log(table(fields, rows.map((r) => fields.map((f) => cell(r[f])))));
        console.log(color.dim(`(${rows.length} row${rows.length === 1 ? '' : 's'})`));
      } finally {
        await db.close();
      }
    });
}
