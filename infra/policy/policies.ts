/**
 * The Headwater policy pack's policies: no public access, encryption wherever data rests, no IAM
 * wildcards outside the allow-list, TLS only, supported Lambda runtimes, required tags. Kept apart
 * from the `PolicyPack` (index.ts) so the mock harness can evaluate them without a policy engine.
 */
import type { ReportViolation, ResourceValidationArgs, ResourceValidationPolicy, StackValidationArgs, StackValidationPolicy } from '@pulumi/policy';
import { WILDCARD_ALLOW_LIST } from './allow-list';
import { REQUIRED_ALARM_METRICS } from '../components/kind-alarms';
import { SOURCE_CONDITION_KEYS } from '../iam';
import { DATA_STORE_TYPES } from '../protection';

/** Stacks whose data stores must be protected, by `headwater:env` tag (the pack's `productionStacks` config overrides it). */
export const PRODUCTION_STACKS = ['prod'];

/** Lambda runtimes AWS supports and we accept (Node.js 20 is deprecated in 2026). */
export const SUPPORTED_LAMBDA_RUNTIMES = ['nodejs22.x', 'nodejs24.x', 'python3.12', 'python3.13'];
export const REQUIRED_TAGS = ['headwater:asset', 'headwater:env', 'owner'];

/**
 * Resource types of the platform that take tags. The policy test checks this list against the
 * types the program's tag transformation actually saw, so it cannot drift.
 */
export const TAGGABLE_TYPES = new Set([
  'aws:kms/key:Key',
  'aws:s3/bucket:Bucket',
  'aws:s3/bucketObjectv2:BucketObjectv2',
  'aws:glue/catalogDatabase:CatalogDatabase',
  'aws:glue/connection:Connection',
  'aws:glue/job:Job',
  'aws:iam/role:Role',
  'aws:kinesis/stream:Stream',
  'aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream',
  'aws:emrserverless/application:Application',
  'aws:opensearch/serverlessCollection:ServerlessCollection',
  'aws:opensearch/domain:Domain',
  'aws:lambda/function:Function',
  'aws:cloudwatch/logGroup:LogGroup',
  'aws:cloudwatch/metricAlarm:MetricAlarm',
  'aws:cloudwatch/eventRule:EventRule',
  'aws:dynamodb/table:Table',
  'aws:sns/topic:Topic',
  'aws:sfn/stateMachine:StateMachine',
  'aws:ssm/parameter:Parameter',
  'aws:ec2/securityGroup:SecurityGroup',
  'aws:ec2/vpcEndpoint:VpcEndpoint',
  'aws:iam/policy:Policy',
  'aws:budgets/budget:Budget',
  'aws:costexplorer/anomalyMonitor:AnomalyMonitor',
  'aws:costexplorer/anomalySubscription:AnomalySubscription',
  'awsx:ec2:Vpc',
]);

type Props = Record<string, unknown>;
type PolicyStatement = { Sid?: string; Effect?: string; Action?: string | string[]; NotAction?: unknown; Resource?: string | string[]; NotResource?: unknown; Principal?: unknown; Condition?: Record<string, Record<string, unknown>> };

const list = <T>(x: T | T[] | undefined): T[] => (x === undefined ? [] : Array.isArray(x) ? x : [x]);

/** Parses a policy document given as JSON text or an object; undefined while unknown (preview). */
export function parsePolicy(doc: unknown): PolicyStatement[] | undefined {
  if (doc === undefined || doc === null || doc === '') return undefined;
  const parsed = typeof doc === 'string' ? (JSON.parse(doc) as unknown) : doc;
  if (Array.isArray(parsed)) return undefined; // OpenSearch Serverless policies: not IAM documents.
  return list((parsed as { Statement?: PolicyStatement | PolicyStatement[] }).Statement);
}

/** Which prop of a resource type holds an IAM-style policy document. */
const POLICY_PROPS: Record<string, string> = {
  'aws:iam/rolePolicy:RolePolicy': 'policy',
  'aws:iam/policy:Policy': 'policy',
  'aws:iam/role:Role': 'assumeRolePolicy',
  'aws:kms/key:Key': 'policy',
  'aws:s3/bucketPolicy:BucketPolicy': 'policy',
  'aws:sns/topicPolicy:TopicPolicy': 'policy',
  'aws:opensearch/domainPolicy:DomainPolicy': 'accessPolicies',
};

/** Problems of one statement against the wildcard rules and the allow-list. */
export function wildcardProblems(s: PolicyStatement): string[] {
  if (s.Effect !== 'Allow') return [];
  const problems: string[] = [];
  const actions = list(s.Action);
  const resources = list(s.Resource);
  if (s.NotAction !== undefined || s.NotResource !== undefined) problems.push(`statement ${s.Sid ?? '(no Sid)'} allows with NotAction/NotResource, which grants everything else`);
  const allowance = WILDCARD_ALLOW_LIST.find((a) => a.sid === s.Sid);
  const excused = allowance !== undefined && actions.every((a) => allowance.actions.includes(a));
  const wildAction = actions.filter((a) => a === '*' || /:\*$/.test(a));
  if (wildAction.length && !excused) problems.push(`statement ${s.Sid ?? '(no Sid)'} allows wildcard action(s) ${wildAction.join(', ')}; list the actions it needs`);
  if (resources.includes('*') && !excused) {
    problems.push(`statement ${s.Sid ?? '(no Sid)'} allows ${actions.join(', ')} on Resource '*'; scope it to ARNs, or add the Sid to infra/policy/allow-list.ts with the reason AWS requires '*'`);
  }
  // Assume-role trust policies: a wildcard principal would let any AWS account in.
  const principal = s.Principal as { AWS?: unknown } | string | undefined;
  if (principal === '*' || (typeof principal === 'object' && list(principal.AWS as string | string[]).includes('*'))) {
    problems.push(`statement ${s.Sid ?? '(no Sid)'} allows principal '*' (anyone); name the principals`);
  }
  return problems;
}

const hasTlsDeny = (statements: PolicyStatement[]): boolean =>
  statements.some((s) => s.Effect === 'Deny' && String(s.Condition?.Bool?.['aws:SecureTransport']) === 'false');

const resourcePolicy = (name: string, description: string, validate: (type: string, props: Props, report: ReportViolation, args: ResourceValidationArgs) => void): ResourceValidationPolicy => ({
  name,
  description,
  enforcementLevel: 'mandatory',
  validateResource: (args, report) => validate(args.type, args.props as Props, report, args),
});

const stackPolicy = (name: string, description: string, validate: (args: StackValidationArgs, report: ReportViolation) => void): StackValidationPolicy => ({
  name,
  description,
  enforcementLevel: 'mandatory',
  validateStack: validate,
});

/** Buckets, by name, with the companion resources that refer to them. */
function bucketsWith(args: StackValidationArgs, type: string): { buckets: { name: string; urn: string }[]; covered: Map<string, Props[]> } {
  const buckets = args.resources.filter((r) => r.type === 'aws:s3/bucket:Bucket').map((r) => ({ name: String(r.props.bucket ?? r.props.id ?? r.name), urn: r.urn }));
  const covered = new Map<string, Props[]>();
  for (const r of args.resources.filter((x) => x.type === type)) {
    const b = String(r.props.bucket);
    covered.set(b, [...(covered.get(b) ?? []), r.props as Props]);
  }
  return { buckets, covered };
}

/** Problems of a role's trust policy: a service principal with no condition pinning the caller to this account. */
export function trustProblems(doc: unknown): string[] {
  const problems: string[] = [];
  for (const s of parsePolicy(doc) ?? []) {
    const services = list((s.Principal as { Service?: string | string[] } | undefined)?.Service);
    if (s.Effect !== 'Allow' || !services.length) continue;
    const keys = Object.values(s.Condition ?? {}).flatMap((c) => Object.keys(c));
    if (!keys.some((k) => (SOURCE_CONDITION_KEYS as readonly string[]).includes(k))) {
      problems.push(`trust of ${services.join(', ')} has no ${SOURCE_CONDITION_KEYS.join(' / ')} condition (confused deputy); build the role with serviceRole() in infra/iam.ts`);
    }
  }
  return problems;
}

/** Values a CloudWatch alarm dimension may take to point at a resource: its name, ARN or id. */
const identifiersOf = (props: Props): string[] =>
  ['name', 'arn', 'id', 'domainName', 'bucket'].map((k) => props[k]).filter((v): v is string => typeof v === 'string' && v !== '');

/** Metric names and dimension values an alarm watches (plain or metric-math). */
function watched(alarm: Props): { metrics: string[]; values: string[] } {
  const queries = list(alarm.metricQueries as Props[] | undefined).map((q) => q.metric as Props | undefined).filter((m): m is Props => !!m);
  const metrics = [alarm.metricName, ...queries.map((m) => m.metricName)].filter((m): m is string => typeof m === 'string');
  const dims = [alarm.dimensions as Record<string, unknown> | undefined, ...queries.map((m) => m.dimensions as Record<string, unknown> | undefined)];
  return { metrics, values: dims.flatMap((d) => Object.values(d ?? {}).map(String)) };
}

export const policies: (ResourceValidationPolicy | StackValidationPolicy)[] = [
  resourcePolicy('no-public-access', 'No public bucket, bucket policy or Function URL', (type, p, report) => {
    if (type === 'aws:s3/bucket:Bucket' || type === 'aws:s3/bucketAclV2:BucketAclV2' || type === 'aws:s3/bucketAcl:BucketAcl') {
      if (['public-read', 'public-read-write', 'authenticated-read'].includes(String(p.acl))) report(`bucket ACL '${p.acl}' makes it public; remove the ACL`);
    }
    if (type === 'aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock') {
      for (const flag of ['blockPublicAcls', 'blockPublicPolicy', 'ignorePublicAcls', 'restrictPublicBuckets']) {
        if (p[flag] !== true) report(`public access block leaves ${flag} off; set all four flags to true`);
      }
    }
    if (type === 'aws:s3/bucketPolicy:BucketPolicy') {
      for (const s of parsePolicy(p.policy) ?? []) {
        const pr = s.Principal as { AWS?: unknown } | string | undefined;
        const anyone = pr === '*' || (typeof pr === 'object' && list(pr.AWS as string | string[]).includes('*'));
        if (s.Effect === 'Allow' && anyone) report(`bucket policy statement ${s.Sid ?? ''} allows anyone (Principal '*'); name the principals`);
      }
    }
    if (type === 'aws:lambda/functionUrl:FunctionUrl' && p.authorizationType !== 'AWS_IAM') report(`Function URL auth is '${p.authorizationType}'; use AWS_IAM`);
  }),
  stackPolicy('bucket-public-access-blocked', 'Every bucket has a public access block', (args, report) => {
    const { buckets, covered } = bucketsWith(args, 'aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock');
    for (const b of buckets) if (!covered.has(b.name)) report(`bucket ${b.name} has no BucketPublicAccessBlock; add one with all four flags true`, b.urn);
  }),
  resourcePolicy('encryption-at-rest', 'Data at rest is encrypted (KMS)', (type, p, report) => {
    const need = (ok: boolean, what: string) => void (ok || report(what));
    switch (type) {
      case 'aws:kinesis/stream:Stream':
        return need(p.encryptionType === 'KMS' && !!p.kmsKeyId, 'Kinesis stream is not KMS-encrypted; set encryptionType KMS and kmsKeyId');
      case 'aws:dynamodb/table:Table':
        return need((p.serverSideEncryption as Props | undefined)?.enabled === true, 'DynamoDB table has no customer-managed encryption; set serverSideEncryption.enabled with a KMS key');
      case 'aws:sns/topic:Topic':
        return need(!!p.kmsMasterKeyId, 'SNS topic is not encrypted; set kmsMasterKeyId');
      case 'aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream': {
        const s3 = p.extendedS3Configuration as Props | undefined;
        return need(!!s3?.kmsKeyArn || (p.serverSideEncryption as Props | undefined)?.enabled === true, 'Firehose delivery does not encrypt what it writes; set extendedS3Configuration.kmsKeyArn');
      }
      case 'aws:opensearch/domain:Domain':
        return need((p.encryptAtRest as Props | undefined)?.enabled === true, 'OpenSearch domain is not encrypted at rest; set encryptAtRest.enabled');
      case 'aws:glue/job:Job':
        return need(!!p.securityConfiguration, 'Glue job has no security configuration; its S3 output and bookmarks would be unencrypted');
      case 'aws:cloudwatch/logGroup:LogGroup':
        return need(!!p.kmsKeyId, 'log group is not KMS-encrypted; set kmsKeyId');
      case 'aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration': {
        const rules = list(p.rules as Props[]);
        return need(
          rules.some((r) => (r.applyServerSideEncryptionByDefault as Props | undefined)?.sseAlgorithm === 'aws:kms'),
          'bucket default encryption is not aws:kms; use the lake key',
        );
      }
    }
  }),
  stackPolicy('buckets-encrypted', 'Every bucket has KMS default encryption; every vector collection an encryption policy', (args, report) => {
    const { buckets, covered } = bucketsWith(args, 'aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration');
    for (const b of buckets) if (!covered.has(b.name)) report(`bucket ${b.name} has no default encryption; add a BucketServerSideEncryptionConfiguration with aws:kms`, b.urn);
    const encrypted = args.resources
      .filter((r) => r.type === 'aws:opensearch/serverlessSecurityPolicy:ServerlessSecurityPolicy' && r.props.type === 'encryption')
      .flatMap((r) => list((JSON.parse(String(r.props.policy)) as { Rules?: { Resource?: string[] }[] }).Rules).flatMap((rule) => rule.Resource ?? []));
    for (const c of args.resources.filter((r) => r.type === 'aws:opensearch/serverlessCollection:ServerlessCollection')) {
      if (!encrypted.includes(`collection/${c.props.name}`)) report(`collection ${c.props.name} has no encryption security policy`, c.urn);
    }
  }),
  resourcePolicy('iam-no-wildcards', "No IAM '*' action or resource outside the allow-list", (type, p, report) => {
    const prop = POLICY_PROPS[type];
    if (!prop) return;
    for (const s of parsePolicy(p[prop]) ?? []) for (const problem of wildcardProblems(s)) report(problem);
  }),
  resourcePolicy('tls-only', 'Data moves over TLS only', (type, p, report) => {
    if (type === 'aws:s3/bucketPolicy:BucketPolicy') {
      const statements = parsePolicy(p.policy);
      if (statements && !hasTlsDeny(statements)) report('bucket policy does not deny aws:SecureTransport=false; add the DenyInsecureTransport statement');
    }
    if (type === 'aws:opensearch/domain:Domain') {
      const ep = p.domainEndpointOptions as Props | undefined;
      if (ep?.enforceHttps !== true) report('OpenSearch domain accepts plain HTTP; set domainEndpointOptions.enforceHttps');
      if (!String(ep?.tlsSecurityPolicy ?? '').includes('TLS-1-2')) report('OpenSearch domain allows TLS below 1.2; set tlsSecurityPolicy Policy-Min-TLS-1-2-PFS-2023-10');
      if ((p.nodeToNodeEncryption as Props | undefined)?.enabled !== true) report('OpenSearch domain nodes talk in clear; set nodeToNodeEncryption.enabled');
    }
    if (type === 'aws:glue/connection:Connection' && p.connectionType === 'JDBC') {
      if ((p.connectionProperties as Props | undefined)?.JDBC_ENFORCE_SSL !== 'true') report('JDBC connection does not enforce SSL; set JDBC_ENFORCE_SSL to "true"');
    }
  }),
  stackPolicy('buckets-tls-only', 'Every bucket has a policy denying non-TLS requests', (args, report) => {
    const { buckets, covered } = bucketsWith(args, 'aws:s3/bucketPolicy:BucketPolicy');
    for (const b of buckets) {
      const docs = covered.get(b.name) ?? [];
      if (!docs.some((d) => hasTlsDeny(parsePolicy(d.policy) ?? []))) report(`bucket ${b.name} has no policy denying aws:SecureTransport=false`, b.urn);
    }
  }),
  resourcePolicy('lambda-supported-runtime', `Lambda runtimes are supported ones (${SUPPORTED_LAMBDA_RUNTIMES.join(', ')})`, (type, p, report) => {
    if (type !== 'aws:lambda/function:Function' || p.imageUri) return;
    if (!SUPPORTED_LAMBDA_RUNTIMES.includes(String(p.runtime))) report(`Lambda runtime '${p.runtime}' is not supported here; use one of ${SUPPORTED_LAMBDA_RUNTIMES.join(', ')}`);
  }),
  resourcePolicy('required-tags', `Taggable resources carry ${REQUIRED_TAGS.join(', ')}`, (type, p, report) => {
    if (!TAGGABLE_TYPES.has(type)) return;
    const tags = (p.tags ?? {}) as Record<string, unknown>;
    const missing = REQUIRED_TAGS.filter((t) => typeof tags[t] !== 'string' || tags[t] === '');
    if (missing.length) report(`missing tag(s) ${missing.join(', ')}; resources get them from the platform's tag transformation (infra/tags.ts)`);
  }),
  resourcePolicy('search-not-public', 'Search collections and domains are reachable from the VPC only', (type, p, report) => {
    if (type === 'aws:opensearch/serverlessSecurityPolicy:ServerlessSecurityPolicy' && p.type === 'network' && typeof p.policy === 'string') {
      const rules = JSON.parse(p.policy) as { AllowFromPublic?: boolean }[];
      if (list(rules).some((r) => r.AllowFromPublic === true)) report('network policy allows public access to the collection; set AllowFromPublic false with SourceVPCEs');
    }
    if (type === 'aws:opensearch/domain:Domain' && !list((p.vpcOptions as Props | undefined)?.subnetIds as string[] | undefined).length) {
      report('OpenSearch domain has a public endpoint; place it in the VPC (vpcOptions.subnetIds and securityGroupIds)');
    }
  }),
  resourcePolicy('service-trust-conditions', 'Roles trusting an AWS service pin it to this account (aws:SourceAccount, aws:SourceArn or sts:ExternalId)', (type, p, report) => {
    if (type === 'aws:iam/role:Role') for (const problem of trustProblems(p.assumeRolePolicy)) report(problem);
  }),
  resourcePolicy('service-invoke-scoped', 'A function an AWS service may invoke names the one source it accepts (sourceArn)', (type, p, report) => {
    // Without a source, any rule, bucket or topic of any account using that service could invoke it (confused deputy).
    if (type === 'aws:lambda/permission:Permission' && String(p.principal ?? '').endsWith('.amazonaws.com') && !p.sourceArn) {
      report(`permission lets ${p.principal} invoke ${p.function ?? 'a function'} from any source; set sourceArn to the rule, bucket or topic that invokes it`);
    }
  }),
  {
    name: 'data-stores-protected',
    description: `Data stores of production stacks (${PRODUCTION_STACKS.join(', ')}) are protected against deletion`,
    enforcementLevel: 'mandatory',
    configSchema: { properties: { productionStacks: { type: 'array', items: { type: 'string' }, default: PRODUCTION_STACKS } } },
    validateResource: (args, report) => {
      if (!(DATA_STORE_TYPES as readonly string[]).includes(args.type)) return;
      const env = ((args.props.tags ?? {}) as Record<string, unknown>)['headwater:env'];
      const production = args.getConfig<{ productionStacks?: string[] }>().productionStacks ?? PRODUCTION_STACKS;
      if (typeof env === 'string' && production.includes(env) && args.opts.protect !== true) {
        report(`data store of production stack '${env}' is not protected; set headwater:protectData true (protect + retainOnDelete)`);
      }
    },
  },
  resourcePolicy('log-retention', 'Every log group has a retention period', (type, p, report) => {
    if (type === 'aws:cloudwatch/logGroup:LogGroup' && !(Number(p.retentionInDays) > 0)) report('log group keeps logs forever; set retentionInDays (headwater:logRetentionDays)');
  }),
  stackPolicy('alarms-on-data-paths', 'Streams, deliveries, functions, jobs, domains, topics and state machines have their alarms', (args, report) => {
    const alarms = args.resources.filter((r) => r.type === 'aws:cloudwatch/metricAlarm:MetricAlarm').map((r) => watched(r.props as Props));
    for (const r of args.resources) {
      const required = REQUIRED_ALARM_METRICS[r.type];
      if (!required) continue;
      const ids = identifiersOf(r.props as Props);
      const missing = required.filter((m) => !alarms.some((a) => a.metrics.includes(m) && a.values.some((v) => ids.includes(v))));
      if (missing.length) report(`${r.type.split(':').pop()} ${r.name} has no alarm on ${missing.join(', ')}; declare them for its kind in infra/components/kind-alarms.ts`, r.urn);
    }
  }),
  stackPolicy('tags-reach-children', `AWS resources use a provider whose default tags carry ${REQUIRED_TAGS.join(', ')} (so children of awsx components are tagged too)`, (args, report) => {
    for (const r of args.resources) {
      if (!r.type.startsWith('aws:') && !r.type.startsWith('awsx:')) continue;
      // Provider inputs reach the engine as JSON text for nested values.
      const raw = r.provider?.props.defaultTags;
      const tags = (((typeof raw === 'string' ? JSON.parse(raw) : raw) as Props | undefined)?.tags ?? {}) as Record<string, unknown>;
      const missing = REQUIRED_TAGS.filter((t) => typeof tags[t] !== 'string' || tags[t] === '');
      if (r.type.startsWith('aws:') && missing.length) report(`${r.type} ${r.name} is created by a provider without default tags ${missing.join(', ')}; give the stack's root the tagged provider (infra/platform.ts)`, r.urn);
    }
  }),
];
