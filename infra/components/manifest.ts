/**
 * Publishes the stack manifest to SSM (`/headwater/<stack>/manifest`) so the CLI can operate the
 * stack without Pulumi. SSM caps a value at 8 KB (advanced tier); a bigger manifest goes to the
 * artifacts bucket and the parameter holds `{"$ref":"s3://..."}`, which the launcher follows.
 */
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { manifestParameterName, type StackManifest } from '../../jobs/aws/manifest';
import type { Lake } from './lake';

/** SSM standard parameters hold 4 KB, advanced ones 8 KB. */
const STANDARD_MAX = 4096;
const ADVANCED_MAX = 8192;

export class ManifestPublisher extends pulumi.ComponentResource {
  readonly parameter: aws.ssm.Parameter;
  readonly parameterName: string;

  constructor(name: string, args: { stack: string; lake: Lake; manifest: pulumi.Output<StackManifest> }, opts?: pulumi.ComponentResourceOptions) {
    super('headwater:ops:ManifestPublisher', name, {}, opts);
    this.parameterName = manifestParameterName(args.stack);
    const text = args.manifest.apply((m) => JSON.stringify(m));
    const key = `manifest/${args.stack}.json`;
    const artifacts = args.lake.artifacts(key);
    // The full manifest always lands in S3 too: the size is only known once outputs resolve.
    new aws.s3.BucketObjectv2(`${name}-object`, { bucket: artifacts.bucket, key, content: text, contentType: 'application/json' }, { parent: this });
    const value = pulumi.all([text, artifacts.bucket]).apply(([t, bucket]) => (Buffer.byteLength(t) <= ADVANCED_MAX ? t : JSON.stringify({ $ref: `s3://${bucket}/${key}` })));
    this.parameter = new aws.ssm.Parameter(
      `${name}-parameter`,
      {
        name: this.parameterName,
        type: 'String',
        description: 'Headwater stack manifest: what the assets CLI needs to launch each asset (no secrets)',
        value,
        tier: value.apply((v) => (Buffer.byteLength(v) <= STANDARD_MAX ? 'Standard' : 'Advanced')),
      },
      { parent: this },
    );
    this.registerOutputs({ parameterName: this.parameterName });
  }
}
