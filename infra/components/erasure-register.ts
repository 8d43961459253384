/**
 * The stack's deletion register: a DynamoDB table of erased subjects, `subject` + `hash`
 * (`sha256(salt:subject:id)`, never the id), and its salt, a SecureString parameter made once.
 * Created before the assets: every extract of a table with subject columns and every delivery
 * stream's transform consult it, so no re-materialization or delivery brings an erased subject back
 * while the source still holds it; the erasure's worker adds to it.
 *
 * The salt's value is computed once and never rewritten by a later `pulumi up` (`ignoreChanges`):
 * a new salt would make every recorded hash unmatchable. It sits in the Pulumi state as a secret.
 */
import { randomBytes } from 'node:crypto';
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import type { PlatformConfig } from '../config';
import { kmsUse, viaServices, type Statement } from '../iam';
import { dataStoreOptions } from '../protection';
import type { Lake } from './lake';

/** The SecureString parameter holding the register's salt. */
export const SALT_PARAMETER = (stack: string): string => `/headwater/${stack}/erasure/salt`;

export class DeletionRegister extends pulumi.ComponentResource {
  readonly table: aws.dynamodb.Table;
  readonly salt: aws.ssm.Parameter;
  /** The salt parameter's ARN (`arn:aws:ssm:<region>:<account>:parameter/...`). */
  readonly saltArn: pulumi.Output<string>;
  private readonly cfg: PlatformConfig;
  private readonly lake: Lake;

  constructor(name: string, args: { cfg: PlatformConfig; lake: Lake; accountId: pulumi.Output<string> }, opts?: pulumi.ComponentResourceOptions) {
    super('headwater:ops:DeletionRegister', name, {}, opts);
    const { cfg, lake } = args;
    this.cfg = cfg;
    this.lake = lake;
    this.table = new aws.dynamodb.Table(
      `${name}-register`,
      {
        name: `headwater-${cfg.stack}-deletion-register`,
        billingMode: 'PAY_PER_REQUEST',
        hashKey: 'subject',
        rangeKey: 'hash',
        attributes: [
          { name: 'subject', type: 'S' },
          { name: 'hash', type: 'S' },
        ],
        pointInTimeRecovery: { enabled: true },
        serverSideEncryption: { enabled: true, kmsKeyArn: lake.key.arn },
        deletionProtectionEnabled: !cfg.lake.forceDestroy,
      },
      { parent: this, ...dataStoreOptions(cfg) },
    );
    this.salt = new aws.ssm.Parameter(
      `${name}-salt`,
      {
        name: SALT_PARAMETER(cfg.stack),
        description: 'Headwater: the secret salt of the deletion register (sha256(salt:subject:id)); never change it',
        type: 'SecureString',
        keyId: lake.key.arn,
        value: pulumi.secret(randomBytes(32).toString('hex')),
      },
      // Made once: a later `pulumi up` computes another value and must not write it.
      { parent: this, ignoreChanges: ['value'], ...dataStoreOptions(cfg) },
    );
    this.saltArn = pulumi.interpolate`arn:aws:ssm:${cfg.region}:${args.accountId}:parameter${SALT_PARAMETER(cfg.stack)}`;
    this.registerOutputs({ tableName: this.table.name, saltParameter: this.salt.name });
  }

  /** What a consumer (an extract, a transform) needs to read the register: query it, read the salt, through the lake key. */
  readStatements(): Statement[] {
    return [
      { Sid: 'DeletionRegister', Effect: 'Allow', Action: ['dynamodb:Query'], Resource: [this.table.arn] },
      { Sid: 'DeletionRegisterSalt', Effect: 'Allow', Action: ['ssm:GetParameter'], Resource: [this.saltArn] },
      kmsUse(this.lake.key.arn, 'read', viaServices(this.cfg.region, 'dynamodb', 'ssm'), 'DeletionRegisterKey'),
    ];
  }

  /** Where a consumer finds the register: the table and the salt parameter, as `dynamodb:` and `ssm:` references. */
  references(): { table: pulumi.Output<string>; salt: pulumi.Output<string> } {
    return { table: pulumi.interpolate`dynamodb:${this.table.name}`, salt: pulumi.interpolate`ssm:${this.salt.name}` };
  }
}
