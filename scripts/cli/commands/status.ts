import type { Command } from 'commander';
import { loadGraph, type GlobalOptions } from '../context';
import { color, printJson, table } from '../output';
import { assetStatuses, type AssetStatus } from '../run/asset-status';
import { automationStatus, describeAutomationStatus } from '../run/automation-status';
import { withRunLog } from '../run/environment';
import { selectOrExplain } from '../selection';

const ago = (iso: string, nowMs: number) => {
  const min = Math.round((nowMs - Date.parse(iso)) / 60_000);
  return min < 60 ? `${min}m ago` : min < 48 * 60 ? `${Math.round(min / 60)}h ago` : `${Math.round(min / 1440)}d ago`;
};

function stateText(s: AssetStatus): string {
  if (s.state === 'fresh') return color.green('fresh');
  if (s.state === 'stale') return color.yellow(`stale${s.partitions ? ` (${s.stalePartitions})` : ''}`);
  if (s.state === 'missing') return color.red('missing');
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
      const { statuses, automation, runLog } = await withRunLog(g.env, g.graph, async (env) => ({
        statuses: assetStatuses(graph, keys, await env.runLog.snapshot(), (p) => env.readCode(p), nowMs),
        automation: await automationStatus(graph, env.runLog, nowMs),
        // The size report: how much history there is, so retention (`assets runs prune`) is a decision, not a surprise.
        runLog: opts.json ? await env.runLog.stats() : undefined,
      }));
      if (opts.json) return printJson({ env: g.env, at: new Date(nowMs).toISOString(), assets: statuses, automation, runLog });
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
      for (const s of statuses.filter((x) => x.freshness?.violated)) {
        console.log(color.red(`${s.key}: freshness violated: ${s.freshness!.lagMinutes === null ? 'never materialized' : `data is ${s.freshness!.lagMinutes} minutes old`}, the policy allows ${s.freshness!.maxLagMinutes}`));
      }
      for (const s of statuses) for (const c of s.checks.filter((x) => !x.passed)) console.log(`${(c.blocking ? color.red : color.yellow)(`${s.key} ${c.check}`)}${c.partition ? ` [${c.partition}]` : ''}: ${c.message}`);
      for (const line of describeAutomationStatus(automation, nowMs)) console.log(line);
    });
}
