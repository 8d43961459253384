/**
 * The embedded stream: kinesalite (a real Kinesis API over LevelDB) on a loopback port, with its
 * state under `<local>/stream/kinesalite`, and a Kinesis client pointed at it.
 *
 * LevelDB allows one process per directory, so one process hosts kinesalite (`assets stream
 * start`, the demo, the benchmark) and writes its endpoint to `<local>/stream/endpoint.json`;
 * other processes (`assets stream put`) use that endpoint when it answers.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { CreateStreamCommand, DescribeStreamSummaryCommand, KinesisClient, ListShardsCommand, ResourceNotFoundException } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { UserError } from '../../../assets/core';
import { useBigIntSequences, type KinesaliteDb } from './kinesalite-sequences';

export interface RunningKinesalite {
  readonly endpoint: string;
  readonly port: number;
  close(): Promise<void>;
}

/** Starts kinesalite in this process on 127.0.0.1 (port 0 = any free port). */
export async function startKinesalite(options: { dir: string; port?: number; publishEndpoint?: string }): Promise<RunningKinesalite> {
  fs.mkdirSync(options.dir, { recursive: true });
  // kinesalite ships no types; its factory returns an http.Server.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const kinesalite = require('kinesalite') as (o: Record<string, unknown>) => Server;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  useBigIntSequences(require('kinesalite/db') as KinesaliteDb);
  const server = kinesalite({ path: options.dir, createStreamMs: 0, deleteStreamMs: 0, updateStreamMs: 0, shardLimit: 100 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) =>
      reject(
        e.code === 'EADDRINUSE'
          ? new UserError(`port ${options.port} is in use: pass another port (or --port 0 for any free one) or stop what listens there`)
          : new UserError(`kinesalite could not start on ${options.dir}: ${e.message} (is another process using this stream state? stop it, or use its endpoint)`),
      ),
    );
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const endpoint = `http://127.0.0.1:${port}`;
  if (options.publishEndpoint) fs.writeFileSync(options.publishEndpoint, JSON.stringify({ endpoint, pid: process.pid }));
  return {
    endpoint,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        if (options.publishEndpoint) fs.rmSync(options.publishEndpoint, { force: true });
        server.close(() => resolve());
      }),
  };
}

/** A Kinesis client for kinesalite: HTTP/1.1 (the SDK defaults to HTTP/2), dummy credentials. */
export function localKinesisClient(endpoint: string): KinesisClient {
  return new KinesisClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    requestHandler: new NodeHttpHandler({ connectionTimeout: 2000, requestTimeout: 30_000 }),
    maxAttempts: 3,
  });
}

/** Creates the stream with `shards` shards unless it exists; returns its shard ids. */
export async function ensureStream(client: KinesisClient, name: string, shards: number): Promise<string[]> {
  try {
    await client.send(new DescribeStreamSummaryCommand({ StreamName: name }));
  } catch (e) {
    if (!(e instanceof ResourceNotFoundException) && (e as { name?: string }).name !== 'ResourceNotFoundException') throw e;
    await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: shards }));
  }
  for (let i = 0; i < 50; i++) {
    const s = await client.send(new DescribeStreamSummaryCommand({ StreamName: name }));
    if (s.StreamDescriptionSummary?.StreamStatus === 'ACTIVE') break;
    await new Promise((r) => setTimeout(r, 20));
  }
  const res = await client.send(new ListShardsCommand({ StreamName: name }));
  return (res.Shards ?? []).map((s) => s.ShardId!).filter(Boolean);
}

/** The endpoint another local process published, if it still answers. */
export async function runningEndpoint(file: string): Promise<string | undefined> {
  let endpoint: string | undefined;
  try {
    endpoint = (JSON.parse(fs.readFileSync(file, 'utf8')) as { endpoint?: string }).endpoint;
  } catch {
    return undefined;
  }
  if (!endpoint) return undefined;
  try {
    const res = await fetch(endpoint, { method: 'POST', signal: AbortSignal.timeout(1000) });
    return res.status > 0 ? endpoint : undefined;
  } catch {
    return undefined;
  }
}

/** Where the embedded stream keeps its state under the local root's `stream/` folder; the poller's checkpoint is per stream. */
export const streamPaths = (streamRoot: string, streamName: string) => ({
  kinesalite: path.join(streamRoot, 'kinesalite'),
  endpoint: path.join(streamRoot, 'endpoint.json'),
  checkpoint: path.join(streamRoot, 'checkpoints', `${streamName}.json`),
});
