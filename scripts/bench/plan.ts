/**
 * bench:plan — how fast the planner and the graph are at scale.
 * planMs: a backfill plan of a generated layered graph of 1,000 hourly assets (about 3 deps each)
 * over 10,000 hourly partitions: 10 million asset-partitions. validateMs and selectMs: defineGraph
 * and a `+key+` selection on a generated graph of 10,000 assets.
 * Usage: npm run -s bench:plan -- [--json] [--assets 1000] [--partitions 10000] [--graph-assets 10000]
 */
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { defineGraph, hourlyPartitions, partitionKey, plan, planRuns, runPartitionKeys, selectAssets } from '../../assets/core';
import { REFERENCE_KINDS } from '../../assets/kinds';
import { generateLayeredAssets } from './generated-graph';

const { values } = parseArgs({
  options: {
    json: { type: 'boolean', default: false },
    assets: { type: 'string', default: '1000' },
    partitions: { type: 'string', default: '10000' },
    'graph-assets': { type: 'string', default: '10000' },
    repeat: { type: 'string', default: '5' },
  },
});
const nAssets = Number(values.assets);
const nPartitions = Number(values.partitions);
const nGraph = Number(values['graph-assets']);
const repeat = Math.max(1, Number(values.repeat));

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const time = <T>(f: () => T): [T, number] => {
  const t0 = performance.now();
  const r = f();
  return [r, performance.now() - t0];
};

// 1. Backfill plan: 1,000 hourly assets x 10,000 hours. A fixed "now" just after the range keeps runs comparable.
const partitions = hourlyPartitions({ start: '2025-01-01T00:00' });
const nowMs = partitions.startMs + nPartitions * 3_600_000;
// Glue SQL (single runs of up to 168 hours) and vector-index (one run per partition): both policies at scale.
const planAssets = generateLayeredAssets({ assets: nAssets, partitions, kinds: ['glue-sql', 'glue-sql', 'vector-index'] });
const planGraph = defineGraph(planAssets, { kinds: REFERENCE_KINDS });
const request = { type: 'range', from: partitionKey(partitions, 0), to: partitionKey(partitions, nPartitions - 1) } as const;
const planTimes: number[] = [];
let result = plan(planGraph, planGraph.keys, request, nowMs);
for (let i = 0; i < repeat; i++) {
  const [r, ms] = time(() => plan(planGraph, planGraph.keys, request, nowMs));
  result = r;
  planTimes.push(ms);
}
// Enumerating every run with its first and last partition key: what an executor does lazily as it goes.
const [runsSeen, enumerateMs] = time(() => {
  let n = 0;
  for (const run of planRuns(result)) {
    if (run.range) {
      const def = planGraph.get(run.step.key).partitions!;
      partitionKey(def, run.range[0]);
      partitionKey(def, run.range[1] - 1);
    }
    n++;
  }
  return n;
});
// Sanity: the plan covers every asset-partition and the lazily built keys are right.
if (result.assetPartitions !== nAssets * nPartitions) throw new Error(`plan covers ${result.assetPartitions} asset-partitions, expected ${nAssets * nPartitions}`);
if (runsSeen !== result.runCount) throw new Error(`enumerated ${runsSeen} runs, plan says ${result.runCount}`);
const firstRun = planRuns(result).next().value!;
const firstKeys = runPartitionKeys(planGraph, firstRun)!;

// 2. Validation and selection on 10,000 assets.
const bigAssets = generateLayeredAssets({ assets: nGraph, seed: 7 });
const validateTimes: number[] = [];
let bigGraph = defineGraph(bigAssets);
for (let i = 0; i < repeat; i++) {
  const [g, ms] = time(() => defineGraph(bigAssets));
  bigGraph = g;
  validateTimes.push(ms);
}
const middle = bigGraph.keys[Math.floor(bigGraph.keys.length / 2)];
const selectTimes: number[] = [];
let selected: string[] = [];
for (let i = 0; i < repeat; i++) {
  const [s, ms] = time(() => selectAssets(bigGraph, `+${middle}+`));
  selected = s;
  selectTimes.push(ms);
}

const out = {
  assets: nAssets,
  partitions: nPartitions,
  assetPartitions: result.assetPartitions,
  runs: result.runCount,
  planMs: Number(median(planTimes).toFixed(2)),
  enumerateRunsMs: Number(enumerateMs.toFixed(1)),
  graphAssets: nGraph,
  graphEdges: bigGraph.dag.size,
  validateMs: Number(median(validateTimes).toFixed(1)),
  selectMs: Number(median(selectTimes).toFixed(2)),
  selected: selected.length,
  peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
  repeat,
};
console.log(`plan: ${out.assets} assets x ${out.partitions} hourly partitions = ${out.assetPartitions.toLocaleString('en-US')} asset-partitions in ${out.runs.toLocaleString('en-US')} runs: ${out.planMs} ms (median of ${repeat}); enumerating every run: ${out.enumerateRunsMs} ms`);
console.log(`  first run: ${firstRun.step.key} ${firstKeys[0]}..${firstKeys[firstKeys.length - 1]} (${firstKeys.length} partitions)`);
console.log(`validate: defineGraph of ${nGraph} assets, ${out.graphEdges} edges: ${out.validateMs} ms; select +${middle}+: ${out.selected} assets in ${out.selectMs} ms`);
console.log(`peak RSS: ${out.peakRssMb} MB`);
if (values.json) console.log(JSON.stringify(out));
