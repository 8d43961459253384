import type { Command } from 'commander';
import { loadGraph, type GlobalOptions } from '../context';
import { color, printJson, table } from '../output';
import { assetStatuses, type AssetStatus } from '../run/asset-status';
import { automationStatus, describeAutomationStatus } from '../run/automation-status';
import { withRunLog } from '../run/environment';
import { selectOrExplain } from '../selection';
import type { AssetGraph } from '../../../assets/core';
import { pendingErasures, type PendingErasures } from '../../../jobs/erasure/pending';
import { describePending } from '../run/erasure-status';

/** What a deployed stack's environment adds to `status`: its alarms (jobs/aws/alarm-status.ts). */
interface AlarmReport {
  readonly firing: readonly { readonly name: string; readonly asset: string; readonly description: string; readonly since?: string }[];
  readonly total: number;
  readonly deliveryProblem?: string;
  /** Set when the alarms could not be read (e.g. no cloudwatch:DescribeAlarms): status still shows the assets. */
  readonly error?: string;
}
const alarmsOf = (env: object): (() => Promise<AlarmReport>) | undefined => {
  const fn = (env as { alarms?: () => Promise<AlarmReport> }).alarms;
  return typeof fn === 'function' ? () => fn.call(env) : undefined;
};
/** A deployed stack's pending erasures, from its deletion register (jobs/aws/erasure-pending.ts). */
type StackPending = (graph: AssetGraph, nowMs: number) => Promise<PendingErasures | undefined>;
const stackPendingOf = (env: object): StackPending | undefined => {
  const fn = (env as { pendingErasures?: StackPending }).pendingErasures;
  return typeof fn === 'function' ? (graph, nowMs) => fn.call(env, graph, nowMs) : undefined;
};

const ago = (iso: string, nowMs: number) => {
  const min = Math.round((nowMs - Date.parse(iso)) / 60_000);
  return min < 60 ? `${min}m ago` : min < 48 * 60 ? `${Math.round(min / 60)}h ago` : `${Math.round(min / 1440)}d ago`;
};

function stateText(s: AssetStatus): string {
  if (s.state === 'fresh') return color.green('fresh');
  if (s.state === 'stale') return color.yellow(`stale${s.partitions ? ` (${s.stalePartitions})` : ''}`);
  // The count is of damaged partitions: an unpartitioned asset has none to count.
  if (s.state === 'missing') return color.red(s.damaged.length && s.partitions ? `missing (${s.damaged.length})` : 'missing');
  if (s.state === 'modified') return color.red(s.partitions ? `modified (${s.damaged.length})` : 'modified');
  if (s.state === 'late') return color.red('late');
  return color.dim(s.state);
}

export function register(program: Command): void {
  program
    .command('status')
    .description('per asset: last materialization, partitions done, stale or fresh (and why), freshness, last checks')
    .argument('[selection]', 'assets to show (default: all)')
    .option('--json', 'print JSON')
    .action(async (selection: string | undefined, opts: { json?: boolean }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const graph = loadGraph(g.graph);
      const keys = selectOrExplain(graph, selection);
      const nowMs = Date.now();
      const { statuses, automation, alarms, runLog, stackErasure } = await withRunLog(g.env, g.graph, async (env) => ({
        statuses: assetStatuses(graph, keys, await env.runLog.snapshot(), (p) => env.readCode(p), nowMs, env.verifyFiles?.bind(env)),
        automation: await automationStatus(graph, env.runLog, nowMs),
        alarms: await alarmsOf(env)?.().catch((e: unknown): AlarmReport => ({ firing: [], total: 0, error: `could not read the stack's alarms: ${(e as Error).message}` })),
        // The size report: how much history there is, so retention (`assets runs prune`) is a decision, not a surprise.
        runLog: opts.json ? await env.runLog.stats() : undefined,
        stackErasure: await stackPendingOf(env)?.(graph, nowMs).catch((e: unknown) => ({ error: `could not read the stack's deletion register: ${(e as Error).message}` })),
      }));
      // Erasures whose subjects a source still holds (the deletion register's last check).
      const erasure = g.env === 'local' ? pendingErasures(graph, nowMs) : stackErasure && !('error' in stackErasure) ? stackErasure : undefined;
      const erasureError = stackErasure && 'error' in stackErasure ? stackErasure.error : undefined;
      if (opts.json) return printJson({ env: g.env, at: new Date(nowMs).toISOString(), assets: statuses, automation, runLog, ...(alarms ? { alarms } : {}), ...(erasure ? { erasure } : erasureError ? { erasure: { error: erasureError } } : {}) });
      const rows = statuses.map((s) => [
        s.key,
        stateText(s),
        s.lastMaterialization ? `${ago(s.lastMaterialization.at, nowMs)}${s.lastMaterialization.partition ? ` [${s.lastMaterialization.partition}]` : ''}` : color.dim('-'),
        s.partitions ? `${s.partitions.done}/${s.partitions.total}` : color.dim('-'),
        s.freshness ? (s.freshness.violated ? color.red(`late: ${s.freshness.lagMinutes ?? 'never'}${s.freshness.lagMinutes === null ? '' : 'm'} > ${s.freshness.maxLagMinutes}m`) : color.green(`${s.freshness.lagMinutes}m <= ${s.freshness.maxLagMinutes}m`)) : color.dim('-'),
        s.checks.length ? s.checks.map((c) => (c.passed ? color.green(`${c.check} ok`) : (c.blocking ? color.red : color.yellow)(`${c.check} FAILED`))).join(', ') : color.dim('-'),
      ]);
      console.log(table(['ASSET', 'STATE', 'LAST MATERIALIZED', 'PARTITIONS', 'FRESHNESS', 'CHECKS'], rows));
      const why = statuses.filter((s) => s.state === 'stale' || (s.state === 'observed' && s.causes.length));
      for (const s of why.filter((x) => x.state === 'stale')) console.log(`${color.yellow(s.key)}: ${s.causes.join('; ')}`);
      for (const s of statuses.filter((x) => x.category === 'source' && x.state === 'missing')) console.log(color.red(`${s.key}: ${s.causes.join('; ')}; restore it, or agree a new contract with its consumers`));
      for (const s of statuses.filter((x) => x.damaged.length)) {
        console.log(color.red(`${s.key}: ${s.partitions ? `${s.damaged.length} partition(s) ${s.state}` : s.state}: ${s.causes.join('; ')}; rebuild with \`assets verify ${s.key} --repair\``));
      }
      for (const s of statuses.filter((x) => x.freshness?.violated)) {
        console.log(color.red(`${s.key}: freshness violated: ${s.freshness!.lagMinutes === null ? 'never materialized' : `data is ${s.freshness!.lagMinutes} minutes old`}, the policy allows ${s.freshness!.maxLagMinutes}`));
      }
      for (const s of statuses) for (const c of s.checks.filter((x) => !x.passed)) console.log(`${(c.blocking ? color.red : color.yellow)(`${s.key} ${c.check}`)}${c.partition ? ` [${c.partition}]` : ''}: ${c.message}`);
      for (const line of describeAutomationStatus(automation, nowMs)) console.log(line);
      if (erasure) console.log(describePending(erasure, g.env !== 'local'));
      if (erasureError) console.log(color.yellow(`warning: ${erasureError}`));
      if (alarms?.error) console.log(color.yellow(`warning: ${alarms.error}`));
      else if (alarms) {
        if (alarms.firing.length) {
          console.log(color.red(`${alarms.firing.length} of ${alarms.total} alarm(s) in ALARM:`));
          for (const a of alarms.firing) console.log(`  ${color.red(a.name)} [${a.asset}]${a.since ? ` since ${ago(a.since, nowMs)}` : ''}: ${a.description}`);
        } else console.log(color.green(`no alarm in ALARM (${alarms.total} alarm(s))`));
        if (alarms.deliveryProblem) console.log(color.yellow(`warning: ${alarms.deliveryProblem}`));
      }
    });
}
