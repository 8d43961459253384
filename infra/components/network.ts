/**
 * The network the Glue JDBC connection, the search backend and the Lambdas that read it run in:
 * an awsx VPC this stack creates (private subnets; NAT, or interface endpoints for the AWS APIs
 * when there is no NAT; an S3 gateway endpoint either way), an existing VPC given by ids, or one
 * read from a network stack's outputs. Security groups allow only what each member needs.
 */
import * as aws from '@pulumi/aws';
import * as awsx from '@pulumi/awsx';
import * as pulumi from '@pulumi/pulumi';
import type { PlatformConfig } from '../config';

const NAT = { single: 'Single', 'one-per-az': 'OnePerAz', none: 'None' } as const;
const HTTPS = { protocol: 'tcp', fromPort: 443, toPort: 443 } as const;

/** The port of a JDBC URL (`jdbc:postgresql://host:5432/db`), else the engine's default. */
export function jdbcPort(jdbcUrl: string): number {
  const explicit = /^jdbc:[a-z]+:\/\/[^/:]+:(\d+)\//.exec(jdbcUrl);
  if (explicit) return Number(explicit[1]);
  return jdbcUrl.startsWith('jdbc:mysql') ? 3306 : jdbcUrl.startsWith('jdbc:sqlserver') ? 1433 : 5432;
}

export class Network extends pulumi.ComponentResource {
  readonly vpcId: pulumi.Output<string>;
  readonly privateSubnetIds: pulumi.Output<string[]>;
  /** Groups of the Glue connection: the platform's own plus any configured. */
  readonly securityGroupIds: pulumi.Output<string[]>;
  /** The subnet the Glue connection places its workers in, and its availability zone. */
  readonly connectionSubnet: pulumi.Output<{ id: string; availabilityZone: string }>;
  /** Lambdas that call the search endpoint: HTTPS out, nothing in. */
  readonly searchClients: aws.ec2.SecurityGroup;
  /** The search endpoint (domain or collection VPC endpoint): HTTPS in from the clients only. */
  readonly searchEndpoint: aws.ec2.SecurityGroup;

  constructor(name: string, args: { cfg: PlatformConfig }, opts?: pulumi.ComponentResourceOptions) {
    super('headwater:network:Network', name, {}, opts);
    const child = { parent: this };
    const { vpc, region } = args.cfg;
    let configuredGroups: pulumi.Input<string[]> = [];
    if (vpc.mode === 'create') {
      const created = new awsx.ec2.Vpc(
        `${name}-vpc`,
        {
          cidrBlock: vpc.cidrBlock,
          numberOfAvailabilityZones: vpc.azCount,
          natGateways: { strategy: NAT[vpc.natGateways] },
          enableDnsHostnames: true,
          // Glue and the Lambdas read and write the lake through S3 without crossing a NAT.
          vpcEndpointSpecs: [{ serviceName: `com.amazonaws.${region}.s3`, vpcEndpointType: 'Gateway' }],
        },
        child,
      );
      this.vpcId = created.vpcId;
      this.privateSubnetIds = created.privateSubnetIds;
      this.interfaceEndpoints(name, vpc.cidrBlock, vpc.interfaceEndpoints ?? [], vpc.endpointAzCount ?? 1, region);
    } else if (vpc.mode === 'existing') {
      this.vpcId = pulumi.output(vpc.vpcId);
      this.privateSubnetIds = pulumi.output([...vpc.privateSubnetIds]);
      configuredGroups = [...vpc.securityGroupIds];
    } else {
      // The network team's stack owns the VPC; this stack only reads its outputs.
      const ref = new pulumi.StackReference(`${name}-ref`, { name: vpc.stack }, child);
      this.vpcId = ref.requireOutput('vpcId').apply(String);
      this.privateSubnetIds = ref.requireOutput('privateSubnetIds').apply((ids) => (ids as string[]).map(String));
      configuredGroups = ref.getOutput('securityGroupIds').apply((ids) => ((ids as string[] | undefined) ?? []).map(String));
    }
    const port = jdbcPort(args.cfg.source.jdbcUrl);
    const group = new aws.ec2.SecurityGroup(
      `${name}-glue`,
      {
        vpcId: this.vpcId,
        description: 'Glue workers of the JDBC extracts: members talk to each other, out to the source database port and HTTPS only',
        ingress: [{ protocol: 'tcp', fromPort: 0, toPort: 65535, self: true, description: 'Glue workers among themselves' }],
        egress: [
          { protocol: 'tcp', fromPort: 0, toPort: 65535, self: true, description: 'Glue workers among themselves' },
          { protocol: 'tcp', fromPort: port, toPort: port, cidrBlocks: ['0.0.0.0/0'], description: 'the source database (its port only)' },
          { ...HTTPS, cidrBlocks: ['0.0.0.0/0'], description: 'S3 and AWS APIs (endpoints or NAT)' },
        ],
      },
      child,
    );
    this.searchClients = new aws.ec2.SecurityGroup(
      `${name}-search-clients`,
      { vpcId: this.vpcId, description: 'Lambdas reading the search backend: HTTPS out only', egress: [{ ...HTTPS, cidrBlocks: ['0.0.0.0/0'], description: 'search endpoint, S3 and AWS APIs' }] },
      child,
    );
    this.searchEndpoint = new aws.ec2.SecurityGroup(
      `${name}-search`,
      {
        vpcId: this.vpcId,
        description: 'The search endpoint: HTTPS in from the search clients only',
        ingress: [{ ...HTTPS, securityGroups: [this.searchClients.id], description: 'search clients' }],
      },
      child,
    );
    this.securityGroupIds = pulumi.all([group.id, configuredGroups]).apply(([id, extra]) => [id, ...extra]);
    this.connectionSubnet = this.privateSubnetIds.apply((ids) => {
      if (!ids.length) throw new Error(`network ${name}: the VPC has no private subnets; the Glue connection needs one (check headwater:vpc)`);
      return aws.ec2.getSubnetOutput({ id: ids[0] }, child).apply((s) => ({ id: ids[0], availabilityZone: s.availabilityZone }));
    });
    this.registerOutputs({ vpcId: this.vpcId, privateSubnetIds: this.privateSubnetIds, securityGroupIds: this.securityGroupIds });
  }

  /** Interface endpoints (private DNS) for AWS APIs, in the first `azCount` private subnets: what replaces the NAT. */
  private interfaceEndpoints(name: string, cidrBlock: string, services: readonly string[], azCount: number, region: string): void {
    if (!services.length) return;
    const child = { parent: this };
    const group = new aws.ec2.SecurityGroup(
      `${name}-endpoints`,
      { vpcId: this.vpcId, description: 'Interface endpoints: HTTPS in from the VPC', ingress: [{ ...HTTPS, cidrBlocks: [cidrBlock], description: 'the VPC' }] },
      child,
    );
    for (const service of services) {
      new aws.ec2.VpcEndpoint(
        `${name}-${service.replace(/\./g, '-')}`,
        {
          vpcId: this.vpcId,
          serviceName: `com.amazonaws.${region}.${service}`,
          vpcEndpointType: 'Interface',
          privateDnsEnabled: true,
          subnetIds: this.privateSubnetIds.apply((ids) => ids.slice(0, azCount)),
          securityGroupIds: [group.id],
        },
        child,
      );
    }
  }
}
