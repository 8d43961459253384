/**
 * The arguments `infra:plan` and `infra:cost` share: `--stack <name>` (default dev), `--graph
 * <module>` (the graph to provision instead of the stack's `headwater:graph`) and `--json`.
 * A wrong argument is the user's to fix: `InfraUsageError`, printed as one line.
 */
import type { ConfigSource } from '../infra/config';

/** A command-line mistake: the script prints its message and exits 2. */
export class InfraUsageError extends Error {
  override name = 'InfraUsageError';
}

export interface StackArgs {
  readonly stack: string;
  readonly json: boolean;
  /** The graph module given with `--graph`, overriding the stack's `headwater:graph`. */
  readonly graph?: string;
}

/** Parses `--stack <name>`, `--graph <module>` (each also as `--flag=value`) and `--json`; `command` names the script in the usage line. */
export function parseStackArgs(command: string, argv: readonly string[]): StackArgs {
  let stack = 'dev';
  let json = false;
  let graph: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].startsWith('--') && argv[i].includes('=') ? [argv[i].slice(0, argv[i].indexOf('=')), argv[i].slice(argv[i].indexOf('=') + 1)] : [argv[i], undefined];
    if (flag === '--json' && inline === undefined) json = true;
    else if (flag === '--stack') stack = inline ?? argv[++i] ?? '';
    else if (flag === '--graph') {
      graph = inline ?? argv[++i] ?? '';
      if (!graph) throw new InfraUsageError('--graph needs a graph module, e.g. --graph examples/music/graph.ts');
    } else throw new InfraUsageError(`unknown argument '${argv[i]}'; usage: ${command} -- --stack <name> [--graph <module>] [--json]`);
  }
  if (!stack) throw new InfraUsageError('--stack needs a stack name, e.g. --stack dev');
  return { stack, json, ...(graph ? { graph } : {}) };
}

/** The stack file's configuration with `--graph` in place of its `headwater:graph`. */
export function withGraphOverride(source: ConfigSource, graph: string | undefined): ConfigSource {
  return graph === undefined ? source : { get: (key) => (key === 'graph' ? graph : source.get(key)) };
}
