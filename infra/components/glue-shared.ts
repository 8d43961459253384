/**
 * What every Glue job shares: the security configuration (S3 and job bookmarks encrypted with the
 * lake key) and the two runner scripts under jobs/glue/, uploaded once.
 */
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { SCRIPT_STORAGE_HELPER } from '../../jobs/aws/job-arguments';

/** The deletion register for Spark (jobs/glue/deletion_register.py), which jdbc_extract.py imports. */
const SCRIPT_DELETION_REGISTER = 'jobs/glue/deletion_register.py';
import type { PlatformConfig } from '../config';
import { uploadCode } from '../code';
import type { Lake } from './lake';

/** The runner scripts, repo-relative: one per Glue kind. */
export const GLUE_RUNNERS = {
  'glue-sql': 'jobs/glue/sql_runner.py',
  'glue-extract': 'jobs/glue/jdbc_extract.py',
} as const;

export class GlueShared extends pulumi.ComponentResource {
  readonly securityConfiguration: aws.glue.SecurityConfiguration;
  /** `s3://` URI of each runner, and the object key (for IAM). */
  readonly runners: Readonly<Record<keyof typeof GLUE_RUNNERS, { uri: pulumi.Output<string>; key: string }>>;
  /** `s3://` URI of the storage helper the runners import (their `--extra-py-files`). */
  readonly storageHelper: pulumi.Output<string>;
  /** `--extra-py-files` of the Glue jobs: the storage helper, and the deletion register an extract consults. */
  readonly extraPyFiles: pulumi.Output<string>;

  constructor(name: string, args: { cfg: PlatformConfig; lake: Lake }, opts?: pulumi.ComponentResourceOptions) {
    super('headwater:glue:GlueShared', name, {}, opts);
    const { lake } = args;
    this.securityConfiguration = new aws.glue.SecurityConfiguration(
      `${name}-security`,
      {
        name: `headwater-${args.cfg.stack}-glue`,
        encryptionConfiguration: {
          s3Encryption: { s3EncryptionMode: 'SSE-KMS', kmsKeyArn: lake.key.arn },
          jobBookmarksEncryption: { jobBookmarksEncryptionMode: 'CSE-KMS', kmsKeyArn: lake.key.arn },
          cloudwatchEncryption: { cloudwatchEncryptionMode: 'SSE-KMS', kmsKeyArn: lake.key.arn },
        },
      },
      { parent: this },
    );
    const upload = (kind: keyof typeof GLUE_RUNNERS) => {
      const rel = GLUE_RUNNERS[kind];
      const key = `code/glue/${rel.split('/').pop()}`;
      return { uri: uploadCode(`${name}-${kind}-runner`, lake, rel, key, `Glue kind ${kind}`, { parent: this }).uri, key };
    };
    this.runners = { 'glue-sql': upload('glue-sql'), 'glue-extract': upload('glue-extract') };
    this.storageHelper = uploadCode(`${name}-storage-helper`, lake, SCRIPT_STORAGE_HELPER, `code/glue/${SCRIPT_STORAGE_HELPER.split('/').pop()}`, 'the Glue runners', { parent: this }).uri;
    const register = uploadCode(`${name}-deletion-register`, lake, SCRIPT_DELETION_REGISTER, `code/glue/${SCRIPT_DELETION_REGISTER.split('/').pop()}`, 'the Glue extracts', { parent: this }).uri;
    this.extraPyFiles = pulumi.interpolate`${this.storageHelper},${register}`;
    this.registerOutputs({ securityConfiguration: this.securityConfiguration.name });
  }
}
