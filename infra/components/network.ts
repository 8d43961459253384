/**
 * The network the Glue JDBC connection runs in: an awsx VPC this stack creates (private subnets,
 * NAT, an S3 gateway endpoint) or an existing VPC given by ids, plus a security group whose
 * members may talk to each other (Glue workers need that among themselves).
 */
import * as aws from '@pulumi/aws';
import * as awsx from '@pulumi/awsx';
import * as pulumi from '@pulumi/pulumi';
import type { PlatformConfig } from '../config';

const NAT = { single: 'Single', 'one-per-az': 'OnePerAz', none: 'None' } as const;

export class Network extends pulumi.ComponentResource {
  readonly vpcId: pulumi.Output<string>;
  readonly privateSubnetIds: pulumi.Output<string[]>;
  readonly securityGroupIds: pulumi.Output<string[]>;
  /** The subnet the Glue connection places its workers in, and its availability zone. */
  readonly connectionSubnet: pulumi.Output<{ id: string; availabilityZone: string }>;

  constructor(name: string, args: { cfg: PlatformConfig }, opts?: pulumi.ComponentResourceOptions) {
    super('headwater:network:Network', name, {}, opts);
    const child = { parent: this };
    const { vpc, region } = args.cfg;
    let configuredGroups: string[] = [];
    if (vpc.mode === 'create') {
      const created = new awsx.ec2.Vpc(
        `${name}-vpc`,
        {
          cidrBlock: vpc.cidrBlock,
          numberOfAvailabilityZones: vpc.azCount,
          natGateways: { strategy: NAT[vpc.natGateways] },
          enableDnsHostnames: true,
          // Glue reads and writes the lake through S3 without crossing the NAT.
          vpcEndpointSpecs: [{ serviceName: `com.amazonaws.${region}.s3`, vpcEndpointType: 'Gateway' }],
        },
        child,
      );
      this.vpcId = created.vpcId;
      this.privateSubnetIds = created.privateSubnetIds;
    } else {
      this.vpcId = pulumi.output(vpc.vpcId);
      this.privateSubnetIds = pulumi.output([...vpc.privateSubnetIds]);
      configuredGroups = [...vpc.securityGroupIds];
    }
    const group = new aws.ec2.SecurityGroup(
      `${name}-glue`,
      {
        vpcId: this.vpcId,
        description: 'Glue workers of the JDBC extracts: members talk to each other, egress to the source database and AWS APIs',
        ingress: [{ protocol: 'tcp', fromPort: 0, toPort: 65535, self: true, description: 'Glue workers among themselves' }],
        egress: [{ protocol: '-1', fromPort: 0, toPort: 0, cidrBlocks: ['0.0.0.0/0'], description: 'source database, S3 and AWS APIs' }],
      },
      child,
    );
    this.securityGroupIds = pulumi.all([group.id]).apply(([id]) => [id, ...configuredGroups]);
    this.connectionSubnet = this.privateSubnetIds.apply((ids) => {
      if (!ids.length) throw new Error(`network ${name}: the VPC has no private subnets; the Glue connection needs one (check headwater:vpc)`);
      return aws.ec2.getSubnetOutput({ id: ids[0] }, child).apply((s) => ({ id: ids[0], availabilityZone: s.availabilityZone }));
    });
    this.registerOutputs({ vpcId: this.vpcId, privateSubnetIds: this.privateSubnetIds, securityGroupIds: this.securityGroupIds });
  }
}
