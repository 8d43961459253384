/**
 * `npm run -s infra:cost -- --stack dev [--graph MODULE] [--json]`: what the stack costs a month while idle and
 * what each unit of work costs, per resource and per asset, from the price table in
 * infra/cost/price-table.ts (dated, per region, sources named). Synthesizes the stack under mocks
 * as `infra:plan` does: no AWS account or Pulumi CLI needed. Exit 1 when a resource is unpriced.
 *
 * Loads infra/ (and so Pulumi) on purpose, like infra:plan; the `assets` CLI never does.
 */
import { mocks } from '../infra/synth/install-mocks';
import { ConfigError, loadConfig } from '../infra/config';
import { GraphModuleError, loadGraphModule } from '../infra/graph-module';
import { assetsByResource, estimateCost, UnknownRegionError, type CostReport } from '../infra/cost/estimate';
import { slug } from '../infra/lake-layout';
import { readStackFile } from '../infra/stack-files';
import { synthesize } from '../infra/synth/synthesize';
import { InfraUsageError, parseStackArgs, withGraphOverride } from './infra-args';

const usd = (x: number) => `$${x.toFixed(2)}`;

function print(r: CostReport): void {
  console.log(`stack ${r.stack} (${r.region}), prices as of ${r.asOf}: idle floor ${usd(r.idleMonthlyUsd)} / month`);
  console.log('\nidle, per resource:');
  for (const l of r.resources) console.log(`  ${usd(l.monthlyUsd).padStart(9)}  ${l.type.split(':').pop()} ${l.name} [${l.asset}]  ${l.basis}${l.checked === 'recalled' ? ' (price recalled, confirm)' : ''}`);
  console.log('\nidle, per asset:');
  for (const [asset, x] of Object.entries(r.byAsset)) console.log(`  ${usd(x).padStart(9)}  ${asset}`);
  console.log('\nper unit of work:');
  for (const v of r.variable) console.log(`  $${v.usd} per ${v.per}  ${v.type.split(':').pop()} ${v.name} [${v.asset}]`);
  console.log(`\n${r.free.length} resources cost nothing idle (e.g. ${[...new Set(r.free.map((f) => f.type.split(':').pop()))].slice(0, 6).join(', ')}, ...; --json lists each with its reason)`);
  console.log(`priced or free: ${r.priced} of ${r.resourceCount}${r.unpriced.length ? `; UNPRICED: ${r.unpriced.map((u) => `${u.type} ${u.name}`).join(', ')}` : ''}`);
}

async function main(): Promise<number> {
  const args = parseStackArgs('infra:cost', process.argv.slice(2));
  const { stack, json } = args;
  const file = readStackFile(stack);
  const cfg = loadConfig(stack, file.region, withGraphOverride(file.source, args.graph));
  const graph = loadGraphModule(cfg.graph);
  const s = await synthesize(mocks, graph, cfg);
  const bySlug = new Map(graph.keys.map((k) => [slug(k), k]));
  const report = estimateCost(stack, cfg.region, s.resources, assetsByResource(s.root, (name) => bySlug.get(name)));
  if (json) console.log(JSON.stringify(report));
  else print(report);
  return report.unpriced.length ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    const known = e instanceof ConfigError || e instanceof InfraUsageError || e instanceof UnknownRegionError || e instanceof GraphModuleError;
    console.error(`infra:cost: ${known || e instanceof Error ? (e as Error).message : String(e)}`);
    process.exit(2);
  },
);
