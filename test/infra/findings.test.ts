/**
 * The production review's findings, one test each: security (private search, confused-deputy
 * trusts, operator access, key separation, TLS to the source), reliability (alarms by kind,
 * protection of data stores, lifecycle) and conventions (tags on every child, gradual API deploy,
 * budgets). Each fails on the program as it was before the fix.
 */
import { serverlessConfig, stackConfig, synth } from './mock-runtime';
import { expect } from 'chai';
import graph from '../../assets';
import { faceOf } from '../../assets/core';
import type { RecordedResource } from '../../infra/synth/mocks';
import { MOCK_ACCOUNT } from '../../infra/synth/mocks';
import type { Synthesis } from '../../infra/synth/synthesize';
import { valueOf } from '../../infra/synth/synthesize';
import { KIND_ALARMS } from '../../infra/components/kind-alarms';
import { slug } from '../../infra/lake-layout';
import { DATA_STORE_TYPES } from '../../infra/protection';

type Stmt = { Sid?: string; Effect: string; Action: string | string[]; Resource?: string | string[]; Principal?: Record<string, unknown> | string; Condition?: Record<string, Record<string, unknown>> };
const byType = (s: Synthesis, type: string) => s.resources.filter((r) => r.type === type);
const named = (s: Synthesis, type: string, name: string): RecordedResource => {
  const r = s.resources.find((x) => x.type === type && x.name === name);
  if (!r) throw new Error(`no ${type} named ${name}`);
  return r;
};
const doc = (text: unknown): Stmt[] => (JSON.parse(String(text)) as { Statement: Stmt[] }).Statement;
const rolePolicy = (s: Synthesis, name: string) => doc(named(s, 'aws:iam/rolePolicy:RolePolicy', name).inputs.policy);
const actions = (st: Stmt) => (Array.isArray(st.Action) ? st.Action : [st.Action]);

for (const stack of ['dev', 'prod'] as const) {
  describe(`review findings: ${stack} stack`, () => {
    let s: Synthesis;
    before(async () => {
      s = await synth(stack);
    });

    it('every role trusting an AWS service pins it to this account; Firehose by sts:ExternalId', () => {
      const trusts = byType(s, 'aws:iam/role:Role').flatMap((r) => doc(r.inputs.assumeRolePolicy).map((st) => ({ role: r.name, st })));
      const services = trusts.filter((t) => typeof t.st.Principal === 'object' && 'Service' in t.st.Principal);
      expect(services.length).to.be.greaterThan(8);
      for (const { role, st } of services) {
        const keys = Object.values(st.Condition ?? {}).flatMap((c) => Object.keys(c));
        expect(keys, role).to.include.oneOf(['aws:SourceAccount', 'sts:ExternalId']);
      }
      const firehose = doc(named(s, 'aws:iam/role:Role', 'serving-recommendations-firehose-role').inputs.assumeRolePolicy)[0];
      expect(firehose.Condition).to.deep.equal({ StringEquals: { 'sts:ExternalId': MOCK_ACCOUNT } });
      const emr = doc(named(s, 'aws:iam/role:Role', 'model-recommender-role').inputs.assumeRolePolicy)[0];
      expect(emr.Condition!.ArnLike).to.deep.equal({ 'aws:SourceArn': `arn:aws:emr-serverless:*:${MOCK_ACCOUNT}:/applications/*` });
    });

    it('index loads run in Lambdas assumed by this account\'s Lambda service; the operator may only invoke them', () => {
      const trust = doc(named(s, 'aws:iam/role:Role', 'index-item-embeddings-loader-role').inputs.assumeRolePolicy)[0];
      expect(trust).to.deep.include({ Principal: { Service: 'lambda.amazonaws.com' }, Condition: { StringEquals: { 'aws:SourceAccount': MOCK_ACCOUNT } } });
      const operator = doc(named(s, 'aws:iam/policy:Policy', 'operator-policy').inputs.policy);
      expect(operator.flatMap((st) => actions(st))).to.not.include('sts:AssumeRole');
    });

    it('provisions the operator policy covering what the CLI does, with PassRole exactly on the EMR role, as stack outputs', async () => {
      const policy = doc(named(s, 'aws:iam/policy:Policy', 'operator-policy').inputs.policy);
      const sid = (prefix: string) => policy.filter((st) => st.Sid?.startsWith(prefix));
      expect(sid('Manifest')[0].Resource).to.deep.equal([`arn:aws:ssm:eu-west-1:${MOCK_ACCOUNT}:parameter/headwater/${stack}/manifest`]);
      const pass = sid('EmrPassRole')[0];
      expect(pass.Resource).to.deep.equal([`arn:aws:iam::${MOCK_ACCOUNT}:role/model-recommender-role`]);
      expect(pass.Condition).to.deep.equal({ StringEquals: { 'iam:PassedToService': 'emr-serverless.amazonaws.com' } });
      const glue = sid('GlueRuns')[0];
      expect(glue.Resource).to.have.length(6);
      expect(actions(glue)).to.include.members(['glue:StartJobRun', 'glue:GetJobRun', 'glue:BatchStopJobRun']);
      expect(sid('InvokeIndexLoad')[0].Resource).to.deep.equal(['item', 'user'].map((e) => `arn:aws:lambda:eu-west-1:${MOCK_ACCOUNT}:function:headwater-${stack}-index-${e}-embeddings-loader`));
      expect(actions(sid('RunLog')[0])).to.include.members(['dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:DeleteItem']);
      expect(sid('Alarms')[0].Resource).to.deep.equal([`arn:aws:cloudwatch:eu-west-1:${MOCK_ACCOUNT}:alarm:headwater-${stack}-*`]);
      expect(JSON.stringify(policy).length, 'fits a managed policy (6,144 characters)').to.be.lessThan(6144);
      expect(new Set(policy.map((p) => p.Sid)).size, 'unique Sids').to.equal(policy.length);
      expect(await valueOf(s.platform.operator.role.arn)).to.equal(`arn:aws:iam::${MOCK_ACCOUNT}:role/headwater-${stack}-operator`);
      expect(named(s, 'aws:iam/rolePolicyAttachment:RolePolicyAttachment', 'operator-policy-attachment').inputs.role).to.equal(`headwater-${stack}-operator`);
    });

    it('separates the data key from the logs key; grants go through kms:ViaService; readers never generate data keys', () => {
      const keys = byType(s, 'aws:kms/key:Key');
      expect(keys.map((k) => k.name).sort()).to.deep.equal(['lake-key', 'lake-logs-key']);
      const logs = doc(named(s, 'aws:kms/key:Key', 'lake-logs-key').inputs.policy).find((st) => st.Sid === 'LogsUseKey')!;
      // The statement AWS documents for CloudWatch Logs: all five action families, scoped by the log-group context.
      expect(logs.Action).to.deep.equal(['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*']);
      expect(logs.Condition).to.deep.equal({ ArnLike: { 'kms:EncryptionContext:aws:logs:arn': `arn:aws:logs:eu-west-1:${MOCK_ACCOUNT}:log-group:*` } });
      for (const lg of byType(s, 'aws:cloudwatch/logGroup:LogGroup')) expect(String(lg.inputs.kmsKeyId), lg.name).to.match(/lake-logs-key/);
      const api = rolePolicy(s, 'serving-recommender-api-policy').find((st) => st.Sid === 'LakeKey')!;
      expect(api.Action).to.deep.equal(['kms:Decrypt']);
      expect(api.Condition).to.deep.equal({ StringEquals: { 'kms:ViaService': ['s3.eu-west-1.amazonaws.com'] } });
      expect(rolePolicy(s, 'index-item-embeddings-loader-policy').find((st) => st.Sid === 'LakeKey')!.Action).to.deep.equal(['kms:Decrypt']);
      const firehose = rolePolicy(s, 'serving-recommendations-firehose-policy').find((st) => st.Sid === 'LakeKey')!;
      expect(firehose.Condition).to.deep.equal({ StringEquals: { 'kms:ViaService': ['s3.eu-west-1.amazonaws.com', 'kinesis.eu-west-1.amazonaws.com'] } });
    });

    it('enforces TLS on every Spark JDBC read: the driver options reach both Glue runners', () => {
      const extract = named(s, 'aws:glue/job:Job', 'raw-ratings-job').inputs.defaultArguments as Record<string, string>;
      expect(JSON.parse(extract['--jdbc_options'])).to.deep.equal({ ssl: 'true', sslmode: 'require' });
      const sql = named(s, 'aws:glue/job:Job', 'analytics-sales-hourly-job').inputs.defaultArguments as Record<string, string>;
      const jdbcInputs = (JSON.parse(sql['--inputs']) as { kind: string; options?: Record<string, string> }[]).filter((i) => i.kind === 'jdbc');
      expect(jdbcInputs.length).to.be.greaterThan(0);
      for (const i of jdbcInputs) expect(i.options).to.deep.equal({ ssl: 'true', sslmode: 'require' });
    });

    it('matches only this stack\'s EMR applications in the failure rule', () => {
      const rule = JSON.parse(String(named(s, 'aws:cloudwatch/eventRule:EventRule', 'alarms-emr-failures').inputs.eventPattern)) as { detail: { applicationId: string[] } };
      expect(rule.detail.applicationId).to.deep.equal(['model-recommender-app-app-id']);
    });

    it('creates every alarm each kind declares, names them for the stack, and lists them in the manifest', () => {
      const alarms = byType(s, 'aws:cloudwatch/metricAlarm:MetricAlarm');
      const names = alarms.map((a) => String(a.inputs.name));
      for (const key of graph.keys) {
        for (const spec of faceOf(KIND_ALARMS, graph.get(key).compute.kind) ?? []) expect(names, `${key} ${spec.id}`).to.include(`headwater-${stack}-${slug(key)}-${spec.id}`);
      }
      for (const n of names) expect(n).to.match(new RegExp(`^headwater-${stack}-`));
      expect(s.manifest.alarms!.map((a) => a.name).sort()).to.deep.equal([...names].sort());
      expect(s.manifest.alarms!.find((a) => a.name.endsWith('-iterator-age'))).to.deep.include({ asset: 'stream/user_events' });
      const fallback = alarms.find((a) => String(a.inputs.name).endsWith('fallback-rate'))!.inputs as { metricQueries: { id: string; expression?: string; metric?: { metricName: string } }[] };
      expect(fallback.metricQueries.map((q) => q.metric?.metricName ?? q.expression)).to.deep.equal(['RecommendationFallbacks', 'Invocations', '100 * FILL(part, 0) / whole']);
      expect(named(s, 'aws:cloudwatch/logMetricFilter:LogMetricFilter', 'serving-recommender-api-fallbacks').inputs.pattern).to.equal('{ $.msg = "recommendation-fallback" }');
      expect(names).to.include.members([`headwater-${stack}-alarm-delivery`, `headwater-${stack}-search-clusterstatus-red`, `headwater-${stack}-search-freestoragespace`]);
      const fresh = alarms.find((a) => String(a.inputs.name).endsWith('sales-hourly-freshness'))!.inputs;
      expect(fresh.insufficientDataActions).to.have.length(1);
    });

    it(`${stack === 'prod' ? 'protects and retains' : 'leaves disposable'} the data stores (headwater:protectData)`, () => {
      const stores = s.resources.filter((r) => (DATA_STORE_TYPES as readonly string[]).includes(r.type));
      expect(stores.map((r) => r.type)).to.include.members(['aws:s3/bucket:Bucket', 'aws:kinesis/stream:Stream', 'aws:dynamodb/table:Table', 'aws:kms/key:Key', 'aws:opensearch/domain:Domain']);
      for (const r of stores) expect({ name: r.name, protect: r.protect, retain: r.retainOnDelete }).to.deep.equal({ name: r.name, protect: stack === 'prod', retain: stack === 'prod' });
    });

    it('expires temporary files and job logs, and gives every log group (Glue\'s included) a retention', () => {
      const rules = named(s, 'aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration', 'lake-artifacts-lifecycle').inputs.rules as { filter: { prefix?: string }; expiration?: { days: number } }[];
      expect(rules.filter((r) => r.expiration).map((r) => r.filter.prefix)).to.deep.equal(['tmp/', 'logs/']);
      for (const lg of byType(s, 'aws:cloudwatch/logGroup:LogGroup')) expect(lg.inputs.retentionInDays, lg.name).to.equal(stackConfig(stack).logRetentionDays);
      const job = named(s, 'aws:glue/job:Job', 'raw-ratings-job').inputs.defaultArguments as Record<string, string>;
      expect(job['--continuous-log-logGroup']).to.equal(`/aws-glue/jobs/headwater-${stack}-raw-ratings`);
    });

    it('tags every AWS resource through the provider\'s default tags (children of awsx components too)', () => {
      const provider = byType(s, 'pulumi:providers:aws')[0];
      expect(JSON.parse(String(provider.inputs.defaultTags))).to.deep.equal({ tags: { 'headwater:asset': 'platform', 'headwater:env': stack, owner: 'team:data-platform' } });
      for (const r of s.resources.filter((x) => x.type.startsWith('aws:'))) expect(r.provider, `${r.type} ${r.name}`).to.match(new RegExp(`::pulumi:providers:aws::aws-${stack}::`));
    });

    it('sets a monthly budget from config and a cost-anomaly monitor on the stack\'s tag', () => {
      const budget = byType(s, 'aws:budgets/budget:Budget')[0].inputs as Record<string, unknown> & { costFilters: { name: string; values: string[] }[]; notifications: unknown[] };
      expect(budget).to.include({ limitAmount: stackConfig(stack).budgetMonthlyUsd.toFixed(2), timeUnit: 'MONTHLY', budgetType: 'COST' });
      expect(budget.costFilters).to.deep.equal([{ name: 'TagKeyValue', values: [`user:headwater:env$${stack}`] }]);
      expect(budget.notifications).to.have.length(2);
      const monitor = byType(s, 'aws:costexplorer/anomalyMonitor:AnomalyMonitor')[0].inputs;
      expect(JSON.parse(String(monitor.monitorSpecification))).to.deep.equal({ Tags: { Key: 'headwater:env', Values: [stack], MatchOptions: ['EQUALS'] } });
      expect(byType(s, 'aws:costexplorer/anomalySubscription:AnomalySubscription')).to.have.length(1);
    });
  });
}

describe('review findings: configuration variants', function () {
  // Each test synthesizes a whole stack under mocks: seconds on a quiet machine, more under load.
  this.timeout(60_000);
  it('keeps a Serverless collection private: no public access, only its VPC endpoint', async () => {
    const s = await synth('dev', graph, serverlessConfig());
    const network = byType(s, 'aws:opensearch/serverlessSecurityPolicy:ServerlessSecurityPolicy').find((p) => p.inputs.type === 'network')!;
    const rules = JSON.parse(String(network.inputs.policy)) as { AllowFromPublic: boolean; SourceVPCEs: string[] }[];
    expect(rules).to.have.length(1);
    expect(rules[0].AllowFromPublic).to.equal(false);
    expect(rules[0].SourceVPCEs).to.deep.equal(['search-vpce-id']);
    expect(byType(s, 'aws:opensearch/serverlessVpcEndpoint:ServerlessVpcEndpoint')[0].inputs.securityGroupIds).to.deep.equal(['sg-network-search']);
    // Each index-load function's role may change its own alias's indexes only (the data-access policy); its IAM only opens the API.
    const access = JSON.parse(String(byType(s, 'aws:opensearch/serverlessAccessPolicy:ServerlessAccessPolicy')[0].inputs.policy)) as { Principal: string[]; Rules: { ResourceType: string; Resource: string[] }[] }[];
    const loader = access.find((r) => r.Principal.includes(`arn:aws:iam::${MOCK_ACCOUNT}:role/index-item-embeddings-loader-role`))!;
    expect(loader.Principal).to.have.length(1);
    expect(loader.Rules.find((r) => r.ResourceType === 'index')!.Resource).to.deep.equal(['index/hw-dev-vectors/item_embeddings*']);
    expect(rolePolicy(s, 'index-item-embeddings-loader-policy').find((st) => st.Sid === 'SearchApi')).to.deep.include({ Action: ['aoss:APIAccessAll'], Resource: [`arn:aws:aoss:eu-west-1:${MOCK_ACCOUNT}:collection/hw-dev-vectors-id`] });
  });

  it('deploys the API gradually: the live alias keeps the stable version and sends the canary share to the new one', async () => {
    const dev = stackConfig('dev');
    const s = await synth('dev', graph, { ...dev, api: { ...dev.api, stableVersion: '7', canaryWeight: 0.25 } });
    const alias = named(s, 'aws:lambda/alias:Alias', 'serving-recommender-api-live').inputs;
    expect(alias).to.deep.include({ functionVersion: '7', routingConfig: { additionalVersionWeights: { '1': 0.25 } } });
  });
});
