/**
 * The arguments `infra:plan` and `infra:cost` share: `--stack <name>` (default dev) and `--json`.
 * A wrong argument is the user's to fix: `InfraUsageError`, printed as one line.
 */

/** A command-line mistake: the script prints its message and exits 2. */
export class InfraUsageError extends Error {
  override name = 'InfraUsageError';
}

/** Parses `--stack <name>` / `--stack=<name>` and `--json`; `command` names the script in the usage line. */
export function parseStackArgs(command: string, argv: readonly string[]): { stack: string; json: boolean } {
  let stack = 'dev';
  let json = false;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--json') json = true;
    else if (argv[i] === '--stack') stack = argv[++i] ?? '';
    else if (argv[i].startsWith('--stack=')) stack = argv[i].slice(8);
    else throw new InfraUsageError(`unknown argument '${argv[i]}'; usage: ${command} -- --stack <name> [--json]`);
  }
  if (!stack) throw new InfraUsageError('--stack needs a stack name, e.g. --stack dev');
  return { stack, json };
}
