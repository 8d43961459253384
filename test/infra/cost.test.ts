/** `infra:cost`: the synthesized stacks priced from the dated price table, every resource priced or named free. */
import { synth } from './mock-runtime';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { expect } from 'chai';
import graph from '../../assets';
import { assetsByResource, estimateCost, UnknownRegionError } from '../../infra/cost/estimate';
import { PRICE_TABLE } from '../../infra/cost/price-table';
import { slug } from '../../infra/lake-layout';
import type { RecordedResource } from '../../infra/synth/mocks';

const root = path.resolve(__dirname, '..', '..');
const owners = async (stack: 'dev' | 'prod') => {
  const s = await synth(stack);
  const bySlug = new Map(graph.keys.map((k) => [slug(k), k]));
  return { s, owners: assetsByResource(s.root, (n) => bySlug.get(n)) };
};

describe('infra cost estimate', function () {
  // A cold synthesis of a stack takes seconds, more on a loaded machine.
  this.timeout(120_000);
  it('prices the dev stack at or under $80 a month idle, every resource priced or named free', async () => {
    const { s, owners: o } = await owners('dev');
    const r = estimateCost('dev', 'eu-west-1', s.resources, o);
    expect(r.unpriced).to.deep.equal([]);
    expect(r.priced).to.equal(r.resourceCount);
    expect(r.idleMonthlyUsd).to.be.at.most(80);
    // The expensive shapes are gone: no NAT, no Serverless OCUs, no on-demand stream, no provisioned concurrency.
    const types = r.resources.map((l) => l.type);
    expect(types).to.not.include.members(['awsx:ec2:Vpc', 'aws:opensearch/serverlessCollection:ServerlessCollection', 'aws:lambda/provisionedConcurrencyConfig:ProvisionedConcurrencyConfig']);
    expect(r.resources.find((l) => l.type === 'aws:opensearch/domain:Domain')!.basis).to.include('1 x t3.small.search');
    expect(r.free.find((f) => f.type === 'awsx:ec2:Vpc')!.reason).to.include('no NAT gateway');
    // Sum of the lines, and of the assets, is the total.
    const sum = (xs: number[]) => Math.round(xs.reduce((a, b) => a + b, 0) * 100) / 100;
    expect(sum(r.resources.map((l) => l.monthlyUsd))).to.be.closeTo(r.idleMonthlyUsd, 0.01);
    expect(sum(Object.values(r.byAsset))).to.be.closeTo(r.idleMonthlyUsd, 0.05);
  });

  it('prices prod line by line: the domain with its masters, provisioned concurrency on the API, four shards', async () => {
    const { s, owners: o } = await owners('prod');
    const r = estimateCost('prod', 'eu-west-1', s.resources, o);
    expect(r.unpriced).to.deep.equal([]);
    const domain = r.resources.find((l) => l.type === 'aws:opensearch/domain:Domain')!;
    expect(domain.basis).to.include('3 x r7g.large.search').and.include('3 x m7g.large.search dedicated master').and.include('600 GB-month');
    const pc = r.resources.find((l) => l.type.endsWith('ProvisionedConcurrencyConfig'))!;
    expect(pc).to.deep.include({ asset: 'serving/recommender_api', monthlyUsd: 87.6 });
    expect(r.resources.find((l) => l.type === 'aws:kinesis/stream:Stream')!.basis).to.include('4 shard(s)');
    expect(r.variable.find((v) => v.name === 'raw-ratings-job' && v.per.startsWith('hour of a run'))).to.deep.include({ usd: 1.76 });
  });

  it('reports a resource type it cannot price instead of leaving it out of the total', () => {
    const odd: RecordedResource = { type: 'aws:rds/instance:Instance', name: 'db', urn: 'u', inputs: {}, state: {}, custom: true };
    expect(estimateCost('x', 'eu-west-1', [odd]).unpriced).to.deep.equal([{ type: 'aws:rds/instance:Instance', name: 'db' }]);
  });

  it('refuses a region the table does not cover, naming the file to extend', () => {
    expect(() => estimateCost('x', 'ap-south-2', [])).to.throw(UnknownRegionError, /no prices for region 'ap-south-2' in infra\/cost\/price-table.ts/);
  });

  it('dates every region and names a source for every price', () => {
    for (const [region, prices] of Object.entries(PRICE_TABLE)) {
      expect(prices.asOf, region).to.match(/^\d{4}-\d{2}-\d{2}$/);
      for (const [item, p] of [...Object.entries(prices.items), ...Object.entries(prices.opensearchInstanceHour)]) {
        expect(p.source, `${region} ${item}`).to.match(/^https:\/\/aws\.amazon\.com\//);
        expect(p.usd, `${region} ${item}`).to.be.greaterThan(0);
      }
    }
  });

  it('prints the JSON the issue asks for from `npm run -s infra:cost -- --stack dev --json`, and a clear error for an unknown stack', function () {
    this.timeout(120_000);
    const out = execFileSync('npx', ['tsx', 'scripts/infra-cost.ts', '--stack', 'dev', '--json'], { cwd: root, encoding: 'utf8' });
    const r = JSON.parse(out.trim().split('\n').pop()!) as Record<string, unknown>;
    expect(r).to.include.keys('stack', 'region', 'idleMonthlyUsd', 'resources', 'priced', 'unpriced');
    expect(r).to.include({ stack: 'dev', region: 'eu-west-1' });
    let error: { status?: number; stderr?: string } = {};
    try {
      execFileSync('npx', ['tsx', 'scripts/infra-cost.ts', '--stack', 'nope'], { cwd: root, encoding: 'utf8', stdio: 'pipe' });
    } catch (e) {
      error = e as typeof error;
    }
    expect(error.status).to.equal(2);
    expect(error.stderr).to.match(/^infra:cost: no stack file .*Pulumi\.nope\.yaml; known stacks: dev, prod/);
    expect(error.stderr).to.not.match(/\n\s+at /);
  });
});
