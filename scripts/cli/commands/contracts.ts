/**
 * `assets contracts check|dump`: the CI gate for upstream schema changes. `check` compares every
 * source contract with the live source schema, or with a proposed one (`--against` a JSON schema
 * dump or a SQL migration), and exits 1 on a breaking change.
 */
import fs from 'node:fs';
import type { Command } from 'commander';
import { formatContractDiff, type ContractDiff } from '../../../assets/core';
import {
  checkAllContracts,
  checkSourceLive,
  contractedSourceTables,
  loadProposal,
  readLiveSchema,
  type SchemaSnapshot,
} from '../../../jobs/contracts';
import { openSourceDb, type SourceDb } from '../../../jobs/embedded/source';
import { loadGraph, type GlobalOptions } from '../context';
import { EXIT, UserError } from '../errors';
import { color, printJson } from '../output';

async function withSource<T>(fn: (db: SourceDb) => Promise<T>): Promise<T> {
  // SourceMissingError and SourceBusyError are UserErrors: the CLI prints them as they are.
  const db: SourceDb = await openSourceDb();
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}

function requireLocal(env: string): void {
  if (env !== 'local') {
    throw new UserError(`contracts ${env === 'local' ? '' : `--env ${env}`}: only the local source can be introspected from here; in CI, dump the real schema to JSON and run \`assets contracts check --against schema.json\``);
  }
}

const colorize = (text: string) =>
  text
    .split('\n')
    .map((l) => (l.includes('BREAKING') ? color.red(l) : l.trimStart().startsWith('ok') ? color.dim(l) : l))
    .join('\n');

export function register(program: Command): void {
  const contracts = program.command('contracts').description('data contracts of the source tables: the CI gate for schema changes');

  contracts
    .command('check')
    .description('compare every source contract with the live source schema, or with a proposed one; exit 1 on a breaking change')
    .option('--against <file>', 'a proposed schema: a JSON dump ({"tables": {...}}, see `contracts dump`) or a SQL migration applied on the live schema')
    .option('--allow-unknown', 'list migration statements the gate cannot read as ignored instead of failing (exit 2) on them')
    .option('--json', 'print the diffs as JSON')
    .exitOverride()
    .action(async (flags: { against?: string; json?: boolean; allowUnknown?: boolean }, cmd: Command) => {
      const globals = cmd.optsWithGlobals<GlobalOptions>();
      const graph = loadGraph(globals.graph);
      let diffs: ContractDiff[];
      let ignored: readonly string[] = [];
      let unread: readonly string[] = [];
      if (flags.against && /\.json$/i.test(flags.against)) {
        const p = loadProposal(flags.against, () => ({ tables: {} }));
        diffs = checkAllContracts(graph, p.schema, p.against);
      } else if (flags.against) {
        if (!fs.existsSync(flags.against)) throw new UserError(`--against ${flags.against}: no such file`);
        requireLocal(globals.env);
        diffs = await withSource(async (db) => {
          const live = await readLiveSchema(db.pg);
          const p = loadProposal(flags.against!, () => live, { allowUnknown: flags.allowUnknown });
          ({ ignored, unread } = p);
          return checkAllContracts(graph, p.schema, p.against);
        });
      } else {
        requireLocal(globals.env);
        diffs = await withSource(async (db) => {
          const out: ContractDiff[] = [];
          for (const { asset } of contractedSourceTables(graph)) out.push(await checkSourceLive(db.pg, asset));
          return out;
        });
      }
      const breaking = diffs.filter((d) => d.breaking);
      if (flags.json) {
        printJson({ breaking: breaking.length > 0, ignored, unread, diffs });
      } else {
        for (const d of diffs) console.log(colorize(formatContractDiff(d)));
        if (ignored.length) console.log(color.dim(`\nnot applied (cannot change a contract's columns): ${ignored.length} statement(s)\n${ignored.map((s) => `  ${s}`).join('\n')}`));
        if (unread.length) console.log(color.yellow(`\nnot read (--allow-unknown): ${unread.length} statement(s) the gate did not recognise; this result does not cover them\n${unread.map((s) => `  ${s}`).join('\n')}`));
        console.log('');
        console.log(
          breaking.length
            ? color.red(`${breaking.length} of ${diffs.length} contract(s) broken: ${breaking.map((d) => d.subject.split(' ')[0]).join(', ')}. Do not deploy this change before its consumers agree to a new contract.`)
            : color.green(`all ${diffs.length} source contract(s) hold`),
        );
      }
      if (breaking.length) throw new UserError(`${breaking.length} contract(s) would break`, EXIT.runFailed);
    });

  contracts
    .command('dump')
    .description('print the live source schema as JSON (the format `contracts check --against` reads)')
    .option('--out <file>', 'write it to a file instead of stdout')
    .exitOverride()
    .action(async (flags: { out?: string }, cmd: Command) => {
      requireLocal(cmd.optsWithGlobals<GlobalOptions>().env);
      const schema: SchemaSnapshot = await withSource((db) => readLiveSchema(db.pg));
      const doc = { source: 'local', dumpedAt: new Date().toISOString(), tables: schema.tables };
      if (flags.out) {
        fs.writeFileSync(flags.out, JSON.stringify(doc, null, 2) + '\n');
        console.log(`wrote the schema of ${Object.keys(schema.tables).length} table(s) to ${flags.out}`);
      } else printJson(doc);
    });
}
