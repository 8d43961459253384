import type { Command } from 'commander';
import { backfillPolicyOf, categoryOf, checkName, describeCondition, describePartitions, isBlocking, type AssetGraph, type PartitionMapping } from '../../../assets/core';
import { loadGraph, requireAsset, type GlobalOptions } from '../context';
import { color, printJson, table } from '../output';
import { addGraphExamples } from '../graph-examples';

const describeMapping = (m: PartitionMapping | undefined): string => {
  if (!m) return 'default';
  if (m.type === 'time_window') return `time window (offsets ${m.startOffset}..${m.endOffset})`;
  if (m.type === 'static') return 'static map';
  return m.type;
};

/** Everything known about one asset, as plain data (also the --json output). */
export function describeAsset(graph: AssetGraph, key: string) {
  const a = graph.get(key);
  const { kind, ...settings } = a.compute as unknown as Record<string, unknown>;
  return {
    key,
    description: a.description ?? null,
    category: categoryOf(a, graph.kinds),
    kind,
    settings,
    backfill: backfillPolicyOf(a, graph.kinds),
    storage: a.storage ?? null,
    partitions: describePartitions(a.partitions),
    deps: a.deps.map((d) => ({ key: d.key, mapping: describeMapping(d.mapping) })),
    dependents: graph.downstream(key),
    contract: a.contract ?? null,
    checks: a.checks.map((c) => ({ name: checkName(c), blocking: isBlocking(c), ...c })),
    freshness: a.freshness ?? null,
    automation: a.automation ? { condition: describeCondition(a.automation), declaration: a.automation } : null,
    owners: a.owners,
    group: a.group ?? null,
    tags: a.tags,
    code: a.code,
  };
}

export function register(program: Command): void {
  const cmd = program
    .command('show')
    .description('show one asset: deps, dependents, partitions, kind, contract, checks')
    .argument('<key>', 'asset key (zone/name), e.g. as `assets list` prints it')
    .option('--json', 'print JSON')
    .action((key: string, opts: { json?: boolean }, cmd: Command) => {
      const graph = loadGraph(cmd.optsWithGlobals<GlobalOptions>().graph);
      requireAsset(graph, key);
      const d = describeAsset(graph, key);
      if (opts.json) return printJson(d);
      const out: string[] = [color.bold(key)];
      if (d.description) out.push(color.dim(d.description));
      out.push('');
      out.push(`kind        ${d.kind} (${d.category})  ${color.dim(JSON.stringify(d.settings))}`);
      out.push(`backfill    ${d.backfill.type}${'maxPartitionsPerRun' in d.backfill && d.backfill.maxPartitionsPerRun ? ` (up to ${d.backfill.maxPartitionsPerRun} partitions a run)` : ''}`);
      out.push(`storage     ${d.storage ? JSON.stringify(d.storage) : 'none'}`);
      out.push(`partitions  ${d.partitions}`);
      out.push(`deps        ${d.deps.length ? d.deps.map((x) => `${x.key} [${x.mapping}]`).join(', ') : '(none)'}`);
      out.push(`dependents  ${d.dependents.length ? d.dependents.join(', ') : '(none)'}`);
      out.push(`owners      ${d.owners.join(', ') || '(none)'}   group ${d.group ?? '(none)'}`);
      if (Object.keys(d.tags).length) out.push(`tags        ${Object.entries(d.tags).map(([k, v]) => `${k}=${v}`).join(', ')}`);
      if (d.freshness) out.push(`freshness   at most ${d.freshness.maxLagMinutes} minutes old`);
      if (d.automation) out.push(`automation  ${d.automation.condition}`);
      if (d.contract) {
        out.push('', color.bold('contract'));
        out.push(
          table(
            ['COLUMN', 'TYPE', 'NULLABLE', 'PII'],
            d.contract.columns.map((c) => [c.name, c.type, c.nullable ? 'yes' : 'no', c.pii ? 'pii' : '']),
          ),
        );
      }
      if (d.checks.length) {
        out.push('', color.bold('checks'));
        for (const c of d.checks) out.push(`  ${c.name}${c.blocking ? '' : color.dim(' (warn only)')}`);
      }
      console.log(out.join('\n'));
    });
  addGraphExamples(program, cmd, (ex) => [`show ${ex.key}`, `show ${ex.key} --json`]);
}
