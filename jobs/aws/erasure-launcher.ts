/**
 * `assets erase --env <stack>`: the CLI's side of an erasure on a deployed stack. It writes the
 * request (the only object with the ids in clear, SSE-KMS under the lake key) to the erasure's
 * work folder, starts the stack's erasure state machine with an input that names no subject,
 * follows the execution to its end, and reads the summary the machine's last step wrote.
 */
import { randomBytes } from 'node:crypto';
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { DescribeExecutionCommand, StartExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';
import {
  REQUEST_FORMAT,
  SUMMARY_FORMAT,
  workFolder,
  type ErasureExecutionInput,
  type ErasureManifest,
  type ErasureMode,
  type ErasureRequest,
  type ErasureSummary,
} from './erasure-contract';
import type { StackManifest } from './manifest';
import { realClock, withRetry, type Clock } from './retry';

export interface ErasureLaunch {
  readonly manifest: StackManifest;
  readonly s3: S3Client;
  readonly sfn: SFNClient;
  /** Ids by subject (already checked against the graph). */
  readonly subjects: ReadonlyMap<string, readonly string[]>;
  readonly mode: ErasureMode;
  readonly log?: (message: string) => void;
  readonly clock?: Clock;
  /** First poll interval, growing to `pollMaxMs` (defaults 2 s and 30 s). */
  readonly pollInitialMs?: number;
  readonly pollMaxMs?: number;
  /** Tests fix the id. */
  readonly erasureId?: string;
}

export interface ErasureOutcome {
  readonly erasureId: string;
  readonly executionArn: string;
  readonly status: 'succeeded' | 'failed';
  /** What the machine found and did; absent when it failed before writing one. */
  readonly summary?: ErasureSummary;
  readonly error?: string;
  /** `s3://` of the summary. */
  readonly summaryUri: string;
}

/** Thrown when the stack cannot run an erasure: the message says what to do. */
export class ErasureUnavailableError extends Error {
  override readonly name = 'ErasureUnavailableError';
}

/** The stack's erasure section, or an error saying to redeploy. */
export function erasureOf(manifest: StackManifest): ErasureManifest {
  if (!manifest.erasure) {
    throw new ErasureUnavailableError(`stack '${manifest.stack}' was deployed without erasure (its manifest has no erasure section); redeploy it with \`pulumi up --stack ${manifest.stack}\``);
  }
  return manifest.erasure;
}

export const newErasureId = (nowMs: number): string => `erase-${new Date(nowMs).toISOString().replace(/[-:.]/g, '').slice(0, 15)}-${randomBytes(3).toString('hex')}`;

const TERMINAL: Record<string, 'succeeded' | 'failed'> = { SUCCEEDED: 'succeeded', FAILED: 'failed', TIMED_OUT: 'failed', ABORTED: 'failed' };

/** Runs one erasure (or scan) on the stack and waits for it (see the file comment). */
export async function launchErasure(req: ErasureLaunch): Promise<ErasureOutcome> {
  const e = erasureOf(req.manifest);
  const clock = req.clock ?? realClock;
  const log = req.log ?? (() => undefined);
  const erasureId = req.erasureId ?? newErasureId(clock.now());
  const work = workFolder(e.workPrefix, erasureId);
  const request: ErasureRequest = { format: REQUEST_FORMAT, erasureId, mode: req.mode, subjects: Object.fromEntries(req.subjects) };
  await withRetry(
    () =>
      req.s3.send(
        new PutObjectCommand({
          Bucket: e.workBucket,
          Key: `${work}request.json`,
          Body: JSON.stringify(request),
          ContentType: 'application/json',
          ServerSideEncryption: 'aws:kms',
          SSEKMSKeyId: e.kmsKeyArn,
        }),
      ),
    { clock },
  );
  const input: ErasureExecutionInput = { erasureId, mode: req.mode, request: `s3://${e.workBucket}/${work}request.json` };
  const { executionArn } = await withRetry(() => req.sfn.send(new StartExecutionCommand({ stateMachineArn: e.stateMachineArn, name: erasureId, input: JSON.stringify(input) })), { clock });
  if (!executionArn) throw new Error(`Step Functions started ${erasureId} but returned no execution ARN`);
  log(`${req.mode === 'erase' ? 'erasure' : 'scan'} ${erasureId} started: ${executionArn} (Ctrl-C stops waiting, not the erasure)`);
  let wait = req.pollInitialMs ?? 2000;
  let described;
  for (;;) {
    described = await withRetry(() => req.sfn.send(new DescribeExecutionCommand({ executionArn })), { clock });
    if (described.status && TERMINAL[described.status]) break;
    await clock.sleep(wait);
    wait = Math.min(wait * 2, req.pollMaxMs ?? 30_000);
  }
  const status = TERMINAL[described.status!];
  const summaryUri = `s3://${e.workBucket}/${e.summaryPrefix}${erasureId}.json`;
  const summary = await readSummary(req.s3, e.workBucket, `${e.summaryPrefix}${erasureId}.json`, clock);
  const error = status === 'failed' ? [described.error, described.cause].filter(Boolean).join(': ') || summary?.error || described.status : undefined;
  return { erasureId, executionArn, status, ...(summary ? { summary } : {}), ...(error ? { error } : {}), summaryUri };
}

async function readSummary(s3: S3Client, bucket: string, key: string, clock: Clock): Promise<ErasureSummary | undefined> {
  try {
    const res = await withRetry(() => s3.send(new GetObjectCommand({ Bucket: bucket, Key: key })), { clock });
    const parsed = JSON.parse((await res.Body?.transformToString('utf8')) ?? 'null') as ErasureSummary | null;
    if (parsed?.format !== SUMMARY_FORMAT) throw new Error(`s3://${bucket}/${key} is not an erasure summary (${SUMMARY_FORMAT})`);
    return parsed;
  } catch (e) {
    if ((e as Error).name === 'NoSuchKey') return undefined;
    throw e;
  }
}
