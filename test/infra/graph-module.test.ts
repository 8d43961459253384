/**
 * One graph entry point for Pulumi: infra/index.ts and the infra scripts provision the graph the
 * stack's `headwater:graph` names (or `--graph`), never a statically imported reference graph.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import referenceGraph from '../../assets';
import { GraphModuleError, loadGraphModule } from '../../infra/graph-module';
import { InfraUsageError, parseStackArgs, withGraphOverride } from '../../scripts/infra-args';

const ROOT = path.resolve(__dirname, '..', '..');
const FIXTURE = 'test/fixtures/graphs/raw-customers.ts';

describe('the graph a stack provisions (headwater:graph)', function () {
  this.timeout(120_000);

  it('loads the module the config names, relative to the project root', () => {
    expect(loadGraphModule('assets/index.ts').keys).to.deep.equal(referenceGraph.keys);
    expect(loadGraphModule(FIXTURE).keys).to.deep.equal(['source/customers', 'raw/customers']);
  });

  it('says which config to change when the module is missing or not a graph', () => {
    expect(() => loadGraphModule('nope/graph.ts')).to.throw(GraphModuleError, /headwater:graph 'nope\/graph.ts': no such file .*pulumi config set headwater:graph/);
    expect(() => loadGraphModule('test/fixtures/graphs/not-a-graph.ts')).to.throw(GraphModuleError, /the default export is not an asset graph/);
    expect(() => loadGraphModule('test/fixtures/graphs/throws.ts')).to.throw(GraphModuleError, /the module failed to load: .*cannot connect to the config service/);
  });

  it('is never the reference graph imported statically by the program or the infra scripts', () => {
    for (const file of ['infra/index.ts', 'scripts/infra-plan.ts', 'scripts/infra-cost.ts']) {
      const text = fs.readFileSync(path.join(ROOT, file), 'utf8');
      expect(text, file).to.not.match(/from '\.\.\/assets(\/index)?'/);
      expect(text, file).to.match(/loadGraphModule\(cfg\.graph\)/);
    }
  });

  it('takes --graph on infra:plan and infra:cost, over the stack file', () => {
    expect(parseStackArgs('infra:plan', ['--stack', 'prod', '--graph', FIXTURE, '--json'])).to.deep.equal({ stack: 'prod', json: true, graph: FIXTURE });
    expect(parseStackArgs('infra:plan', [`--graph=${FIXTURE}`])).to.deep.equal({ stack: 'dev', json: false, graph: FIXTURE });
    expect(() => parseStackArgs('infra:plan', ['--graph'])).to.throw(InfraUsageError, /--graph needs a graph module/);
    const file = { get: (k: string) => ({ graph: 'assets/index.ts', owner: 'team:x' })[k] };
    expect(withGraphOverride(file, FIXTURE).get('graph')).to.equal(FIXTURE);
    expect(withGraphOverride(file, FIXTURE).get('owner')).to.equal('team:x');
    expect(withGraphOverride(file, undefined).get('graph')).to.equal('assets/index.ts');
  });

  it('infra:plan --graph provisions that graph, with no policy violation', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'scripts', 'infra-plan.ts'), '--stack', 'dev', '--graph', FIXTURE, '--json'], { cwd: ROOT, encoding: 'utf8' });
    expect(r.status, r.stderr).to.equal(0);
    const report = JSON.parse(r.stdout.trim().split('\n').pop()!) as { assets: number; violations: number };
    expect(report.assets).to.equal(2);
    expect(report.violations).to.equal(0);
    const bad = spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'scripts', 'infra-plan.ts'), '--graph', 'nope.ts'], { cwd: ROOT, encoding: 'utf8' });
    expect(bad.status).to.equal(2);
    expect(bad.stderr).to.match(/^infra:plan: headwater:graph 'nope.ts': no such file/);
  });
});
