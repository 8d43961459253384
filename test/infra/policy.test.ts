/** The policy pack, evaluated by the mock harness: passes on both stacks, fails on crafted bad resources. */
import { serverlessConfig, synth } from './mock-runtime';
import graph from '../../assets';
import { expect } from 'chai';
import { policies, TAGGABLE_TYPES } from '../../infra/policy/policies';
import { WILDCARD_ALLOW_LIST } from '../../infra/policy/allow-list';
import { evaluatePolicies } from '../../infra/synth/evaluate';
import type { RecordedResource } from '../../infra/synth/mocks';
import { taggableTypesSeen } from '../../infra/tags';

const TAGS = { 'headwater:asset': 'raw/x', 'headwater:env': 'dev', owner: 'team:x' };
/** The tagged provider every crafted resource uses (the program's root gives one to every resource). */
const PROVIDER_REF = 'urn:pulumi:test::headwater::pulumi:providers:aws::tagged::id';
const PROVIDER: RecordedResource = {
  type: 'pulumi:providers:aws',
  name: 'tagged',
  urn: 'urn:pulumi:test::headwater::pulumi:providers:aws::tagged',
  inputs: { defaultTags: JSON.stringify({ tags: TAGS }) },
  state: {},
  custom: true,
};
const resource = (type: string, name: string, inputs: Record<string, unknown>, state: Record<string, unknown> = inputs): RecordedResource => ({
  type,
  name,
  urn: `urn:pulumi:test::headwater::${type}::${name}`,
  inputs,
  state,
  custom: true,
  provider: PROVIDER_REF,
});
const tlsDeny = (bucket: string) => ({
  Sid: 'DenyInsecureTransport',
  Effect: 'Deny',
  Principal: '*',
  Action: ['s3:*'],
  Resource: [`arn:aws:s3:::${bucket}/*`],
  Condition: { Bool: { 'aws:SecureTransport': 'false' } },
});
/** A compliant bucket with its companions; `drop` leaves one out, `patch` changes one. */
function bucketSet(name: string, opts: { drop?: string; bucketInputs?: Record<string, unknown>; pab?: Record<string, unknown> } = {}): RecordedResource[] {
  const all = [
    resource('aws:s3/bucket:Bucket', name, { tags: TAGS, ...opts.bucketInputs }, { bucket: name, id: name }),
    resource('aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock', `${name}-pab`, { bucket: name, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true, ...opts.pab }),
    resource('aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration', `${name}-sse`, { bucket: name, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: 'aws:kms' } }] }),
    resource('aws:s3/bucketPolicy:BucketPolicy', `${name}-policy`, { bucket: name, policy: JSON.stringify({ Version: '2012-10-17', Statement: [tlsDeny(name)] }) }),
  ];
  return all.filter((r) => !opts.drop || !r.type.includes(opts.drop));
}
const rolePolicy = (statement: Record<string, unknown>) =>
  resource('aws:iam/rolePolicy:RolePolicy', 'p', { role: 'r', policy: JSON.stringify({ Version: '2012-10-17', Statement: [statement] }) });
const failing = async (resources: readonly RecordedResource[]) => (await evaluatePolicies(policies, [PROVIDER, ...resources])).map((v) => `${v.policy}: ${v.message}`);

describe('policy pack', () => {
  for (const stack of ['dev', 'prod'] as const) {
    it(`passes every policy on the ${stack} stack`, async () => {
      const s = await synth(stack);
      expect(await failing(s.resources)).to.deep.equal([]);
    });
  }

  it('knows exactly the taggable types the program creates', async function () {
    // Three whole-stack syntheses: on a loaded machine this takes longer than the default 20 s.
    this.timeout(60_000);
    await synth('dev');
    await synth('prod');
    await synth('dev', graph, serverlessConfig());
    expect([...taggableTypesSeen].sort()).to.deep.equal([...TAGGABLE_TYPES].sort());
  });

  it('accepts a compliant bucket', async () => {
    expect(await failing(bucketSet('ok'))).to.deep.equal([]);
  });

  it('refuses a public bucket: public ACL, open access block, missing block, policy open to anyone, public Function URL', async () => {
    expect(await failing(bucketSet('b', { bucketInputs: { acl: 'public-read' } }))).to.deep.equal(["no-public-access: bucket ACL 'public-read' makes it public; remove the ACL"]);
    expect(await failing(bucketSet('b', { pab: { restrictPublicBuckets: false } }))).to.deep.equal(['no-public-access: public access block leaves restrictPublicBuckets off; set all four flags to true']);
    expect(await failing(bucketSet('b', { drop: 'PublicAccessBlock' }))).to.deep.equal(['bucket-public-access-blocked: bucket b has no BucketPublicAccessBlock; add one with all four flags true']);
    const open = resource('aws:s3/bucketPolicy:BucketPolicy', 'open', {
      bucket: 'b',
      policy: JSON.stringify({ Statement: [tlsDeny('b'), { Sid: 'Everyone', Effect: 'Allow', Principal: '*', Action: ['s3:GetObject'], Resource: ['arn:aws:s3:::b/*'] }] }),
    });
    expect(await failing([open])).to.include("no-public-access: bucket policy statement Everyone allows anyone (Principal '*'); name the principals");
    expect(await failing([resource('aws:lambda/functionUrl:FunctionUrl', 'u', { authorizationType: 'NONE' })])).to.deep.equal(["no-public-access: Function URL auth is 'NONE'; use AWS_IAM"]);
  });

  it('refuses wildcard actions and resources, except allow-listed statements', async () => {
    expect(await failing([rolePolicy({ Sid: 'All', Effect: 'Allow', Action: ['s3:*'], Resource: ['arn:aws:s3:::b/*'] })])).to.deep.equal([
      'iam-no-wildcards: statement All allows wildcard action(s) s3:*; list the actions it needs',
    ]);
    expect(await failing([rolePolicy({ Sid: 'Any', Effect: 'Allow', Action: ['s3:GetObject'], Resource: ['*'] })])).to.deep.equal([
      "iam-no-wildcards: statement Any allows s3:GetObject on Resource '*'; scope it to ARNs, or add the Sid to infra/policy/allow-list.ts with the reason AWS requires '*'",
    ]);
    expect(await failing([rolePolicy({ Effect: 'Allow', Action: '*', Resource: '*' })])).to.have.length(2);
    // Allow-listed Sid, but smuggling another action in: refused.
    expect(await failing([rolePolicy({ Sid: 'PublishMetrics', Effect: 'Allow', Action: ['cloudwatch:PutMetricData', 's3:GetObject'], Resource: ['*'] })])).to.have.length(1);
    expect(await failing([rolePolicy({ Sid: 'PublishMetrics', Effect: 'Allow', Action: ['cloudwatch:PutMetricData'], Resource: ['*'] })])).to.deep.equal([]);
    const trust = resource('aws:iam/role:Role', 'r', { tags: TAGS, assumeRolePolicy: JSON.stringify({ Statement: [{ Effect: 'Allow', Principal: { AWS: '*' }, Action: 'sts:AssumeRole' }] }) });
    expect(await failing([trust])).to.deep.equal(["iam-no-wildcards: statement (no Sid) allows principal '*' (anyone); name the principals"]);
    for (const a of WILDCARD_ALLOW_LIST) expect(a.reason.length, a.sid).to.be.greaterThan(40);
  });

  it('refuses missing encryption at rest', async () => {
    expect(await failing(bucketSet('b', { drop: 'ServerSideEncryption' }))).to.deep.equal(['buckets-encrypted: bucket b has no default encryption; add a BucketServerSideEncryptionConfiguration with aws:kms']);
    const cases: [string, Record<string, unknown>, string][] = [
      ['aws:kinesis/stream:Stream', { encryptionType: 'NONE' }, 'Kinesis stream is not KMS-encrypted; set encryptionType KMS and kmsKeyId'],
      ['aws:dynamodb/table:Table', {}, 'DynamoDB table has no customer-managed encryption; set serverSideEncryption.enabled with a KMS key'],
      ['aws:sns/topic:Topic', {}, 'SNS topic is not encrypted; set kmsMasterKeyId'],
      ['aws:opensearch/domain:Domain', { encryptAtRest: { enabled: false }, domainEndpointOptions: { enforceHttps: true, tlsSecurityPolicy: 'Policy-Min-TLS-1-2-2019-07' }, nodeToNodeEncryption: { enabled: true } }, 'OpenSearch domain is not encrypted at rest; set encryptAtRest.enabled'],
      ['aws:glue/job:Job', {}, 'Glue job has no security configuration; its S3 output and bookmarks would be unencrypted'],
      ['aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream', { extendedS3Configuration: {} }, 'Firehose delivery does not encrypt what it writes; set extendedS3Configuration.kmsKeyArn'],
    ];
    for (const [type, inputs, message] of cases) {
      expect((await failing([resource(type, 'x', { tags: TAGS, ...inputs })])).filter((m) => m.startsWith('encryption-at-rest')), type).to.deep.equal([`encryption-at-rest: ${message}`]);
    }
    const coll = resource('aws:opensearch/serverlessCollection:ServerlessCollection', 'c', { name: 'vectors', type: 'VECTORSEARCH', tags: TAGS });
    expect(await failing([coll])).to.deep.equal(['buckets-encrypted: collection vectors has no encryption security policy']);
  });

  it('refuses plain transport: bucket without TLS deny, domain over HTTP, JDBC without SSL', async () => {
    const noTls = bucketSet('b').map((r) => (r.type.includes('BucketPolicy') ? resource(r.type, r.name, { bucket: 'b', policy: JSON.stringify({ Statement: [] }) }) : r));
    expect(await failing(noTls)).to.deep.equal([
      'tls-only: bucket policy does not deny aws:SecureTransport=false; add the DenyInsecureTransport statement',
      'buckets-tls-only: bucket b has no policy denying aws:SecureTransport=false',
    ]);
    const domain = resource('aws:opensearch/domain:Domain', 'd', { tags: TAGS, encryptAtRest: { enabled: true }, domainEndpointOptions: { enforceHttps: false }, nodeToNodeEncryption: { enabled: false } });
    expect((await failing([domain])).filter((m) => m.startsWith('tls-only'))).to.have.length(3);
    const jdbc = resource('aws:glue/connection:Connection', 'c', { tags: TAGS, connectionType: 'JDBC', connectionProperties: { JDBC_CONNECTION_URL: 'jdbc:postgresql://h/db' } });
    expect(await failing([jdbc])).to.deep.equal(['tls-only: JDBC connection does not enforce SSL; set JDBC_ENFORCE_SSL to "true"']);
  });

  it('refuses unsupported Lambda runtimes', async () => {
    const fn = resource('aws:lambda/function:Function', 'f', { tags: TAGS, runtime: 'nodejs16.x' });
    expect(await failing([fn])).to.include("lambda-supported-runtime: Lambda runtime 'nodejs16.x' is not supported here; use one of nodejs22.x, nodejs24.x, python3.12, python3.13");
  });

  it('refuses taggable resources without the required tags', async () => {
    const untagged = resource('aws:dynamodb/table:Table', 't', { serverSideEncryption: { enabled: true }, tags: { owner: 'me' } });
    expect(await failing([untagged])).to.deep.equal([
      "required-tags: missing tag(s) headwater:asset, headwater:env; resources get them from the platform's tag transformation (infra/tags.ts)",
    ]);
  });

  it('refuses public search: a collection open to the internet, a domain outside the VPC', async () => {
    const network = resource('aws:opensearch/serverlessSecurityPolicy:ServerlessSecurityPolicy', 'n', { type: 'network', policy: JSON.stringify([{ Rules: [], AllowFromPublic: true }]) });
    expect(await failing([network])).to.deep.equal(['search-not-public: network policy allows public access to the collection; set AllowFromPublic false with SourceVPCEs']);
    const domain = resource('aws:opensearch/domain:Domain', 'd', { tags: TAGS, encryptAtRest: { enabled: true } });
    expect(await failing([domain])).to.include('search-not-public: OpenSearch domain has a public endpoint; place it in the VPC (vpcOptions.subnetIds and securityGroupIds)');
  });

  it('refuses a service role whose trust does not pin the caller to the account', async () => {
    const bare = resource('aws:iam/role:Role', 'r', { tags: TAGS, assumeRolePolicy: JSON.stringify({ Statement: [{ Effect: 'Allow', Principal: { Service: 'states.amazonaws.com' }, Action: 'sts:AssumeRole' }] }) });
    expect(await failing([bare])).to.deep.equal([
      'service-trust-conditions: trust of states.amazonaws.com has no aws:SourceAccount / aws:SourceArn / aws:SourceOrgID / sts:ExternalId condition (confused deputy); build the role with serviceRole() in infra/iam.ts',
    ]);
    const pinned = resource('aws:iam/role:Role', 'r', { tags: TAGS, assumeRolePolicy: JSON.stringify({ Statement: [{ Effect: 'Allow', Principal: { Service: 'scheduler.amazonaws.com' }, Action: 'sts:AssumeRole', Condition: { StringEquals: { 'aws:SourceAccount': '1' } } }] }) });
    expect(await failing([pinned])).to.deep.equal([]);
  });

  it('refuses an unprotected data store on a production stack, and accepts it on dev', async () => {
    const table = (env: string, protect: boolean) => ({ ...resource('aws:dynamodb/table:Table', 't', { serverSideEncryption: { enabled: true }, tags: { ...TAGS, 'headwater:env': env } }), protect });
    expect(await failing([table('prod', false)])).to.deep.equal(["data-stores-protected: data store of production stack 'prod' is not protected; set headwater:protectData true (protect + retainOnDelete)"]);
    expect(await failing([table('prod', true)])).to.deep.equal([]);
    expect(await failing([table('dev', false)])).to.deep.equal([]);
  });

  it('refuses a log group kept forever', async () => {
    const lg = resource('aws:cloudwatch/logGroup:LogGroup', 'lg', { tags: TAGS, kmsKeyId: 'k' });
    expect(await failing([lg])).to.deep.equal(['log-retention: log group keeps logs forever; set retentionInDays (headwater:logRetentionDays)']);
  });

  it('refuses a stream, function or state machine without its alarms, and accepts them once alarmed', async () => {
    const stream = resource('aws:kinesis/stream:Stream', 's', { tags: TAGS, encryptionType: 'KMS', kmsKeyId: 'k', name: 'events' });
    const machine = resource('aws:sfn/stateMachine:StateMachine', 'm', { tags: TAGS, arn: 'arn:aws:states:eu-west-1:1:stateMachine:refresh' });
    expect(await failing([stream, machine])).to.deep.equal([
      'alarms-on-data-paths: Stream s has no alarm on GetRecords.IteratorAgeMilliseconds, WriteProvisionedThroughputExceeded; declare them for its kind in infra/components/kind-alarms.ts',
      'alarms-on-data-paths: StateMachine m has no alarm on ExecutionsFailed; declare them for its kind in infra/components/kind-alarms.ts',
    ]);
    const alarm = (name: string, metricName: string, dimensions: Record<string, string>) => resource('aws:cloudwatch/metricAlarm:MetricAlarm', name, { tags: TAGS, metricName, dimensions });
    const alarms = [
      alarm('a1', 'GetRecords.IteratorAgeMilliseconds', { StreamName: 'events' }),
      alarm('a2', 'WriteProvisionedThroughputExceeded', { StreamName: 'events' }),
      alarm('a3', 'ExecutionsFailed', { StateMachineArn: 'arn:aws:states:eu-west-1:1:stateMachine:refresh' }),
    ];
    expect(await failing([stream, machine, ...alarms])).to.deep.equal([]);
    // An alarm on another stream's name does not count.
    expect(await failing([stream, alarm('a1', 'GetRecords.IteratorAgeMilliseconds', { StreamName: 'other' }), alarms[1]])).to.have.length(1);
  });

  it('refuses resources whose provider carries no default tags (their awsx children would go untagged)', async () => {
    const untaggedProvider = { ...resource('aws:sns/topicPolicy:TopicPolicy', 'tp', { policy: JSON.stringify({ Statement: [] }) }), provider: 'urn:pulumi:test::headwater::pulumi:providers:aws::default::id' };
    expect(await failing([untaggedProvider])).to.deep.equal([
      "tags-reach-children: aws:sns/topicPolicy:TopicPolicy tp is created by a provider without default tags headwater:asset, headwater:env, owner; give the stack's root the tagged provider (infra/platform.ts)",
    ]);
  });
});
