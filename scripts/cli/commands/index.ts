/**
 * Every `assets` command, one module each. A module exports `register(program)`.
 * To add a command: write scripts/cli/commands/<name>.ts and add one line below.
 */
import type { Command } from 'commander';
import * as graph from './graph';
import * as list from './list';
import * as plan from './plan';
import * as serve from './serve';
import * as show from './show';
import * as stream from './stream';
import * as validate from './validate';
import * as materialize from './materialize';
import * as backfill from './backfill';
import * as status from './status';
import * as runs from './runs';
import * as runOne from './run';
import * as wipe from './wipe';
import * as source from './source';
import * as contracts from './contracts';

const COMMANDS: readonly { register(program: Command): void }[] = [list, show, graph, validate, plan, serve, stream, materialize, backfill, status, runs, runOne, wipe, source, contracts];

export function registerCommands(program: Command): void {
  for (const c of COMMANDS) c.register(program);
}
