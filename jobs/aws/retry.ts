/**
 * Calling AWS patiently: throttling retried with jittered exponential backoff, and polling a job
 * with backoff until it ends or a deadline passes. Time is injectable so tests run instantly.
 */

/** Sleeps and clocks the launchers use; tests pass fakes. */
export interface Clock {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const realClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason ?? new Error('aborted'));
      const t = setTimeout(resolve, ms);
      signal?.addEventListener('abort', () => (clearTimeout(t), reject(signal.reason ?? new Error('aborted'))), { once: true });
    }),
};

const THROTTLING = new Set([
  'ThrottlingException',
  'Throttling',
  'TooManyRequestsException',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'InternalServerException',
  'ConcurrentRunsExceededException',
]);

/** True for errors AWS asks us to retry later (throttling, brief unavailability). */
export function isRetryable(e: unknown): boolean {
  const err = e as { name?: string; $retryable?: unknown; $metadata?: { httpStatusCode?: number } };
  return THROTTLING.has(err?.name ?? '') || Boolean(err?.$retryable) || err?.$metadata?.httpStatusCode === 429 || err?.$metadata?.httpStatusCode === 503;
}

export interface RetryOptions {
  readonly attempts?: number;
  readonly baseMs?: number;
  readonly maxMs?: number;
  readonly clock?: Clock;
  readonly signal?: AbortSignal;
  /** Called before each retry (for the progress log). */
  readonly onRetry?: (attempt: number, error: unknown, delayMs: number) => void;
}

/** Runs `call`, retrying retryable errors up to `attempts` times with exponential backoff and full jitter. */
export async function withRetry<T>(call: () => Promise<T>, opts: RetryOptions = {}): Promise<T> {
  const { attempts = 8, baseMs = 200, maxMs = 20_000, clock = realClock } = opts;
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (e) {
      if (!isRetryable(e) || attempt >= attempts) throw e;
      const delay = Math.round(Math.random() * Math.min(maxMs, baseMs * 2 ** (attempt - 1)));
      opts.onRetry?.(attempt, e, delay);
      await clock.sleep(delay, opts.signal);
    }
  }
}

/** Thrown when a job outlives its deadline; the job was asked to stop. */
export class JobTimeoutError extends Error {
  override name = 'JobTimeoutError';
  constructor(
    message: string,
    readonly consoleUrl: string,
  ) {
    super(`${message}\n  console: ${consoleUrl}`);
  }
}

/** Thrown when a job ends in failure: carries the job's own message and where to look. */
export class JobFailedError extends Error {
  override name = 'JobFailedError';
  constructor(
    readonly jobMessage: string,
    readonly state: string,
    readonly consoleUrl: string,
    what: string,
  ) {
    super(`${what} ended ${state}: ${jobMessage}\n  console: ${consoleUrl}`);
  }
}

export interface PollOptions {
  readonly initialMs?: number;
  readonly maxMs?: number;
  readonly factor?: number;
  readonly clock?: Clock;
  readonly signal?: AbortSignal;
}

/**
 * Calls `check` until it returns a value (not undefined), sleeping with backoff between calls;
 * gives up with `onTimeout()` once `deadlineMs` (absolute) has passed.
 */
export async function pollUntil<T>(check: () => Promise<T | undefined>, deadlineMs: number, onTimeout: () => Promise<never>, opts: PollOptions = {}): Promise<T> {
  const { initialMs = 5_000, maxMs = 60_000, factor = 1.5, clock = realClock } = opts;
  let delay = initialMs;
  for (;;) {
    const done = await check();
    if (done !== undefined) return done;
    if (clock.now() + delay > deadlineMs) return onTimeout();
    await clock.sleep(delay, opts.signal);
    delay = Math.min(maxMs, Math.round(delay * factor));
  }
}

/** What every job launcher (Glue, EMR Serverless) is asked besides its manifest entry. */
export interface JobRunOptions {
  readonly region: string;
  readonly runId: string;
  /** [start, end) of the partitions the run writes; absent for unpartitioned assets. */
  readonly window?: { readonly start: Date; readonly end: Date };
  readonly log?: (message: string) => void;
  readonly signal?: AbortSignal;
  readonly clock?: Clock;
  /** Poll backoff (defaults: 5 s growing to 60 s). */
  readonly pollInitialMs?: number;
  readonly pollMaxMs?: number;
}
