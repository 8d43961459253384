/**
 * The source database as Glue sees it: one JDBC connection in the VPC, with credentials from
 * Secrets Manager (never in config or state), and SSL enforced.
 */
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import type { PlatformConfig } from '../config';
import type { Network } from './network';

/**
 * The TLS settings each JDBC driver takes as connection properties, passed to every Spark JDBC
 * read (the Glue connection's JDBC_ENFORCE_SSL covers only Glue's own reads, not
 * `spark.read.format("jdbc")`). `require` encrypts without verifying the server certificate: the
 * RDS CA bundle is not in the Glue JVM's trust store.
 */
export const JDBC_TLS_OPTIONS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  postgresql: { ssl: 'true', sslmode: 'require' },
  mysql: { sslMode: 'REQUIRED' },
  mariadb: { sslMode: 'trust' },
  sqlserver: { encrypt: 'true', trustServerCertificate: 'true' },
};

/** The TLS options of a JDBC URL's driver; throws naming the URL when the driver is unknown. */
export function jdbcTlsOptions(jdbcUrl: string): Readonly<Record<string, string>> {
  const driver = /^jdbc:([a-z]+):/.exec(jdbcUrl)?.[1] ?? '';
  const options = JDBC_TLS_OPTIONS[driver];
  if (!options) throw new Error(`headwater:sourceJdbcUrl '${jdbcUrl}': no TLS settings known for JDBC driver '${driver}'; add them to JDBC_TLS_OPTIONS in infra/components/source-database.ts`);
  return options;
}

export class SourceDatabase extends pulumi.ComponentResource {
  readonly connection: aws.glue.Connection;
  readonly connectionName: pulumi.Output<string>;
  readonly connectionArn: pulumi.Output<string>;
  readonly secretArn: string;
  /** The driver's TLS connection properties every JDBC read passes. */
  readonly tlsOptions: Readonly<Record<string, string>>;

  constructor(name: string, args: { cfg: PlatformConfig; network: Network }, opts?: pulumi.ComponentResourceOptions) {
    super('headwater:source:SourceDatabase', name, {}, opts);
    const { cfg, network } = args;
    this.secretArn = cfg.source.secretArn;
    this.tlsOptions = jdbcTlsOptions(cfg.source.jdbcUrl);
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
