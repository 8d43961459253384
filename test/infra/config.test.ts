/** The stack configuration loader: defaults, the stack files, and errors that say how to fix them. */
import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';
import { load as loadYaml } from 'js-yaml';
import { CONFIG_KEYS, ConfigError, loadConfig } from '../../infra/config';
import { readStackFile, stackFileFrom } from '../../infra/stack-files';

const REQUIRED = {
  'headwater:sourceJdbcUrl': 'jdbc:postgresql://h:5432/db',
  'headwater:sourceSecretArn': 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:x',
};
const load = (config: Record<string, unknown>, region: string | undefined = 'eu-west-1') => {
  const f = stackFileFrom('t', config);
  return loadConfig('t', region, f.source);
};
const problems = (f: () => unknown): readonly string[] => {
  try {
    f();
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  throw new Error('expected a ConfigError');
};

describe('infra config', () => {
  it('reads dev and prod from their stack files', () => {
    const dev = readStackFile('dev');
    const cfg = loadConfig('dev', dev.region, dev.source);
    expect(cfg.search).to.include({ flavour: 'domain', domainInstanceType: 't3.small.search', domainInstanceCount: 1 });
    expect(cfg.vpc).to.deep.include({ mode: 'create', natGateways: 'none', endpointAzCount: 1 });
    expect(cfg.protectData).to.equal(false);
    const prodFile = readStackFile('prod');
    const prod = loadConfig('prod', prodFile.region, prodFile.source);
    expect(prod.search).to.include({ flavour: 'domain', domainInstanceCount: 3, domainVolumeGb: 200, dedicatedMasterType: 'm7g.large.search' });
    expect(prod.vpc).to.deep.equal({ mode: 'stack', stack: 'acme/network/prod' });
    expect(prod).to.include({ protectData: true, budgetMonthlyUsd: 2500 });
  });

  it('fills defaults for what a stack leaves out', () => {
    const cfg = load(REQUIRED);
    expect(cfg.lake).to.deep.equal({ glacierZones: ['raw'], glacierAfterDays: 90, noncurrentVersionDays: 30, abortMultipartDays: 7, forceDestroy: false });
    expect(cfg.vpc).to.deep.equal({ mode: 'create', cidrBlock: '10.20.0.0/16', azCount: 2, natGateways: 'single' });
    expect(cfg.search.flavour).to.equal('serverless');
    expect(cfg).to.include({ protectData: true, budgetMonthlyUsd: 500 });
    expect(cfg.api).to.deep.include({ canaryWeight: 0.1, stableVersion: undefined });
  });

  it('refuses a NAT-less VPC without interface endpoints, a malformed stack reference and a non-numeric stable version', () => {
    const p = problems(() => load({ ...REQUIRED, 'headwater:vpc': { mode: 'create', cidrBlock: '10.0.0.0/16', azCount: 2, natGateways: 'none' }, 'headwater:apiStableVersion': 'latest' }));
    expect(p.join('\n')).to.include("natGateways 'none' needs interfaceEndpoints").and.include('apiStableVersion is \'latest\'');
    expect(problems(() => load({ ...REQUIRED, 'headwater:vpc': { mode: 'stack', stack: 'network' } })).join('\n')).to.include('"org/project/stack"');
  });

  it('lists every problem with the key and the command that fixes it', () => {
    const p = problems(() => load({ 'headwater:lakeGlacierAfterDays': 'soon', 'headwater:searchFlavour': 'domain', 'headwater:vpc': { mode: 'existing', vpcId: 'vpc-1' } }, ''));
    expect(p).to.have.length(6);
    expect(p.join('\n')).to.include('aws:region is not set').and.include('pulumi config set headwater:sourceJdbcUrl').and.include('headwater:lakeGlacierAfterDays is \'soon\'');
    expect(p.join('\n')).to.include('domainMasterUserArn is required').and.include('privateSubnetIds');
  });

  it('refuses provisioned concurrency above reserved', () => {
    expect(problems(() => load({ ...REQUIRED, 'headwater:apiReservedConcurrency': 5, 'headwater:apiProvisionedConcurrency': 10 }))[0]).to.match(/exceeds headwater:apiReservedConcurrency/);
  });

  it('names the known stacks when the file is missing', () => {
    expect(() => readStackFile('staging')).to.throw(/no stack file .*Pulumi\.staging\.yaml; known stacks: dev, prod/);
  });

  it('declares a template and a typed config schema in Pulumi.yaml that agree with the loader', () => {
    const project = loadYaml(fs.readFileSync(path.resolve(__dirname, '..', '..', 'Pulumi.yaml'), 'utf8')) as {
      template: { description: string; config: Record<string, { description: string; default?: string }> };
      config: Record<string, { type: string; description: string; default?: unknown }>;
    };
    // What a fork must set is asked by `pulumi new`.
    expect(project.template.description).to.be.a('string');
    expect(project.template.config).to.include.keys('aws:region', 'headwater:sourceJdbcUrl', 'headwater:sourceSecretArn', 'headwater:alarmEmail');
    const defaults = load(REQUIRED);
    for (const [key, decl] of Object.entries(project.config)) {
      const name = key.replace(/^headwater:/, '');
      expect(CONFIG_KEYS, key).to.have.property(name);
      expect(['string', 'integer', 'boolean', 'array'], key).to.include(decl.type);
      expect(decl.description, key).to.be.a('string');
    }
    // Defaults stated in the schema are the loader's.
    expect(project.config['headwater:logRetentionDays'].default).to.equal(defaults.logRetentionDays);
    expect(project.config['headwater:budgetMonthlyUsd'].default).to.equal(defaults.budgetMonthlyUsd);
    expect(project.config['headwater:protectData'].default).to.equal(defaults.protectData);
    expect(project.config['headwater:searchFlavour'].default).to.equal(defaults.search.flavour);
    expect(project.config['headwater:domainInstanceCount'].default).to.equal(defaults.search.domainInstanceCount);
    expect(project.config['headwater:graph'].default).to.equal(defaults.graph);
  });

  it('names the graph module to provision: the reference by default, a fork\'s own by headwater:graph', () => {
    expect(load(REQUIRED).graph).to.equal('assets/index.ts');
    expect(load({ ...REQUIRED, 'headwater:graph': 'examples/music/graph.ts' }).graph).to.equal('examples/music/graph.ts');
    expect(problems(() => load({ ...REQUIRED, 'headwater:graph': 'examples/music' }))[0]).to.match(/headwater:graph is 'examples\/music', expected a \.ts or \.js module path; set it with `pulumi config set headwater:graph/);
  });
});
