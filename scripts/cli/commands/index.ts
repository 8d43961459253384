/**
 * Every `assets` command, one module each, loaded only when it runs: `assets status` never loads
 * the modules of `stream` (the Kinesis client) or `materialize` (DuckDB, PGlite), and `--help`
 * loads none. A module exports `register(program)`.
 *
 * To add a command: write scripts/cli/commands/<name>.ts and add one entry below (the order is --help's).
 */
import type { Command } from 'commander';

interface CommandEntry {
  readonly name: string;
  /** The line `assets --help` shows; the module's own description is `assets <name> --help`'s. */
  readonly summary: string;
  /** `require`, not `import()`: synchronous, and CommonJS resolution both compiled and under tsx/cjs. */
  readonly load: () => { register(program: Command): void };
}

/* eslint-disable @typescript-eslint/no-require-imports */
const COMMANDS: readonly CommandEntry[] = [
  // The graph
  { name: 'list', summary: 'list assets (all, or those a selection picks)', load: () => require('./list') },
  { name: 'show', summary: 'one asset: deps, dependents, partitions, kind, contract, checks', load: () => require('./show') },
  { name: 'graph', summary: 'print the graph as text, Mermaid, Graphviz dot or JSON', load: () => require('./graph') },
  { name: 'validate', summary: 'validate the graph and the code files it names', load: () => require('./validate') },
  // Running it
  { name: 'plan', summary: 'the runs and steps materializing a selection would execute', load: () => require('./plan') },
  { name: 'materialize', summary: 'materialize the selected assets; skips what is up to date', load: () => require('./materialize') },
  { name: 'backfill', summary: 'materialize a range of partitions, or --resume a backfill', load: () => require('./backfill') },
  { name: 'automate', summary: "keep the graph fresh by its assets' automation conditions", load: () => require('./automate') },
  { name: 'status', summary: 'per asset: last materialization, stale or fresh and why, freshness, checks', load: () => require('./status') },
  { name: 'checks', summary: 'declared checks and their latest results', load: () => require('./checks') },
  { name: 'verify', summary: 'committed files against what their materializations recorded; --repair rebuilds', load: () => require('./verify') },
  { name: 'runs', summary: 'recent runs, newest first; `runs prune` deletes old ones', load: () => require('./runs') },
  { name: 'run', summary: 'one run: its steps, what each did, check results', load: () => require('./run') },
  { name: 'erase', summary: "right to erasure: delete people's data everywhere the graph put it, or --verify it is gone", load: () => require('./erase') },
  { name: 'wipe', summary: 'local only: delete the data and records of the selected assets', load: () => require('./wipe') },
  // Data contracts and the local source
  { name: 'contracts', summary: 'data contracts of the source tables: the CI gate for schema changes', load: () => require('./contracts') },
  { name: 'source', summary: 'the local source database that stands in for RDS', load: () => require('./source') },
  // Streaming and serving
  { name: 'stream', summary: 'the embedded stream: kinesalite and the delivery poller', load: () => require('./stream') },
  { name: 'serve', summary: "serve the graph's API locally with the same handler as Lambda", load: () => require('./serve') },
  { name: 'ui', summary: 'the asset graph, its runs and dashboards in a browser', load: () => require('./ui') },
];
/* eslint-enable @typescript-eslint/no-require-imports */

/** The command `argv` names: the first word that is not a global option or an option's value. */
function commandIn(program: Command, argv: readonly string[]): string | undefined {
  const takesValue = new Set(program.options.filter((o) => o.required || o.optional).flatMap((o) => [o.long, o.short].filter((f): f is string => !!f)));
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i];
    if (word === '--') return argv[i + 1];
    if (!word.startsWith('-')) return word === 'help' ? argv[i + 1] : word;
    if (takesValue.has(word)) i++;
  }
  return undefined;
}

/**
 * Registers the command `argv` runs in full and every other one by name and summary only (enough
 * for `--help`, for commander's "did you mean" and its unknown-command error).
 */
export function registerCommands(program: Command, argv: readonly string[]): void {
  const wanted = commandIn(program, argv);
  for (const c of COMMANDS) {
    if (c.name === wanted) c.load().register(program);
    else program.command(c.name).description(c.summary);
  }
}
