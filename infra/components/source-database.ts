/**
 * The source database as Glue sees it: one JDBC connection in the VPC, with credentials from
 * Secrets Manager (never in config or state), and SSL enforced.
 */
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import type { PlatformConfig } from '../config';
import type { Network } from './network';

export class SourceDatabase extends pulumi.ComponentResource {
  readonly connection: aws.glue.Connection;
  readonly connectionName: pulumi.Output<string>;
  readonly connectionArn: pulumi.Output<string>;
  readonly secretArn: string;

  constructor(name: string, args: { cfg: PlatformConfig; network: Network }, opts?: pulumi.ComponentResourceOptions) {
    super('headwater:source:SourceDatabase', name, {}, opts);
    const { cfg, network } = args;
    this.secretArn = cfg.source.secretArn;
    this.connection = new aws.glue.Connection(
      `${name}-jdbc`,
      {
        name: `headwater-${cfg.stack}-source`,
        description: 'The source database read replica (JDBC), read by the Glue extracts',
        connectionType: 'JDBC',
        connectionProperties: {
          JDBC_CONNECTION_URL: cfg.source.jdbcUrl,
          SECRET_ID: cfg.source.secretArn,
          JDBC_ENFORCE_SSL: 'true',
        },
        physicalConnectionRequirements: {
          subnetId: network.connectionSubnet.id,
          availabilityZone: network.connectionSubnet.availabilityZone,
          securityGroupIdLists: network.securityGroupIds,
        },
      },
      { parent: this },
    );
    this.connectionName = this.connection.name;
    this.connectionArn = this.connection.arn;
    this.registerOutputs({ connectionName: this.connectionName });
  }
}
