/**
 * `npm run -s infra:plan -- --stack dev [--graph MODULE] [--json]`: the stack as `pulumi preview
 * --policy-pack` would show it, without an AWS account or the Pulumi CLI. Runs the Pulumi program
 * under mocks with Pulumi.<stack>.yaml and the graph its `headwater:graph` names (or `--graph`),
 * prints the resource tree and the policy results. Exit 1 on violations.
 *
 * This script loads infra/ (and so Pulumi) on purpose: it is the infra preview, not the
 * `assets` CLI, which must never load Pulumi.
 */
import { mocks } from '../infra/synth/install-mocks';
import { ConfigError, loadConfig } from '../infra/config';
import { loadGraphModule } from '../infra/graph-module';
import { readStackFile } from '../infra/stack-files';
import { plan, renderTree } from '../infra/synth/plan';
import { parseStackArgs, withGraphOverride } from './infra-args';

async function main(): Promise<number> {
  const t0 = performance.now();
  const args = parseStackArgs('infra:plan', process.argv.slice(2));
  const { stack, json } = args;
  const file = readStackFile(stack);
  const cfg = loadConfig(stack, file.region, withGraphOverride(file.source, args.graph));
  const report = await plan(mocks, loadGraphModule(cfg.graph), cfg);
  const totalMs = Math.round(performance.now() - t0);
  if (json) {
    console.log(JSON.stringify({ ...report, totalMs }));
  } else {
    for (const line of renderTree(report.tree)) console.log(line);
    console.log('');
    console.log(`resources by type (${report.resources} resources, ${report.components} components, ${report.assets} assets of ${cfg.graph}):`);
    for (const [type, n] of Object.entries(report.byType)) console.log(`  ${String(n).padStart(4)}  ${type}`);
    console.log('');
    console.log('policies:');
    for (const p of report.policies) console.log(`  ${p.passed ? 'pass' : 'FAIL'}  ${p.policy}`);
    for (const v of report.violationDetails) console.log(`  violation [${v.policy}] ${v.type} ${v.name}: ${v.message}`);
    console.log(`\nviolations: ${report.violations}  synth ${report.synthMs} ms, policies ${report.policyMs} ms, total ${totalMs} ms (mocks: nothing was deployed)`);
  }
  return report.violations ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e instanceof ConfigError || e instanceof Error ? `infra:plan: ${e.message}` : e);
    process.exit(2);
  },
);
