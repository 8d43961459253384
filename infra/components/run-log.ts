/**
 * The run log on AWS: a DynamoDB table (on-demand, point-in-time recovery, KMS) holding every
 * step's events and the per-asset locks (a conditional write). Keys are generic (`pk`, `sk`) so
 * the launchers can lay out runs, events and locks in one table.
 */
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import type { PlatformConfig } from '../config';
import type { Lake } from './lake';
import { dataStoreOptions } from '../protection';

export class RunLog extends pulumi.ComponentResource {
  readonly table: aws.dynamodb.Table;

  constructor(name: string, args: { cfg: PlatformConfig; lake: Lake }, opts?: pulumi.ComponentResourceOptions) {
    super('headwater:ops:RunLog', name, {}, opts);
    this.table = new aws.dynamodb.Table(
      `${name}-table`,
      {
        name: `headwater-${args.cfg.stack}-runlog`,
        billingMode: 'PAY_PER_REQUEST',
        hashKey: 'pk',
        rangeKey: 'sk',
        attributes: [
          { name: 'pk', type: 'S' },
          { name: 'sk', type: 'S' },
        ],
        pointInTimeRecovery: { enabled: true },
        serverSideEncryption: { enabled: true, kmsKeyArn: args.lake.key.arn },
        // Expired locks disappear on their own; events carry no TTL and are kept.
        ttl: { attributeName: 'expiresAt', enabled: true },
        deletionProtectionEnabled: !args.cfg.lake.forceDestroy,
      },
      { parent: this, ...dataStoreOptions(args.cfg) },
    );
    this.registerOutputs({ tableName: this.table.name });
  }
}
