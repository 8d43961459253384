/**
 * Every branch of every rule of the policy pack, each given a crafted resource that takes it,
 * and the compliant variant beside it. Each case looks only at the violations of the rule under
 * test, so a rule added later does not disturb these cases.
 */
import { expect } from 'chai';
import type { ResourceValidationArgs, ResourceValidationPolicy } from '@pulumi/policy';
import { policies, PRODUCTION_STACKS, REQUIRED_TAGS, SUPPORTED_LAMBDA_RUNTIMES, TAGGABLE_TYPES } from '../../infra/policy/policies';
import { DATA_STORE_TYPES } from '../../infra/protection';
import { WILDCARD_ALLOW_LIST } from '../../infra/policy/allow-list';
import { evaluatePolicies } from '../../infra/synth/evaluate';
import type { RecordedResource } from '../../infra/synth/mocks';

const TAGS = { 'headwater:asset': 'raw/x', 'headwater:env': 'dev', owner: 'team:x' };
let serial = 0;
const resource = (type: string, inputs: Record<string, unknown>, state: Record<string, unknown> = inputs): RecordedResource => {
  const name = `r${++serial}`;
  return { type, name, urn: `urn:pulumi:test::headwater::${type}::${name}`, inputs, state, custom: true };
};
const doc = (...Statement: Record<string, unknown>[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const tlsDeny = (bucket: string) => ({ Sid: 'DenyInsecureTransport', Effect: 'Deny', Principal: '*', Action: ['s3:*'], Resource: [`arn:aws:s3:::${bucket}/*`], Condition: { Bool: { 'aws:SecureTransport': 'false' } } });

/** The messages `policy` reports on `resources`. */
async function violations(policy: string, ...resources: RecordedResource[]): Promise<string[]> {
  expect(policies.map((p) => p.name), 'policy under test').to.include(policy);
  return (await evaluatePolicies(policies, resources)).filter((v) => v.policy === policy).map((v) => v.message);
}

describe('policy pack: every branch of every rule', () => {
  describe('no-public-access', () => {
    for (const type of ['aws:s3/bucket:Bucket', 'aws:s3/bucketAclV2:BucketAclV2', 'aws:s3/bucketAcl:BucketAcl']) {
      for (const acl of ['public-read', 'public-read-write', 'authenticated-read']) {
        it(`refuses ACL '${acl}' on ${type}`, async () => {
          expect(await violations('no-public-access', resource(type, { acl, tags: TAGS }))).to.deep.equal([`bucket ACL '${acl}' makes it public; remove the ACL`]);
        });
      }
      it(`accepts a private ACL or none on ${type}`, async () => {
        expect(await violations('no-public-access', resource(type, { acl: 'private', tags: TAGS }), resource(type, { tags: TAGS }))).to.deep.equal([]);
      });
    }

    it('refuses a public access block with any of its four flags off or missing', async () => {
      const all = { bucket: 'b', blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true };
      const type = 'aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock';
      expect(await violations('no-public-access', resource(type, all))).to.deep.equal([]);
      for (const flag of ['blockPublicAcls', 'blockPublicPolicy', 'ignorePublicAcls', 'restrictPublicBuckets']) {
        const message = [`public access block leaves ${flag} off; set all four flags to true`];
        expect(await violations('no-public-access', resource(type, { ...all, [flag]: false })), flag).to.deep.equal(message);
        const { [flag]: _dropped, ...missing } = all as Record<string, unknown>;
        expect(await violations('no-public-access', resource(type, missing)), `${flag} missing`).to.deep.equal(message);
      }
    });

    it("refuses a bucket policy that allows anyone, in each way a principal can say '*'", async () => {
      const allow = (Principal: unknown, Sid = 'Open') => resource('aws:s3/bucketPolicy:BucketPolicy', { bucket: 'b', policy: doc(tlsDeny('b'), { Sid, Effect: 'Allow', Principal, Action: ['s3:GetObject'], Resource: ['arn:aws:s3:::b/*'] }) });
      for (const principal of ['*', { AWS: '*' }, { AWS: ['arn:aws:iam::123456789012:root', '*'] }]) {
        expect(await violations('no-public-access', allow(principal)), JSON.stringify(principal)).to.deep.equal(["bucket policy statement Open allows anyone (Principal '*'); name the principals"]);
      }
      expect(await violations('no-public-access', allow({ AWS: 'arn:aws:iam::123456789012:role/reader' }))).to.deep.equal([]);
      expect(await violations('no-public-access', allow({ Service: 'logging.s3.amazonaws.com' }))).to.deep.equal([]);
      // The TLS deny names '*' too, but a Deny takes nothing away from anyone.
      expect(await violations('no-public-access', resource('aws:s3/bucketPolicy:BucketPolicy', { bucket: 'b', policy: doc(tlsDeny('b')) }))).to.deep.equal([]);
    });

    it('refuses a Function URL without IAM auth', async () => {
      const url = (authorizationType: string) => resource('aws:lambda/functionUrl:FunctionUrl', { authorizationType });
      expect(await violations('no-public-access', url('NONE'))).to.deep.equal(["Function URL auth is 'NONE'; use AWS_IAM"]);
      expect(await violations('no-public-access', url('AWS_IAM'))).to.deep.equal([]);
    });
  });

  describe('bucket-public-access-blocked', () => {
    it("refuses a bucket without a public access block, or with only another bucket's", async () => {
      const bucket = resource('aws:s3/bucket:Bucket', { tags: TAGS }, { bucket: 'data', id: 'data' });
      const pab = (b: string) => resource('aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock', { bucket: b, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true });
      const message = ['bucket data has no BucketPublicAccessBlock; add one with all four flags true'];
      expect(await violations('bucket-public-access-blocked', bucket)).to.deep.equal(message);
      expect(await violations('bucket-public-access-blocked', bucket, pab('other'))).to.deep.equal(message);
      expect(await violations('bucket-public-access-blocked', bucket, pab('data'))).to.deep.equal([]);
    });
  });

  describe('encryption-at-rest', () => {
    const cases: [type: string, bad: Record<string, unknown>[], good: Record<string, unknown>[], message: string][] = [
      ['aws:kinesis/stream:Stream', [{ encryptionType: 'NONE', kmsKeyId: 'k' }, { encryptionType: 'KMS' }], [{ encryptionType: 'KMS', kmsKeyId: 'k' }], 'Kinesis stream is not KMS-encrypted; set encryptionType KMS and kmsKeyId'],
      ['aws:dynamodb/table:Table', [{}, { serverSideEncryption: { enabled: false } }], [{ serverSideEncryption: { enabled: true } }], 'DynamoDB table has no customer-managed encryption; set serverSideEncryption.enabled with a KMS key'],
      ['aws:sns/topic:Topic', [{}, { kmsMasterKeyId: '' }], [{ kmsMasterKeyId: 'alias/k' }], 'SNS topic is not encrypted; set kmsMasterKeyId'],
      [
        'aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream',
        [{}, { extendedS3Configuration: {} }, { serverSideEncryption: { enabled: false } }],
        [{ extendedS3Configuration: { kmsKeyArn: 'arn:k' } }, { serverSideEncryption: { enabled: true } }],
        'Firehose delivery does not encrypt what it writes; set extendedS3Configuration.kmsKeyArn',
      ],
      ['aws:opensearch/domain:Domain', [{}, { encryptAtRest: { enabled: false } }], [{ encryptAtRest: { enabled: true } }], 'OpenSearch domain is not encrypted at rest; set encryptAtRest.enabled'],
      ['aws:glue/job:Job', [{}], [{ securityConfiguration: 'sec' }], 'Glue job has no security configuration; its S3 output and bookmarks would be unencrypted'],
      ['aws:cloudwatch/logGroup:LogGroup', [{}], [{ kmsKeyId: 'arn:k' }], 'log group is not KMS-encrypted; set kmsKeyId'],
      [
        'aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration',
        [{ rules: [] }, { rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: 'AES256' } }] }, { rules: [{}] }],
        [{ rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: 'aws:kms' } }] }, { rules: { applyServerSideEncryptionByDefault: { sseAlgorithm: 'aws:kms' } } }],
        'bucket default encryption is not aws:kms; use the lake key',
      ],
    ];
    for (const [type, bad, good, message] of cases) {
      it(`refuses ${type} without encryption, accepts it with`, async () => {
        for (const inputs of bad) expect(await violations('encryption-at-rest', resource(type, { tags: TAGS, ...inputs })), JSON.stringify(inputs)).to.deep.equal([message]);
        for (const inputs of good) expect(await violations('encryption-at-rest', resource(type, { tags: TAGS, ...inputs })), JSON.stringify(inputs)).to.deep.equal([]);
      });
    }
  });

  describe('buckets-encrypted', () => {
    it('refuses a bucket without KMS default encryption of its own', async () => {
      const bucket = resource('aws:s3/bucket:Bucket', { tags: TAGS }, { bucket: 'data' });
      const sse = (b: string) => resource('aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration', { bucket: b, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: 'aws:kms' } }] });
      const message = ['bucket data has no default encryption; add a BucketServerSideEncryptionConfiguration with aws:kms'];
      expect(await violations('buckets-encrypted', bucket)).to.deep.equal(message);
      expect(await violations('buckets-encrypted', bucket, sse('other'))).to.deep.equal(message);
      expect(await violations('buckets-encrypted', bucket, sse('data'))).to.deep.equal([]);
    });

    it('refuses a vector collection no encryption security policy names', async () => {
      const coll = resource('aws:opensearch/serverlessCollection:ServerlessCollection', { name: 'vectors', type: 'VECTORSEARCH', tags: TAGS });
      const policy = (type: string, resources: string[]) =>
        resource('aws:opensearch/serverlessSecurityPolicy:ServerlessSecurityPolicy', { type, policy: JSON.stringify({ Rules: [{ ResourceType: 'collection', Resource: resources }], AWSOwnedKey: false, KmsARN: 'arn:k' }) });
      const message = ['collection vectors has no encryption security policy'];
      expect(await violations('buckets-encrypted', coll)).to.deep.equal(message);
      expect(await violations('buckets-encrypted', coll, policy('encryption', ['collection/other']))).to.deep.equal(message);
      expect(await violations('buckets-encrypted', coll, policy('network', ['collection/vectors']))).to.deep.equal(message);
      expect(await violations('buckets-encrypted', coll, policy('encryption', ['collection/other', 'collection/vectors']))).to.deep.equal([]);
    });
  });

  describe('iam-no-wildcards', () => {
    const wildcard = { Sid: 'Wide', Effect: 'Allow', Action: ['s3:*'], Resource: ['arn:aws:s3:::b/*'] };
    const wildMessage = 'statement Wide allows wildcard action(s) s3:*; list the actions it needs';
    const documents: [type: string, prop: string][] = [
      ['aws:iam/rolePolicy:RolePolicy', 'policy'],
      ['aws:iam/policy:Policy', 'policy'],
      ['aws:iam/role:Role', 'assumeRolePolicy'],
      ['aws:kms/key:Key', 'policy'],
      ['aws:s3/bucketPolicy:BucketPolicy', 'policy'],
      ['aws:sns/topicPolicy:TopicPolicy', 'policy'],
      ['aws:opensearch/domainPolicy:DomainPolicy', 'accessPolicies'],
    ];
    for (const [type, prop] of documents) {
      it(`reads the policy document of ${type} (${prop})`, async () => {
        expect(await violations('iam-no-wildcards', resource(type, { tags: TAGS, [prop]: doc(wildcard) }))).to.deep.equal([wildMessage]);
      });
    }

    it('reads documents given as objects and single statements, and ignores OpenSearch Serverless policies (arrays) and unknown ones', async () => {
      const type = 'aws:iam/rolePolicy:RolePolicy';
      expect(await violations('iam-no-wildcards', resource(type, { policy: { Statement: wildcard } }))).to.deep.equal([wildMessage]);
      expect(await violations('iam-no-wildcards', resource(type, { policy: JSON.stringify({ Statement: wildcard }) }))).to.deep.equal([wildMessage]);
      expect(await violations('iam-no-wildcards', resource(type, { policy: JSON.stringify([{ Rules: [], Principal: ['*'] }]) }))).to.deep.equal([]);
      expect(await violations('iam-no-wildcards', resource(type, { policy: '' }), resource(type, {}))).to.deep.equal([]);
      // A type that carries no IAM document is not read, whatever it holds.
      expect(await violations('iam-no-wildcards', resource('aws:s3/bucket:Bucket', { tags: TAGS, policy: doc(wildcard) }))).to.deep.equal([]);
    });

    it("refuses '*' and service-wide actions, '*' resources, NotAction and NotResource", async () => {
      const rp = (statement: Record<string, unknown>) => resource('aws:iam/rolePolicy:RolePolicy', { policy: doc(statement) });
      expect(await violations('iam-no-wildcards', rp({ Sid: 'A', Effect: 'Allow', Action: '*', Resource: 'arn:aws:s3:::b' }))).to.deep.equal(['statement A allows wildcard action(s) *; list the actions it needs']);
      expect(await violations('iam-no-wildcards', rp({ Sid: 'B', Effect: 'Allow', Action: ['s3:GetObject'], Resource: '*' }))).to.deep.equal([
        "statement B allows s3:GetObject on Resource '*'; scope it to ARNs, or add the Sid to infra/policy/allow-list.ts with the reason AWS requires '*'",
      ]);
      expect(await violations('iam-no-wildcards', rp({ Effect: 'Allow', NotAction: ['iam:*'], Resource: ['arn:aws:s3:::b'] }))).to.deep.equal([
        'statement (no Sid) allows with NotAction/NotResource, which grants everything else',
      ]);
      expect(await violations('iam-no-wildcards', rp({ Sid: 'N', Effect: 'Allow', Action: ['s3:GetObject'], NotResource: ['arn:aws:s3:::b'] }))).to.deep.equal([
        'statement N allows with NotAction/NotResource, which grants everything else',
      ]);
      // A prefix wildcard inside an action names a family of actions, not a whole service.
      expect(await violations('iam-no-wildcards', rp({ Sid: 'G', Effect: 'Allow', Action: ['s3:Get*'], Resource: ['arn:aws:s3:::b/*'] }))).to.deep.equal([]);
      // Deny statements may be as wide as they like.
      expect(await violations('iam-no-wildcards', rp({ Sid: 'D', Effect: 'Deny', NotAction: ['s3:*'], Action: '*', Resource: '*', Principal: '*' }))).to.deep.equal([]);
    });

    it("refuses a principal '*' in each form", async () => {
      const trust = (Principal: unknown) => resource('aws:iam/role:Role', { tags: TAGS, assumeRolePolicy: doc({ Sid: 'T', Effect: 'Allow', Principal, Action: 'sts:AssumeRole' }) });
      for (const principal of ['*', { AWS: '*' }, { AWS: ['arn:aws:iam::123456789012:root', '*'] }]) {
        expect(await violations('iam-no-wildcards', trust(principal)), JSON.stringify(principal)).to.deep.equal(["statement T allows principal '*' (anyone); name the principals"]);
      }
      expect(await violations('iam-no-wildcards', trust({ Service: 'glue.amazonaws.com' }), trust({ AWS: 'arn:aws:iam::123456789012:root' }))).to.deep.equal([]);
    });

    it('excuses an allow-listed Sid exactly for its actions, and only for them', async () => {
      for (const a of WILDCARD_ALLOW_LIST) {
        const policy = (actions: readonly string[]) => resource('aws:kms/key:Key', { tags: TAGS, policy: doc({ Sid: a.sid, Effect: 'Allow', Action: [...actions], Resource: '*' }) });
        expect(await violations('iam-no-wildcards', policy(a.actions)), a.sid).to.deep.equal([]);
        expect(await violations('iam-no-wildcards', policy([a.actions[0]])), a.sid).to.deep.equal([]);
        const smuggled = await violations('iam-no-wildcards', policy([...a.actions, 's3:GetObject']));
        expect(smuggled.filter((m) => m.includes("on Resource '*'")), a.sid).to.have.length(1);
        expect(a.reason.length, a.sid).to.be.greaterThan(40);
      }
      // An allow-listed Sid does not excuse anyone as the principal.
      const anyone = resource('aws:kms/key:Key', { tags: TAGS, policy: doc({ Sid: 'PublishMetrics', Effect: 'Allow', Principal: '*', Action: ['cloudwatch:PutMetricData'], Resource: '*' }) });
      expect(await violations('iam-no-wildcards', anyone)).to.deep.equal(["statement PublishMetrics allows principal '*' (anyone); name the principals"]);
    });
  });

  describe('tls-only', () => {
    const bucketPolicy = (...statements: Record<string, unknown>[]) => resource('aws:s3/bucketPolicy:BucketPolicy', { bucket: 'b', policy: doc(...statements) });
    const noTls = 'bucket policy does not deny aws:SecureTransport=false; add the DenyInsecureTransport statement';

    it('refuses a bucket policy without a Deny on aws:SecureTransport=false', async () => {
      expect(await violations('tls-only', bucketPolicy())).to.deep.equal([noTls]);
      expect(await violations('tls-only', bucketPolicy({ ...tlsDeny('b'), Effect: 'Allow' }))).to.deep.equal([noTls]);
      expect(await violations('tls-only', bucketPolicy({ ...tlsDeny('b'), Condition: { Bool: { 'aws:SecureTransport': 'true' } } }))).to.deep.equal([noTls]);
      expect(await violations('tls-only', bucketPolicy({ ...tlsDeny('b'), Condition: { StringEquals: { 'aws:SecureTransport': 'false' } } }))).to.deep.equal([noTls]);
      expect(await violations('tls-only', bucketPolicy(tlsDeny('b')))).to.deep.equal([]);
      expect(await violations('tls-only', bucketPolicy({ ...tlsDeny('b'), Condition: { Bool: { 'aws:SecureTransport': false } } }))).to.deep.equal([]);
    });

    it('refuses an OpenSearch domain over HTTP, below TLS 1.2, or with nodes talking in clear; one report each', async () => {
      const domain = (o: Record<string, unknown>) =>
        resource('aws:opensearch/domain:Domain', { tags: TAGS, encryptAtRest: { enabled: true }, domainEndpointOptions: { enforceHttps: true, tlsSecurityPolicy: 'Policy-Min-TLS-1-2-PFS-2023-10' }, nodeToNodeEncryption: { enabled: true }, ...o });
      expect(await violations('tls-only', domain({}))).to.deep.equal([]);
      expect(await violations('tls-only', domain({ domainEndpointOptions: { enforceHttps: false, tlsSecurityPolicy: 'Policy-Min-TLS-1-2-2019-07' } }))).to.deep.equal(['OpenSearch domain accepts plain HTTP; set domainEndpointOptions.enforceHttps']);
      expect(await violations('tls-only', domain({ domainEndpointOptions: { enforceHttps: true, tlsSecurityPolicy: 'Policy-Min-TLS-1-0-2019-07' } }))).to.deep.equal([
        'OpenSearch domain allows TLS below 1.2; set tlsSecurityPolicy Policy-Min-TLS-1-2-PFS-2023-10',
      ]);
      expect(await violations('tls-only', domain({ nodeToNodeEncryption: { enabled: false } }))).to.deep.equal(['OpenSearch domain nodes talk in clear; set nodeToNodeEncryption.enabled']);
      expect(await violations('tls-only', domain({ domainEndpointOptions: undefined, nodeToNodeEncryption: undefined }))).to.have.length(3);
    });

    it('refuses a JDBC connection that does not enforce SSL; other connection types are not JDBC', async () => {
      const conn = (connectionType: string, props: Record<string, string>) => resource('aws:glue/connection:Connection', { tags: TAGS, connectionType, connectionProperties: props });
      expect(await violations('tls-only', conn('JDBC', { JDBC_ENFORCE_SSL: 'false' }))).to.deep.equal(['JDBC connection does not enforce SSL; set JDBC_ENFORCE_SSL to "true"']);
      expect(await violations('tls-only', conn('JDBC', {}))).to.have.length(1);
      expect(await violations('tls-only', conn('JDBC', { JDBC_ENFORCE_SSL: 'true' }))).to.deep.equal([]);
      expect(await violations('tls-only', conn('NETWORK', {}))).to.deep.equal([]);
    });
  });

  describe('buckets-tls-only', () => {
    it('refuses a bucket with no policy, or with policies none of which denies non-TLS requests', async () => {
      const bucket = resource('aws:s3/bucket:Bucket', { tags: TAGS }, { bucket: 'data' });
      const policy = (b: string, ...statements: Record<string, unknown>[]) => resource('aws:s3/bucketPolicy:BucketPolicy', { bucket: b, policy: doc(...statements) });
      const message = ['bucket data has no policy denying aws:SecureTransport=false'];
      expect(await violations('buckets-tls-only', bucket)).to.deep.equal(message);
      expect(await violations('buckets-tls-only', bucket, policy('data'), policy('other', tlsDeny('other')))).to.deep.equal(message);
      expect(await violations('buckets-tls-only', bucket, policy('data'), policy('data', tlsDeny('data')))).to.deep.equal([]);
    });
  });

  describe('service-invoke-scoped', () => {
    it('refuses a service permission with no source, accepts one naming its source, ignores account principals', async () => {
      const permission = (inputs: Record<string, unknown>) => resource('aws:lambda/permission:Permission', { action: 'lambda:InvokeFunction', function: 'f', ...inputs });
      expect(await violations('service-invoke-scoped', permission({ principal: 'events.amazonaws.com' }))).to.deep.equal([
        'permission lets events.amazonaws.com invoke f from any source; set sourceArn to the rule, bucket or topic that invokes it',
      ]);
      expect(await violations('service-invoke-scoped', permission({ principal: 'events.amazonaws.com', sourceArn: 'arn:aws:events:eu-west-1:1:rule/r' }), permission({ principal: '123456789012' }))).to.deep.equal([]);
    });
  });

  describe('lambda-supported-runtime', () => {
    it('accepts each supported runtime and container images, refuses the rest', async () => {
      const fn = (inputs: Record<string, unknown>) => resource('aws:lambda/function:Function', { tags: TAGS, ...inputs });
      for (const runtime of SUPPORTED_LAMBDA_RUNTIMES) expect(await violations('lambda-supported-runtime', fn({ runtime })), runtime).to.deep.equal([]);
      for (const runtime of ['nodejs20.x', 'nodejs18.x', 'python3.9', undefined]) {
        expect(await violations('lambda-supported-runtime', fn({ runtime })), String(runtime)).to.deep.equal([`Lambda runtime '${runtime}' is not supported here; use one of ${SUPPORTED_LAMBDA_RUNTIMES.join(', ')}`]);
      }
      expect(await violations('lambda-supported-runtime', fn({ imageUri: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/x:1' }))).to.deep.equal([]);
      expect(SUPPORTED_LAMBDA_RUNTIMES).to.include('nodejs22.x').and.not.include('nodejs20.x');
    });
  });

  describe('required-tags', () => {
    it('names each missing or empty tag on every taggable type, and ignores types that take no tags', async () => {
      for (const type of TAGGABLE_TYPES) {
        expect(await violations('required-tags', resource(type, { tags: TAGS })), type).to.deep.equal([]);
        for (const tag of REQUIRED_TAGS) {
          const { [tag]: _dropped, ...rest } = TAGS as Record<string, string>;
          const message = [`missing tag(s) ${tag}; resources get them from the platform's tag transformation (infra/tags.ts)`];
          expect(await violations('required-tags', resource(type, { tags: rest })), `${type} ${tag}`).to.deep.equal(message);
          expect(await violations('required-tags', resource(type, { tags: { ...TAGS, [tag]: '' } })), `${type} ${tag} empty`).to.deep.equal(message);
        }
      }
      expect(await violations('required-tags', resource('aws:s3/bucket:Bucket', {}))).to.deep.equal([`missing tag(s) ${REQUIRED_TAGS.join(', ')}; resources get them from the platform's tag transformation (infra/tags.ts)`]);
      expect(await violations('required-tags', resource('aws:iam/rolePolicy:RolePolicy', { policy: doc() }))).to.deep.equal([]);
    });
  });
  describe('search-not-public', () => {
    const security = (type: string, policy: unknown) => resource('aws:opensearch/serverlessSecurityPolicy:ServerlessSecurityPolicy', { type, policy });
    const open = 'network policy allows public access to the collection; set AllowFromPublic false with SourceVPCEs';
    it('refuses a network policy with any rule open to the public, as a list or a single rule', async () => {
      expect(await violations('search-not-public', security('network', JSON.stringify([{ AllowFromPublic: false, SourceVPCEs: ['vpce-1'] }, { AllowFromPublic: true }])))).to.deep.equal([open]);
      expect(await violations('search-not-public', security('network', JSON.stringify({ AllowFromPublic: true })))).to.deep.equal([open]);
      expect(await violations('search-not-public', security('network', JSON.stringify([{ AllowFromPublic: false, SourceVPCEs: ['vpce-1'] }, { Rules: [] }])))).to.deep.equal([]);
      // Only network policies say who may connect; a policy not known yet (an object at preview) is not read.
      expect(await violations('search-not-public', security('encryption', JSON.stringify([{ AllowFromPublic: true }])), security('network', [{ AllowFromPublic: true }]))).to.deep.equal([]);
    });
    it('refuses a domain with no VPC subnets', async () => {
      const domain = (vpcOptions: unknown) => resource('aws:opensearch/domain:Domain', { tags: TAGS, vpcOptions });
      const message = ['OpenSearch domain has a public endpoint; place it in the VPC (vpcOptions.subnetIds and securityGroupIds)'];
      expect(await violations('search-not-public', domain(undefined))).to.deep.equal(message);
      expect(await violations('search-not-public', domain({ subnetIds: [] }))).to.deep.equal(message);
      expect(await violations('search-not-public', domain({ securityGroupIds: ['sg-1'] }))).to.deep.equal(message);
      expect(await violations('search-not-public', domain({ subnetIds: ['subnet-1'], securityGroupIds: ['sg-1'] }))).to.deep.equal([]);
      expect(await violations('search-not-public', resource('aws:opensearch/serverlessCollection:ServerlessCollection', { name: 'v', tags: TAGS }))).to.deep.equal([]);
    });
  });

  describe('service-trust-conditions', () => {
    const role = (...statements: Record<string, unknown>[]) => resource('aws:iam/role:Role', { tags: TAGS, assumeRolePolicy: doc(...statements) });
    const trust = (Principal: unknown, Condition?: unknown, Effect = 'Allow') => ({ Effect, Principal, Action: 'sts:AssumeRole', ...(Condition ? { Condition } : {}) });
    const unpinned = (services: string) => `trust of ${services} has no aws:SourceAccount / aws:SourceArn / aws:SourceOrgID / sts:ExternalId condition (confused deputy); build the role with serviceRole() in infra/iam.ts`;
    it('refuses a service principal with no condition naming the account, one report per statement', async () => {
      expect(await violations('service-trust-conditions', role(trust({ Service: 'glue.amazonaws.com' })))).to.deep.equal([unpinned('glue.amazonaws.com')]);
      expect(await violations('service-trust-conditions', role(trust({ Service: ['glue.amazonaws.com', 'states.amazonaws.com'] }, { StringEquals: { 'aws:PrincipalTag/team': 'x' } }), trust({ Service: 'lambda.amazonaws.com' })))).to.deep.equal([
        unpinned('glue.amazonaws.com, states.amazonaws.com'),
        unpinned('lambda.amazonaws.com'),
      ]);
    });
    it('accepts each condition key that pins the caller, under any operator', async () => {
      for (const key of ['aws:SourceAccount', 'aws:SourceArn', 'aws:SourceOrgID', 'sts:ExternalId']) {
        expect(await violations('service-trust-conditions', role(trust({ Service: 'glue.amazonaws.com' }, { StringEquals: { 'aws:PrincipalTag/team': 'x' }, ArnLike: { [key]: 'v' } }))), key).to.deep.equal([]);
      }
    });
    it('leaves denies, account principals, other resource types and unknown documents alone', async () => {
      expect(await violations('service-trust-conditions', role(trust({ Service: 'glue.amazonaws.com' }, undefined, 'Deny')), role(trust({ AWS: 'arn:aws:iam::123456789012:root' })))).to.deep.equal([]);
      expect(await violations('service-trust-conditions', resource('aws:iam/policy:Policy', { tags: TAGS, assumeRolePolicy: doc(trust({ Service: 'glue.amazonaws.com' })) }))).to.deep.equal([]);
      expect(await violations('service-trust-conditions', resource('aws:iam/role:Role', { tags: TAGS }))).to.deep.equal([]);
    });
  });

  describe('data-stores-protected', () => {
    const store = (type: string, env: string | undefined, protect: boolean) => ({ ...resource(type, { tags: env === undefined ? {} : { ...TAGS, 'headwater:env': env } }), protect });
    it('refuses every kind of data store left unprotected on a production stack', async () => {
      expect(PRODUCTION_STACKS).to.deep.equal(['prod']);
      for (const type of DATA_STORE_TYPES) {
        expect(await violations('data-stores-protected', store(type, 'prod', false)), type).to.deep.equal([
          "data store of production stack 'prod' is not protected; set headwater:protectData true (protect + retainOnDelete)",
        ]);
        expect(await violations('data-stores-protected', store(type, 'prod', true), store(type, 'dev', false), store(type, undefined, false)), type).to.deep.equal([]);
      }
      expect(await violations('data-stores-protected', store('aws:glue/job:Job', 'prod', false), store('aws:sns/topic:Topic', 'prod', false))).to.deep.equal([]);
    });
    it('reads the production stacks from the pack config when set', async () => {
      const policy = policies.find((p) => p.name === 'data-stores-protected') as ResourceValidationPolicy;
      const messages: string[] = [];
      const check = (env: string, productionStacks: string[] | undefined) =>
        (policy.validateResource as (args: ResourceValidationArgs, report: (m: string) => void) => void)(
          { type: 'aws:s3/bucket:Bucket', props: { tags: { 'headwater:env': env } }, opts: { protect: false }, getConfig: () => ({ productionStacks }) } as unknown as ResourceValidationArgs,
          (m) => messages.push(m),
        );
      check('staging', ['staging', 'prod']);
      check('prod', ['staging']);
      check('prod', undefined);
      expect(messages).to.deep.equal([
        "data store of production stack 'staging' is not protected; set headwater:protectData true (protect + retainOnDelete)",
        "data store of production stack 'prod' is not protected; set headwater:protectData true (protect + retainOnDelete)",
      ]);
      expect(policy.description).to.equal('Data stores of production stacks (prod) are protected against deletion');
    });
  });

  describe('log-retention', () => {
    it('refuses a log group with no positive retention, and looks at log groups only', async () => {
      const lg = (retentionInDays: unknown) => resource('aws:cloudwatch/logGroup:LogGroup', { tags: TAGS, kmsKeyId: 'k', retentionInDays });
      const message = 'log group keeps logs forever; set retentionInDays (headwater:logRetentionDays)';
      for (const days of [undefined, 0, -1, 'forever']) expect(await violations('log-retention', lg(days)), String(days)).to.deep.equal([message]);
      for (const days of [1, 14, '30']) expect(await violations('log-retention', lg(days)), String(days)).to.deep.equal([]);
      expect(await violations('log-retention', resource('aws:glue/job:Job', { tags: TAGS }))).to.deep.equal([]);
    });
  });

  describe('alarms-on-data-paths', () => {
    const alarm = (props: Record<string, unknown>) => resource('aws:cloudwatch/metricAlarm:MetricAlarm', { tags: TAGS, ...props });
    const missing = (r: RecordedResource, kind: string, metrics: string) => `${kind} ${r.name} has no alarm on ${metrics}; declare them for its kind in infra/components/kind-alarms.ts`;
    it('names each metric of its kind that no alarm on the resource watches', async () => {
      const fn = resource('aws:lambda/function:Function', { tags: TAGS, name: 'score', arn: 'arn:aws:lambda:eu-west-1:1:function:score' });
      expect(await violations('alarms-on-data-paths', fn)).to.deep.equal([missing(fn, 'Function', 'Errors, Throttles')]);
      expect(await violations('alarms-on-data-paths', fn, alarm({ metricName: 'Errors', dimensions: { FunctionName: 'score' } }))).to.deep.equal([missing(fn, 'Function', 'Throttles')]);
      // The right metric on another function, or another metric on this one, is no alarm on it.
      expect(await violations('alarms-on-data-paths', fn, alarm({ metricName: 'Throttles', dimensions: { FunctionName: 'other' } }), alarm({ metricName: 'Duration', dimensions: { FunctionName: 'score' } }))).to.deep.equal([missing(fn, 'Function', 'Errors, Throttles')]);
      expect(await violations('alarms-on-data-paths', fn, alarm({ metricName: 'Errors', dimensions: { FunctionName: 'score' } }), alarm({ metricName: 'Throttles', dimensions: { Resource: 'arn:aws:lambda:eu-west-1:1:function:score' } }))).to.deep.equal([]);
    });
    it('matches a dimension against the name, ARN, id, domain name or bucket, never an empty one', async () => {
      const cases: [type: string, kind: string, props: Record<string, unknown>, metrics: readonly string[]][] = [
        ['aws:glue/job:Job', 'Job', { id: 'job-1', name: '' }, ['glue.driver.aggregate.numFailedTasks']],
        ['aws:opensearch/domain:Domain', 'Domain', { domainName: 'search' }, ['ClusterStatus.red', 'FreeStorageSpace', 'ClusterIndexWritesBlocked']],
        ['aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream', 'FirehoseDeliveryStream', { name: 'to-lake' }, ['DeliveryToS3.DataFreshness', 'DeliveryToS3.Success']],
        ['aws:emrserverless/application:Application', 'Application', { id: 'app-1' }, ['FailedJobs']],
        ['aws:sns/topic:Topic', 'Topic', { bucket: 'alerts', arn: '' }, ['NumberOfNotificationsFailed']],
      ];
      for (const [type, kind, props, metrics] of cases) {
        const r = resource(type, { tags: TAGS, ...props });
        const value = Object.values(props).find((v) => v !== '') as string;
        expect(await violations('alarms-on-data-paths', r), type).to.deep.equal([missing(r, kind, metrics.join(', '))]);
        const alarms = metrics.map((metricName) => alarm({ metricName, dimensions: { D: value } }));
        expect(await violations('alarms-on-data-paths', r, ...alarms), type).to.deep.equal([]);
        const onEmpty = metrics.map((metricName) => alarm({ metricName, dimensions: { D: '' } }));
        expect(await violations('alarms-on-data-paths', r, ...onEmpty), `${type} empty`).to.deep.equal([missing(r, kind, metrics.join(', '))]);
      }
    });
    it('reads metric-math alarms: each query metric with its own dimensions', async () => {
      const machine = resource('aws:sfn/stateMachine:StateMachine', { tags: TAGS, arn: 'arn:aws:states:eu-west-1:1:stateMachine:refresh' });
      const math = (dimensions: Record<string, string>) => alarm({ metricQueries: [{ id: 'e', expression: 'm1 > 0' }, { id: 'm1', metric: { metricName: 'ExecutionsFailed', dimensions } }] });
      expect(await violations('alarms-on-data-paths', machine, math({ StateMachineArn: 'arn:aws:states:eu-west-1:1:stateMachine:refresh' }))).to.deep.equal([]);
      expect(await violations('alarms-on-data-paths', machine, math({ StateMachineArn: 'arn:aws:states:eu-west-1:1:stateMachine:other' }))).to.deep.equal([missing(machine, 'StateMachine', 'ExecutionsFailed')]);
      // A plain metric name with the dimension on one of the alarm's queries still points at the machine.
      expect(await violations('alarms-on-data-paths', machine, alarm({ metricName: 'ExecutionsFailed', metricQueries: [{ id: 'm1', metric: { metricName: 'Other', dimensions: { A: 'arn:aws:states:eu-west-1:1:stateMachine:refresh' } } }] }))).to.deep.equal([]);
      expect(await violations('alarms-on-data-paths', resource('aws:s3/bucket:Bucket', { tags: TAGS, bucket: 'b' }))).to.deep.equal([]);
    });
  });

  describe('tags-reach-children', () => {
    const provider = (defaultTags: unknown): RecordedResource => ({ type: 'pulumi:providers:aws', name: `p${++serial}`, urn: `urn:pulumi:test::headwater::pulumi:providers:aws::p${serial}`, inputs: { defaultTags }, state: {}, custom: true });
    const withProvider = (type: string, p: RecordedResource): RecordedResource => ({ ...resource(type, { tags: TAGS }), provider: `${p.urn}::id` });
    const untagged = (r: RecordedResource, missing: string) => `${r.type} ${r.name} is created by a provider without default tags ${missing}; give the stack's root the tagged provider (infra/platform.ts)`;
    it('accepts AWS resources whose provider tags them, given as JSON text or as an object', async () => {
      for (const tags of [JSON.stringify({ tags: TAGS }), { tags: TAGS }]) {
        const p = provider(tags);
        expect(await violations('tags-reach-children', p, withProvider('aws:s3/bucket:Bucket', p), withProvider('awsx:ec2:Vpc', p))).to.deep.equal([]);
      }
    });
    it('names the default tags missing or empty, and reports AWS resources only', async () => {
      const partial = provider(JSON.stringify({ tags: { ...TAGS, owner: '' } }));
      const bucket = withProvider('aws:s3/bucket:Bucket', partial);
      expect(await violations('tags-reach-children', partial, bucket, withProvider('awsx:ec2:Vpc', partial), withProvider('headwater:x:Thing', partial))).to.deep.equal([untagged(bucket, 'owner')]);
      const none = provider(undefined);
      const topic = withProvider('aws:sns/topic:Topic', none);
      const plain = resource('aws:kms/key:Key', { tags: TAGS });
      expect(await violations('tags-reach-children', none, topic, plain)).to.deep.equal([untagged(topic, REQUIRED_TAGS.join(', ')), untagged(plain, REQUIRED_TAGS.join(', '))]);
    });
  });
});
