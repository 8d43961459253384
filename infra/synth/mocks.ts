/**
 * Pulumi mocks that record every resource the program registers (type, name, inputs, the state
 * the mock returned, parent) so tests, `infra:plan` and the policy harness can inspect the tree.
 * Outputs are what AWS would compute, shaped well enough for downstream inputs: ids, ARNs,
 * bucket names, endpoints.
 */
import type * as pulumi from '@pulumi/pulumi';

export const MOCK_ACCOUNT = '123456789012';

export interface RecordedResource {
  readonly type: string;
  readonly name: string;
  readonly urn: string;
  /** Inputs as the program gave them (outputs resolved). */
  readonly inputs: Record<string, unknown>;
  /** Inputs plus what the mock computed (the resource's outputs). */
  readonly state: Record<string, unknown>;
  readonly parentUrn?: string;
  readonly custom: boolean;
  /** The provider reference (`<urn>::<id>`) the engine passed, when the resource has an explicit provider. */
  readonly provider?: string;
  /** Resource options the program set (recorded by the synthesis' transformation). */
  protect?: boolean;
  retainOnDelete?: boolean;
}

const SERVICE_OF: Record<string, string> = { cloudwatch: 'logs' };

function arnFor(type: string, name: string, region: string): string {
  const [pkg, mod] = type.split(':');
  if (pkg !== 'aws') return `arn:aws:${pkg}:${region}:${MOCK_ACCOUNT}:${name}`;
  const svc = (mod ?? '').split('/')[0];
  if (svc === 's3') return `arn:aws:s3:::${name}`;
  if (svc === 'iam') return `arn:aws:iam::${MOCK_ACCOUNT}:role/${name}`;
  return `arn:aws:${SERVICE_OF[svc] ?? svc}:${region}:${MOCK_ACCOUNT}:${name}`;
}

/** The state a real create would return for the resource types the platform uses. */
function computedState(type: string, name: string, inputs: Record<string, unknown>, region: string): Record<string, unknown> {
  const physical = (inputs.name as string | undefined) ?? name;
  const arn = arnFor(type, physical, region);
  switch (type) {
    case 'aws:s3/bucket:Bucket':
      return { bucket: inputs.bucket ?? name, arn: `arn:aws:s3:::${inputs.bucket ?? name}`, id: inputs.bucket ?? name };
    case 'aws:kms/key:Key':
      return { arn: `arn:aws:kms:${region}:${MOCK_ACCOUNT}:key/${name}`, keyId: `${name}-id` };
    case 'aws:iam/role:Role':
      return { arn: `arn:aws:iam::${MOCK_ACCOUNT}:role/${physical}`, name: physical };
    case 'aws:lambda/function:Function':
      return { arn: `arn:aws:lambda:${region}:${MOCK_ACCOUNT}:function:${physical}`, version: '1', qualifiedArn: `arn:aws:lambda:${region}:${MOCK_ACCOUNT}:function:${physical}:1`, invokeArn: `arn:aws:apigateway:${region}:lambda:path/${physical}` };
    case 'aws:lambda/functionUrl:FunctionUrl':
      return { functionUrl: `https://${name}.lambda-url.${region}.on.aws/` };
    case 'aws:kinesis/stream:Stream':
      return { arn: `arn:aws:kinesis:${region}:${MOCK_ACCOUNT}:stream/${physical}` };
    case 'aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream':
      return { arn: `arn:aws:firehose:${region}:${MOCK_ACCOUNT}:deliverystream/${physical}` };
    case 'aws:opensearch/serverlessCollection:ServerlessCollection':
      return { arn: `arn:aws:aoss:${region}:${MOCK_ACCOUNT}:collection/${physical}-id`, collectionEndpoint: `https://${physical}-id.${region}.aoss.amazonaws.com` };
    case 'aws:opensearch/domain:Domain':
      return { arn: `arn:aws:es:${region}:${MOCK_ACCOUNT}:domain/${inputs.domainName ?? name}`, endpoint: `search-${inputs.domainName ?? name}.${region}.es.amazonaws.com` };
    case 'aws:emrserverless/application:Application':
      return { arn: `arn:aws:emr-serverless:${region}:${MOCK_ACCOUNT}:/applications/${name}-app-id`, id: `${name}-app-id` };
    case 'aws:glue/connection:Connection':
      return { arn: `arn:aws:glue:${region}:${MOCK_ACCOUNT}:connection/${physical}` };
    case 'aws:cloudwatch/logGroup:LogGroup':
      return { arn: `arn:aws:logs:${region}:${MOCK_ACCOUNT}:log-group:${physical}` };
    case 'aws:dynamodb/table:Table':
      return { arn: `arn:aws:dynamodb:${region}:${MOCK_ACCOUNT}:table/${physical}` };
    case 'aws:sns/topic:Topic':
      return { arn: `arn:aws:sns:${region}:${MOCK_ACCOUNT}:${physical}`, name: physical };
    case 'aws:ec2/securityGroup:SecurityGroup':
      return { id: `sg-${name}` };
    case 'awsx:ec2:Vpc':
      return {
        vpcId: `vpc-${name}`,
        privateSubnetIds: ['subnet-private-a', 'subnet-private-b'],
        publicSubnetIds: ['subnet-public-a', 'subnet-public-b'],
        isolatedSubnetIds: [],
      };
    case 'pulumi:pulumi:StackReference':
      return { outputs: stackReferenceOutputs(String(inputs.name ?? name)) };
    default:
      return { arn, name: physical };
  }
}

/** What a referenced network stack exports under mocks: ids derived from its name, three private subnets. */
export function stackReferenceOutputs(stack: string): Record<string, unknown> {
  const id = stack.replace(/[^a-z0-9]+/gi, '-');
  return { vpcId: `vpc-${id}`, privateSubnetIds: [1, 2, 3].map((n) => `subnet-${id}-${n}`), securityGroupIds: [`sg-${id}-shared`] };
}

/** A provider resource (AWS, or an awsx component that runs in its provider), not one of our components. */
export const isProviderResource = (r: RecordedResource): boolean => r.custom || !r.type.startsWith('headwater:');

const SIG = '4dabf18193072939515e22adb298388d';
const SECRET_SIG = '1b47061264138c4ac30d75fd1eb44270';

/** Inputs with Pulumi's secret wrappers removed, as a policy engine sees plain values. */
function unwrapSecrets(x: unknown): unknown {
  if (Array.isArray(x)) return x.map(unwrapSecrets);
  if (x && typeof x === 'object') {
    const o = x as Record<string, unknown>;
    if (o[SIG] === SECRET_SIG) return unwrapSecrets(o.value);
    return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, unwrapSecrets(v)]));
  }
  return x;
}

/** Mocks recording every registration; `reset()` between synthesized stacks. */
export class RecordingMocks implements pulumi.runtime.Mocks {
  readonly resources: RecordedResource[] = [];
  region = 'eu-west-1';

  reset(region: string): void {
    this.resources.length = 0;
    this.region = region;
  }

  newResource(args: pulumi.runtime.MockResourceArgs): { id: string | undefined; state: Record<string, unknown> } {
    const inputs = unwrapSecrets(args.inputs) as Record<string, unknown>;
    const computed = computedState(args.type, args.name, inputs, this.region);
    const id = (computed.id as string | undefined) ?? `${args.name}-id`;
    const state = { ...inputs, ...computed };
    const parentUrn = (args as { parent?: string }).parent;
    this.resources.push({
      type: args.type,
      name: args.name,
      urn: `urn:pulumi:mock::headwater::${args.type}::${args.name}`,
      inputs,
      state,
      parentUrn,
      custom: args.custom !== false,
      provider: args.provider,
    });
    return { id, state };
  }

  call(args: pulumi.runtime.MockCallArgs): Record<string, unknown> {
    switch (args.token) {
      case 'aws:index/getCallerIdentity:getCallerIdentity':
        return { accountId: MOCK_ACCOUNT, arn: `arn:aws:iam::${MOCK_ACCOUNT}:user/mock`, userId: 'mock', id: MOCK_ACCOUNT };
      case 'aws:ec2/getSubnet:getSubnet':
        return { id: args.inputs.id, availabilityZone: `${this.region}a`, vpcId: 'vpc-mock' };
      default:
        throw new Error(`mock: no answer for invoke ${args.token}; add one to infra/synth/mocks.ts`);
    }
  }
}
