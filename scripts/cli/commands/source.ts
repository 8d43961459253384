/**
 * `assets source seed|query`: the local source database (PGlite) standing in for RDS.
 */
import type { Command } from 'commander';
import { openSourceDb, seedSource, SeedOptionsError, SourceBusyError, SourceMissingError } from '../../../jobs/embedded/source';
import { EXIT, UserError } from '../errors';
import { confirm } from '../confirm';
import { color, printJson, table } from '../output';

const int = (name: string) => (value: string): number => {
  const n = Number(value.replace(/_/g, ''));
  if (!Number.isInteger(n) || n < 0) throw new UserError(`--${name} expects a whole number, got '${value}'`);
  return n;
};

interface SeedFlags {
  customers?: number;
  products?: number;
  ratings?: number;
  orders?: number;
  days?: number;
  seed?: number;
  until?: string;
  json?: boolean;
}

/** Errors of the source database that a person fixes (missing, busy) become UserErrors. */
function userFacing(e: unknown): never {
  if (e instanceof SourceMissingError || e instanceof SourceBusyError || e instanceof SeedOptionsError) throw new UserError(e.message);
  throw e;
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
    .description('create (or recreate) the local source database with a deterministic classicmodels-like data set')
    .option('--customers <n>', 'customers (default 2,000, or ratings/50 if more)', int('customers'))
    .option('--products <n>', 'products (default 500)', int('products'))
    .option('--ratings <n>', 'ratings (default 100,000)', int('ratings'))
    .option('--orders <n>', 'orders (default ratings/4, 1,000..200,000)', int('orders'))
    .option('--days <n>', 'days of history up to the current hour (default 30)', int('days'))
    .option('--seed <n>', 'random seed (default 42)', int('seed'))
    .option('--until <time>', 'exclusive end of the data, ISO time (default: the start of the current hour)')
    .option('--json', 'print the result as JSON')
    .exitOverride()
    .action(async (flags: SeedFlags) => {
      let until: Date | undefined;
      if (flags.until) {
        until = new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(flags.until) ? flags.until : `${flags.until}Z`);
        if (Number.isNaN(until.getTime())) throw new UserError(`--until '${flags.until}' is not a time; write for example 2026-03-04T00:00`);
      }
      const log = flags.json ? undefined : (m: string) => process.stderr.write(color.dim(m) + '\n');
      const r = await seedSource({ ...flags, until, log }).catch(userFacing);
      if (flags.json) return printJson(r);
      console.log(`${color.green('seeded')} ${r.dir} in ${(r.ms.total / 1000).toFixed(1)} s (create ${r.ms.create} ms, generate+load ${r.ms.generateAndLoad} ms, keys ${r.ms.keys} ms)`);
      console.log(table(['TABLE', 'ROWS'], Object.entries(r.rows).map(([t, n]) => [t, n.toLocaleString('en-US')])));
      console.log(color.dim(`data up to ${r.options.until} over ${r.options.days} days, seed ${r.options.seed}`));
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
