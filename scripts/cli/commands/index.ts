/**
 * Every `assets` command, one module each. A module exports `register(program)`.
 * To add a command: write scripts/cli/commands/<name>.ts and add it below (the order is --help's).
 */
import type { Command } from 'commander';
import * as automate from './automate';
import * as backfill from './backfill';
import * as checks from './checks';
import * as contracts from './contracts';
import * as graph from './graph';
import * as list from './list';
import * as materialize from './materialize';
import * as plan from './plan';
import * as runOne from './run';
import * as runs from './runs';
import * as serve from './serve';
import * as show from './show';
import * as source from './source';
import * as status from './status';
import * as stream from './stream';
import * as ui from './ui';
import * as validate from './validate';
import * as wipe from './wipe';

const COMMANDS: readonly { register(program: Command): void }[] = [
  // The graph
  list,
  show,
  graph,
  validate,
  // Running it
  plan,
  materialize,
  backfill,
  automate,
  status,
  checks,
  runs,
  runOne,
  wipe,
  // Data contracts and the local source
  contracts,
  source,
  // Streaming and serving
  stream,
  serve,
  // In a browser
  ui,
];

export function registerCommands(program: Command): void {
  for (const c of COMMANDS) c.register(program);
}
