/**
 * The index-load Lambda of a `vector-index` asset: the same load the CLI ran from the operator's
 * machine (index-loader.ts), run inside the stack with the function's own role. One function per
 * index; what it loads is fixed by the stack (its manifest entry in `HEADWATER_INDEX_ENTRY`), not by
 * the caller, so an invoke can only ask "load now". Invoked by `assets materialize --env <stack>`
 * (jobs/aws/vector-index.ts) and by the state machines (`lambda:invoke`); both record what it returns.
 */
import { S3Client } from '@aws-sdk/client-s3';
import { runIndexLoad, type SearchClientFactory } from './index-loader';
import { INDEX_ENTRY_VARIABLE, type LoaderEntry } from './manifest';
import { realClock, type Clock } from './retry';

/** What a caller sends: who asks (for the log line), and the asset it means (checked against the function's). */
export interface IndexLoadEvent {
  readonly key?: string;
  readonly runId?: string;
}

/** What the function returns: the materialization's metadata, exactly as the CLI and the recorder write it. */
export interface IndexLoadOutput {
  readonly rows: number;
  readonly alias: string;
  readonly version: string;
  readonly previousVersion: string | null;
  readonly dimension: number;
  readonly source: string;
  readonly bytes: number;
  readonly loadMs: number;
}

/** A load the function refused or could not do; its name is the `Error` a state machine's Catch sees. */
export class IndexLoadError extends Error {
  override readonly name = 'IndexLoadError';
}

export interface LoadIndexDeps {
  readonly entry: LoaderEntry;
  readonly stack: string;
  readonly region: string;
  readonly s3: S3Client;
  readonly searchClient?: SearchClientFactory;
  readonly clock?: Clock;
  readonly log?: (message: string) => void;
  readonly tmpDir?: string;
}

/** Runs one load for `event` (what the tests call, with mocked clients). */
export async function loadIndex(event: IndexLoadEvent, deps: LoadIndexDeps): Promise<IndexLoadOutput> {
  const { entry } = deps;
  if (event?.key !== undefined && event.key !== entry.key) {
    throw new IndexLoadError(`this function loads ${entry.key} (alias ${entry.alias}), not ${event.key}; invoke the function named in ${event.key}'s manifest entry`);
  }
  const clock = deps.clock ?? realClock;
  const log = deps.log ?? (() => undefined);
  const started = clock.now();
  log(`loading ${entry.key} into ${entry.alias}${event?.runId ? ` for run ${event.runId}` : ''}`);
  try {
    const r = await runIndexLoad({ entry, stack: deps.stack, region: deps.region, s3: deps.s3, searchClient: deps.searchClient, log, clock, tmpDir: deps.tmpDir });
    return {
      rows: r.count,
      alias: r.alias,
      version: r.version,
      previousVersion: r.previousVersion ?? null,
      dimension: entry.dimension,
      source: r.source,
      bytes: r.bytes,
      loadMs: clock.now() - started,
    };
  } catch (e) {
    // The loader's messages already say what to do; the name tells the caller it is the load, not the invoke.
    throw new IndexLoadError((e as Error).message);
  }
}

/** The function's entry from its environment, or why it cannot run (a stack deployed wrongly). */
export function entryFromEnvironment(env: NodeJS.ProcessEnv): { entry: LoaderEntry; stack: string; region: string } {
  const raw = env[INDEX_ENTRY_VARIABLE];
  const stack = env.HEADWATER_ENV;
  const region = env.AWS_REGION;
  if (!raw || !stack || !region) throw new IndexLoadError(`${INDEX_ENTRY_VARIABLE}, HEADWATER_ENV and AWS_REGION must be set (the stack sets the first two, Lambda the third); redeploy the stack`);
  let entry: LoaderEntry;
  try {
    entry = JSON.parse(raw) as LoaderEntry;
  } catch (e) {
    throw new IndexLoadError(`${INDEX_ENTRY_VARIABLE} is not JSON (${(e as Error).message}); redeploy the stack`);
  }
  if (entry?.kind !== 'vector-index' || !entry.alias || !entry.embeddings) throw new IndexLoadError(`${INDEX_ENTRY_VARIABLE} is not a vector-index manifest entry; redeploy the stack`);
  return { entry, stack, region };
}

/** One client per execution environment: warm invocations reuse its connections. */
let s3: S3Client | undefined;

/** The Lambda entry point. */
export async function handler(event: IndexLoadEvent): Promise<IndexLoadOutput> {
  const { entry, stack, region } = entryFromEnvironment(process.env);
  // The function's role through the SDK's default chain; Lambda turns each line into a JSON log record.
  s3 ??= new S3Client({ region });
  return loadIndex(event ?? {}, { entry, stack, region, s3, log: (message) => console.log(message) });
}
