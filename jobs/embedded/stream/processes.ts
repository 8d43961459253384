/**
 * The embedded stream as separate processes: kinesalite in one child, the delivery poller in
 * another, and the producer wherever the caller runs. In production Kinesis and Firehose are
 * separate services; here each gets its own event loop (and, on a multi-core machine, its own
 * core), so kinesalite's sequence-number arithmetic and LevelDB work do not queue behind the
 * transform. Children run TypeScript through tsx, as the CLI does, and talk over IPC (see
 * ./kinesalite-main.ts and ./poller-main.ts for the messages).
 */
import type { DeliveredField } from '../../erasure/delivery-filter';
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { PollerStats } from './poller';

/** What the poller child needs (JSON-serializable: it is passed on the command line). */
export interface PollerProcessOptions {
  readonly endpoint: string;
  readonly streamName: string;
  readonly lakeDir: string;
  /** The delivery asset's folder under `lakeDir`, and its error folder (see PollerOptions). */
  readonly prefix: string;
  readonly errorPrefix?: string;
  readonly checkpointFile: string;
  readonly bufferIntervalMs: number;
  readonly bufferBytes?: number;
  /** Worker threads running the transform (at least one). Default: the machine's cores. */
  readonly transformWorkers?: number;
  /** The declared transform module (repo-relative, `EmbeddedStreamTarget.transformModule`). @default the generic transform */
  readonly transformModule?: string;
  /** Subject fields of the delivered records, checked against the deletion register. @default none */
  readonly subjectFields?: readonly DeliveredField[];
}

/** A flush as the poller child reports it. */
export interface ChildFlush {
  readonly ok: number;
  readonly failed: number;
  readonly files: readonly string[];
  readonly deliveredAt: number;
}

interface ChildMessage {
  type: 'ready' | 'flush' | 'stopped' | 'error';
  endpoint?: string;
  stats?: PollerStats;
  message?: string;
  ok?: number;
  failed?: number;
  files?: string[];
  deliveredAt?: number;
}

export interface ChildOptions {
  /** Environment of the child (default this process's); HEADWATER_HOME decides its local root. */
  readonly env?: NodeJS.ProcessEnv;
  /** Give up if the child has not said it is ready after this long, ms. Default 60,000. */
  readonly readyTimeoutMs?: number;
}

/** Profiling and memory flags of this process that children inherit (`node --cpu-prof` profiles all three). */
const inheritedNodeFlags = () => process.execArgv.filter((a) => /^--(cpu-prof|heap-prof|max-old-space-size)/.test(a));

/**
 * Spawns the sibling module `file` with an IPC channel; stderr goes to ours. Compiled (the CLI
 * under dist/) the child is the compiled .js; from source it is the .ts through tsx.
 */
function spawnTs(file: string, args: string[], env: NodeJS.ProcessEnv | undefined): ChildProcess {
  const compiled = __filename.endsWith('.js');
  const entry = path.join(__dirname, compiled ? file.replace(/\.ts$/, '.js') : file);
  return spawn(process.execPath, [...inheritedNodeFlags(), ...(compiled ? [] : ['--require', 'tsx/cjs']), entry, ...args], {
    // As the CLI does: the SDK's Node 20 deprecation notice is noise for a local kinesalite.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...(env ?? process.env) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
}

/** Resolves with the child's `ready` message; rejects if it fails, exits or times out first. */
function whenReady(child: ChildProcess, what: string, timeoutMs: number): Promise<ChildMessage> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      child.kill('SIGKILL');
      reject(new Error(`${what} (pid ${child.pid}) did not start within ${timeoutMs} ms`));
    }, timeoutMs);
    const onMessage = (m: ChildMessage) => {
      if (m.type === 'ready') {
        cleanup();
        resolve(m);
      } else if (m.type === 'error') {
        cleanup();
        reject(new Error(`${what} failed to start: ${m.message}`));
      }
    };
    const onExit = (code: number | null, signal: string | null) => {
      cleanup();
      reject(new Error(`${what} exited (${signal ?? `code ${code}`}) before it was ready; its error is above`));
    };
    const cleanup = () => {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
    };
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

const exited = (child: ChildProcess) =>
  new Promise<void>((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve())));

export interface KinesaliteProcess {
  readonly endpoint: string;
  readonly pid: number;
  /** Stops kinesalite (SIGTERM) and waits for the process to exit. */
  close(): Promise<void>;
}

/** Starts kinesalite on 127.0.0.1 in a child process, its state under `dir`. */
export async function spawnKinesalite(dir: string, options: ChildOptions & { port?: number; publishEndpoint?: string } = {}): Promise<KinesaliteProcess> {
  const child = spawnTs('kinesalite-main.ts', [dir, String(options.port ?? 0), ...(options.publishEndpoint ? [options.publishEndpoint] : [])], options.env);
  const ready = await whenReady(child, 'the kinesalite process', options.readyTimeoutMs ?? 60_000);
  return {
    endpoint: ready.endpoint!,
    pid: child.pid!,
    async close() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited(child);
    },
  };
}

export interface PollerProcess {
  readonly pid: number;
  /** Flushes reported so far, in order. */
  readonly flushes: readonly ChildFlush[];
  /** Records delivered Ok / failed so far, from the flush reports. */
  readonly delivered: number;
  readonly failed: number;
  /** Stats the child reported when ready (e.g. duplicates found while recovering). */
  readonly startStats: PollerStats;
  /** The error the child reported, if it failed. */
  readonly error: Error | undefined;
  /** Whether the process has exited. */
  readonly exited: boolean;
  /** Asks the child to deliver its buffer and exit; resolves with its final stats. */
  stop(): Promise<PollerStats>;
  /** Sends a signal (SIGKILL simulates a crash) and waits for the exit. */
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/** Starts the delivery poller in a child process; `onFlush` sees each delivered batch. */
export async function spawnPoller(o: PollerProcessOptions, options: ChildOptions & { onFlush?: (f: ChildFlush) => void } = {}): Promise<PollerProcess> {
  const child = spawnTs('poller-main.ts', [JSON.stringify(o)], options.env);
  const flushes: ChildFlush[] = [];
  let delivered = 0;
  let failed = 0;
  let error: Error | undefined;
  let finalStats: PollerStats | undefined;
  child.on('message', (m: ChildMessage) => {
    if (m.type === 'flush') {
      const f: ChildFlush = { ok: m.ok ?? 0, failed: m.failed ?? 0, files: m.files ?? [], deliveredAt: m.deliveredAt ?? Date.now() };
      flushes.push(f);
      delivered += f.ok;
      failed += f.failed;
      options.onFlush?.(f);
    } else if (m.type === 'error') {
      error = new Error(`the poller process failed: ${m.message}`);
    } else if (m.type === 'stopped') {
      finalStats = m.stats;
    }
  });
  const ready = await whenReady(child, 'the poller process', options.readyTimeoutMs ?? 60_000);
  return {
    pid: child.pid!,
    flushes,
    get delivered() {
      return delivered;
    },
    get failed() {
      return failed;
    },
    startStats: ready.stats!,
    get error() {
      return error;
    },
    get exited() {
      return child.exitCode !== null || child.signalCode !== null;
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null && child.connected) child.send({ type: 'stop' });
      await exited(child);
      if (error) throw error;
      if (!finalStats) throw new Error(`the poller process (pid ${child.pid}) exited (${child.signalCode ?? `code ${child.exitCode}`}) without reporting its stats`);
      return finalStats;
    },
    async kill(signal: NodeJS.Signals = 'SIGKILL') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited(child);
    },
  };
}
