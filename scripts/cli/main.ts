#!/usr/bin/env node
/**
 * The `assets` CLI: `npx assets <command> [options]` or `npm run -s assets -- <command> [options]`
 * (compiled by `npm run build` to dist/scripts/cli/main.js, the package's `bin`).
 * Exit codes: 0 ok, 1 a run failed, 2 bad input. A user mistake prints one message, never a stack.
 */
import '../aws-sdk-node-warning';
import { Command, CommanderError, Option } from 'commander';
import { registerCommands } from './commands';
import { GRAPH_VARIABLE, setGraphOrigin } from './graph-variable';
import { EXIT, UserError } from './errors';
import type * as InternalError from './internal-error';
import { color } from './output';

/** Loaded when an error happens, not at every start (it pulls in crypto, os and the state paths). */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const internalError = (): typeof InternalError => require('./internal-error');

/** The program with every command registered; only the one `argv` runs is loaded in full. */
export function buildProgram(argv: readonly string[] = []): Command {
  const program = new Command('assets')
    .description('Operate the Headwater asset graph: list, plan, materialize, backfill, status, contracts.')
    .addOption(new Option('--graph <module>', 'load this graph module (.ts or .js, default export defineGraph(...)) instead of the reference graph').env(GRAPH_VARIABLE))
    .option('--env <env>', "'local' (embedded, no AWS) or a deployed stack name such as 'dev'", 'local')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({ outputError: (str, write) => write(color.red(str)) });
  // Errors about the graph module name where it came from: the flag, or the environment variable.
  program.hook('preAction', () => setGraphOrigin(program.getOptionValueSource('graph') === 'env' ? 'variable' : 'flag'));
  registerCommands(program, argv);
  // Subcommands (and theirs) inherit the overrides so their parse errors also exit 2 instead of calling process.exit.
  const inherit = (cmd: Command): void => {
    for (const sub of cmd.commands) inherit(sub.exitOverride().showHelpAfterError('(run with --help for usage)'));
  };
  inherit(program);
  return program;
}

/** Runs the CLI and resolves to the exit code (tests call this in-process). */
export async function run(argv: readonly string[]): Promise<number> {
  // Commands report "a run failed" through process.exitCode; start clean so one in-process run
  // (tests, the demo) never inherits the code of the one before.
  process.exitCode = undefined;
  try {
    const program = buildProgram(argv);
    await program.parseAsync([...argv], { from: 'user' });
    return (process.exitCode as number | undefined) ?? EXIT.ok;
  } catch (e) {
    if (e instanceof CommanderError) {
      // Help and version are not errors; commander already printed the parse error itself.
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.help' || e.code === 'commander.version') return EXIT.ok;
      return EXIT.badInput;
    }
    // The one place a person's mistake becomes a message: what, where, how to fix; no stack.
    const { fileSystemError, firstLine, logInternalError } = internalError();
    const user = e instanceof UserError ? e : fileSystemError(e);
    if (user) {
      process.stderr.write(color.red(`error: ${user.message}`) + '\n');
      return user.exitCode;
    }
    // A bug in Headwater: a short id on the screen, the stack in a log file to attach to a report.
    const { id, file } = logInternalError(e, argv);
    process.stderr.write(color.red(`internal error ${id}: ${firstLine(e)}`) + '\n' + `the details are in ${file}; please report it with that file\n`);
    return EXIT.runFailed;
  }
}

if (require.main === module) {
  run(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e) => {
      process.stderr.write(String(e) + '\n');
      process.exitCode = EXIT.runFailed;
    },
  );
}
