import type { Command } from 'commander';
import {
  PlanError,
  describeRequest,
  partitionKey,
  plan,
  planRuns,
  runPartitionKeys,
  type AssetGraph,
  type IntervalSet,
  type Plan,
} from '../../../assets/core';
import { loadGraph, type GlobalOptions } from '../context';
import { UserError } from '../errors';
import { color, printJson, table } from '../output';
import { partitionRequest, refuseIgnoredPartitionFlags, type PartitionFlags } from '../partition-flags';
import { selectOrExplain } from '../selection';
import { addGraphExamples } from '../graph-examples';

/** Runs listed in full before the listing is cut (a backfill can have millions). */
const MAX_LISTED_RUNS = 10_000;

function describeRange(graph: AssetGraph, key: string, set: IntervalSet | undefined): string {
  if (!set) return '(unpartitioned)';
  const def = graph.get(key).partitions!;
  return set.ranges.map(([lo, hi]) => (hi - lo === 1 ? partitionKey(def, lo) : `${partitionKey(def, lo)}..${partitionKey(def, hi - 1)}`)).join(', ');
}

/** The plan as JSON-ready data: steps with their ranges and upstream reads, then runs (capped). */
export function planToJson(graph: AssetGraph, p: Plan) {
  const runs: unknown[] = [];
  let truncated = false;
  for (const run of planRuns(p)) {
    if (runs.length >= MAX_LISTED_RUNS) {
      truncated = true;
      break;
    }
    const keys = runPartitionKeys(graph, run);
    runs.push({ id: run.id, key: run.step.key, partitions: keys === null ? null : keys.length > 2 ? { from: keys[0], to: keys[keys.length - 1], count: keys.length } : keys });
  }
  return {
    request: p.request,
    assetPartitions: p.assetPartitions,
    runCount: p.runCount,
    steps: p.steps.map((s) => ({
      index: s.index,
      key: s.key,
      partitions: describeRange(graph, s.key, s.partitions),
      partitionCount: s.partitions?.size ?? null,
      policy: s.policy,
      runCount: s.runCount,
      upstream: s.upstream.map((u) => ({ key: u.key, partitions: describeRange(graph, u.key, u.partitions), inPlan: u.inPlan })),
    })),
    excluded: p.excluded,
    notes: p.notes,
    runs,
    runsTruncated: truncated,
  };
}

export function register(program: Command): void {
  const cmd = program
    .command('plan')
    .description('show the runs and steps that materializing a selection would execute (runs nothing)')
    .argument('<selection>', "selection expression, e.g. '+zone/name'")
    .option('--partition <key>', 'one partition, e.g. 2026-11-21 or 2026-11-21T05:00')
    .option('--from <start>', 'first partition or date of a range (inclusive)')
    .option('--to <end>', 'last partition or date of a range (inclusive: 2026-11-21 includes its 24 hours)')
    .option('--all-partitions', 'every partition that exists')
    .option('--json', 'print JSON')
    .action((selection: string, opts: PartitionFlags & { allPartitions?: boolean; json?: boolean }, cmd: Command) => {
      const graph = loadGraph(cmd.optsWithGlobals<GlobalOptions>().graph);
      const keys = selectOrExplain(graph, selection);
      const request = partitionRequest({ ...opts, all: opts.allPartitions });
      let p: Plan;
      try {
        p = plan(graph, keys, request, Date.now());
        refuseIgnoredPartitionFlags(graph, p, request, 'plan');
      } catch (e) {
        if (e instanceof PlanError) throw new UserError(e.message);
        throw e;
      }
      if (opts.json) return printJson(planToJson(graph, p));
      console.log(
        `${color.bold('plan')} ${selection} (${describeRequest(request)}): ${p.steps.length} step${p.steps.length === 1 ? '' : 's'}, ` +
          `${p.runCount} run${p.runCount === 1 ? '' : 's'}, ${p.assetPartitions} asset-partition${p.assetPartitions === 1 ? '' : 's'}`,
      );
      if (p.steps.length) {
        console.log(
          table(
            ['#', 'ASSET', 'PARTITIONS', 'RUNS', 'READS'],
            p.steps.map((s) => [
              String(s.index + 1),
              s.key,
              describeRange(graph, s.key, s.partitions),
              `${s.runCount} (${s.policy.type === 'per_partition' ? 'one per partition' : `single run${s.policy.maxPartitionsPerRun ? ` of <= ${s.policy.maxPartitionsPerRun}` : ''}`})`,
              s.upstream.map((u) => `${u.key}${u.partitions ? ` [${describeRange(graph, u.key, u.partitions)}]` : ''}${u.inPlan ? '' : color.dim(' (existing)')}`).join('; ') || '-',
            ]),
          ),
        );
      }
      for (const x of p.excluded) console.log(color.dim(`not planned: ${x.key}: ${x.reason}`));
      for (const n of p.notes) console.log(color.yellow(`note: ${n}`));
    });
  addGraphExamples(program, cmd, (ex) => [`plan '+${ex.key}'`, ...(ex.partitioned ? [`plan '${ex.partitioned.key}+' --from ${ex.partitioned.from} --to ${ex.partitioned.to} --json`] : [])]);
}
