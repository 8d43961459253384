import type { Command } from 'commander';
import { checkName, isBlocking, type AssetGraph, type CheckEvaluation, type RunLogSnapshot } from '../../../assets/core';
import { loadGraph, type GlobalOptions } from '../context';
import { EXIT } from '../errors';
import { color, printJson, table } from '../output';
import { withRunLog } from '../run/environment';
import { selectOrExplain } from '../selection';

/** One declared check of one asset with its latest evaluation, if any. */
export interface CheckState {
  readonly key: string;
  readonly check: string;
  readonly type: string;
  readonly blocking: boolean;
  readonly last: Pick<CheckEvaluation, 'passed' | 'message' | 'partition' | 'runId' | 'at'> | null;
}

/** Declared checks of `keys` joined with their latest evaluations in the run log. */
export function checkStates(graph: AssetGraph, keys: readonly string[], snap: RunLogSnapshot): CheckState[] {
  return keys.flatMap((key) => {
    const latest = new Map(snap.latestChecks(key).map((e) => [e.check, e]));
    return graph.get(key).checks.map((c) => {
      const e = latest.get(checkName(c));
      return {
        key,
        check: checkName(c),
        type: c.type,
        blocking: isBlocking(c),
        last: e ? { passed: e.passed, message: e.message, partition: e.partition, runId: e.runId, at: e.at } : null,
      };
    });
  });
}

export function register(program: Command): void {
  program
    .command('checks')
    .description('declared checks of the selected assets and their latest results; exit 1 when a blocking check last failed')
    .argument('[selection]', 'assets to show (default: all)')
    .option('--json', 'print JSON')
    .action(async (selection: string | undefined, opts: { json?: boolean }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const graph = loadGraph(g.graph);
      const keys = selectOrExplain(graph, selection);
      const states = await withRunLog(g.env, g.graph, async (env) => checkStates(graph, keys, await env.runLog.snapshot()));
      const failing = states.filter((s) => s.blocking && s.last && !s.last.passed);
      process.exitCode = failing.length ? EXIT.runFailed : EXIT.ok;
      if (opts.json) return printJson({ env: g.env, checks: states, failingBlocking: failing.length });
      if (!states.length) return console.log(color.dim('the selected assets declare no checks'));
      console.log(
        table(
          ['ASSET', 'CHECK', 'BLOCKING', 'LAST RESULT', 'PARTITION', 'MESSAGE'],
          states.map((s) => [
            s.key,
            s.check,
            s.blocking ? 'yes' : 'warn',
            !s.last ? color.dim('never run') : s.last.passed ? color.green('passed') : (s.blocking ? color.red : color.yellow)('FAILED'),
            s.last?.partition ?? '',
            s.last?.message ?? '',
          ]),
        ),
      );
      if (failing.length) console.log(color.red(`${failing.length} blocking check${failing.length === 1 ? '' : 's'} failed on the last run; downstream steps are skipped until ${failing.length === 1 ? 'it passes' : 'they pass'}`));
    });
}
