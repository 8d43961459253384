/**
 * Reads a stack's manifest from SSM (`/headwater/<stack>/manifest`), following the
 * `{"$ref":"s3://..."}` pointer a large manifest leaves there.
 */
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { GetParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { manifestParameterName, manifestProblem, type StackManifest } from './manifest';
import { withRetry, type Clock } from './retry';

/** Loads and validates the manifest; errors say which stack and what to do. */
export async function readManifest(ssm: SSMClient, s3: S3Client, stack: string, clock?: Clock): Promise<StackManifest> {
  const name = manifestParameterName(stack);
  let text: string | undefined;
  try {
    text = (await withRetry(() => ssm.send(new GetParameterCommand({ Name: name })), { clock })).Parameter?.Value;
  } catch (e) {
    if ((e as Error).name === 'ParameterNotFound') {
      throw new Error(`stack '${stack}' has no manifest at SSM ${name}: deploy it with \`pulumi up --stack ${stack}\`, or check the region and credentials (AWS_REGION, AWS_PROFILE)`);
    }
    throw e;
  }
  if (!text) throw new Error(`SSM ${name} is empty; redeploy the stack '${stack}'`);
  let parsed = JSON.parse(text) as unknown;
  const ref = (parsed as { $ref?: string }).$ref;
  if (typeof ref === 'string') {
    const m = /^s3:\/\/([^/]+)\/(.+)$/.exec(ref);
    if (!m) throw new Error(`SSM ${name} points at '${ref}', which is not an s3:// URI`);
    const body = await withRetry(() => s3.send(new GetObjectCommand({ Bucket: m[1], Key: m[2] })), { clock });
    parsed = JSON.parse((await body.Body?.transformToString()) ?? 'null');
  }
  const problem = manifestProblem(parsed);
  if (problem) throw new Error(`the manifest of stack '${stack}' (${name}) ${problem}`);
  return parsed as StackManifest;
}
