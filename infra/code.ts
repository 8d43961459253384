/**
 * The code assets run, taken from the repository by the paths the asset declarations give:
 * scripts uploaded to the artifacts bucket, Lambda handlers bundled with esbuild. A missing file
 * fails synthesis with the asset that names it, never a half-deployed stack.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { buildSync } from 'esbuild';
import type { Lake } from './components/lake';
import { projectRoot } from './stack-files';

/** Thrown when an asset names code that is not in the repository. */
export class MissingCodeError extends Error {
  override name = 'MissingCodeError';
}

/** The absolute path of a repo-relative file an asset names; throws naming the asset when it is missing. */
export function repoFile(relPath: string, who: string, what: string): string {
  const abs = path.resolve(projectRoot(), relPath);
  if (!fs.existsSync(abs)) {
    throw new MissingCodeError(`${who}: ${what} '${relPath}' does not exist (looked in ${abs}); create it or fix the path in the asset declaration`);
  }
  return abs;
}

/** A short content hash, for object metadata and change detection. */
export const contentHash = (text: string | Buffer): string => createHash('sha256').update(text).digest('hex').slice(0, 16);

/** Uploads a repository file to the artifacts bucket under `key`; returns its `s3://` URI. */
export function uploadCode(
  name: string,
  lake: Lake,
  relPath: string,
  key: string,
  who: string,
  opts: pulumi.CustomResourceOptions,
): { object: aws.s3.BucketObjectv2; uri: pulumi.Output<string> } {
  const abs = repoFile(relPath, who, 'code file');
  const artifacts = lake.artifacts(key);
  const object = new aws.s3.BucketObjectv2(
    name,
    {
      bucket: artifacts.bucket,
      key,
      source: new pulumi.asset.FileAsset(abs),
      metadata: { 'headwater-source': relPath, 'headwater-sha256': contentHash(fs.readFileSync(abs)) },
    },
    opts,
  );
  return { object, uri: pulumi.interpolate`s3://${artifacts.bucket}/${key}` };
}

const bundles = new Map<string, { code: string; hash: string }>();

/**
 * Bundles a Lambda handler (TypeScript, exporting `handler`) into one CommonJS file for
 * nodejs22.x. The AWS SDK v3 is left out: the runtime provides it.
 */
export function bundleHandler(relPath: string, who: string): { archive: pulumi.asset.AssetArchive; hash: string } {
  const abs = repoFile(relPath, who, 'Lambda handler');
  let bundle = bundles.get(abs);
  if (!bundle) {
    const result = buildSync({
      entryPoints: [abs],
      bundle: true,
      write: false,
      platform: 'node',
      target: 'node22',
      format: 'cjs',
      minify: true,
      sourcemap: false,
      external: ['@aws-sdk/*', '@smithy/*'],
      logLevel: 'silent',
    });
    if (result.errors.length) {
      throw new MissingCodeError(`${who}: bundling '${relPath}' failed: ${result.errors.map((e) => e.text).join('; ')}`);
    }
    const code = result.outputFiles[0].text;
    bundle = { code, hash: contentHash(code) };
    bundles.set(abs, bundle);
  }
  return { archive: new pulumi.asset.AssetArchive({ 'index.js': new pulumi.asset.StringAsset(bundle.code) }), hash: bundle.hash };
}
