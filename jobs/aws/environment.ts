/**
 * The AWS environment (`--env <stack>`): runs steps on a deployed stack through the AWS SDK v3,
 * guided by the stack's manifest (SSM). Glue kinds start Glue job runs, `emr-spark` EMR
 * Serverless job runs; the run log and the locks live in the stack's DynamoDB table; each
 * successful materialization publishes the freshness metric the stack's alarms watch.
 *
 * An `emr-spark` step that writes a model.json reports its metrics, so the model-vs-popularity
 * checks run as they do embedded. `vector-index` downloads the model's embeddings Parquet from S3 and loads it into OpenSearch (a
 * new index version, then the alias swap; see index-loader.ts).
 *
 * Not here (say so rather than pretend): data checks over S3 data are not evaluated on AWS (they
 * need a query engine over S3, e.g. Athena); only `row_count` of an index load is, from the count
 * the load reported. Sources are not observed (the database is inside the VPC, out of the CLI's reach).
 */
import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EMRServerlessClient } from '@aws-sdk/client-emr-serverless';
import { GlueClient } from '@aws-sdk/client-glue';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { SNSClient } from '@aws-sdk/client-sns';
import { SSMClient } from '@aws-sdk/client-ssm';
import type { AssetDefinition, AssetKey, CheckSpec, Observation } from '../../assets/core';
import type { CheckOutcome, Environment, Executor, Lock, StepContext, StepOutput } from '../engine/environment';
import { readRepoFile } from '../engine/repo-files';
import { DynamoRunLog } from './dynamo-runlog';
import { runEmrJob } from './emr-launcher';
import { runGlueJob } from './glue-launcher';
import { runIndexLoad, type SearchClientFactory } from './index-loader';
import { explainAccessError } from './access-errors';
import { alarmStatus, type AlarmStatus } from './alarm-status';
import { FRESHNESS_METRIC, manifestParameterName, type AssetManifest, type EmrSparkManifest, type StackManifest } from './manifest';
import { readManifest } from './manifest-store';
import { realClock, withRetry, type Clock, type JobRunOptions } from './retry';

/** The file a model-training Spark job writes next to its outputs (format and metrics: jobs/model/artifact.ts). */
const MODEL_FILE = 'model.json';

/** The SDK clients the environment uses; tests pass mocked ones. */
export interface AwsClients {
  readonly glue: GlueClient;
  readonly emr: EMRServerlessClient;
  readonly dynamodb: DynamoDBClient;
  readonly cloudwatch: CloudWatchClient;
  readonly ssm: SSMClient;
  readonly s3: S3Client;
  readonly sns: SNSClient;
}

export interface AwsEnvironmentOptions {
  /** Default: AWS_REGION / the profile's region. */
  readonly region?: string;
  readonly clients?: Partial<AwsClients>;
  readonly clock?: Clock;
  /** Poll backoff of job runs (defaults 5 s growing to 60 s). */
  readonly pollInitialMs?: number;
  readonly pollMaxMs?: number;
  /** The OpenSearch client of an index entry (default: SigV4 over the SDK's credential chain); tests pass a mock connection. */
  readonly searchClient?: SearchClientFactory;
  /** Where index loads download the embeddings Parquet (default: the OS temp dir). */
  readonly tmpDir?: string;
}

/** Creates the clients for a region (the SDK's default credential chain). */
export function defaultClients(region?: string): AwsClients {
  const config = region ? { region } : {};
  return {
    glue: new GlueClient(config),
    emr: new EMRServerlessClient(config),
    dynamodb: new DynamoDBClient(config),
    cloudwatch: new CloudWatchClient(config),
    ssm: new SSMClient(config),
    s3: new S3Client(config),
    sns: new SNSClient(config),
  };
}

/**
 * Opens the environment of a deployed stack: reads its manifest from SSM first. Failing to reach
 * the stack at all (no region, no credentials, no network) says what to set.
 */
export async function openAwsEnvironment(stack: string, options: AwsEnvironmentOptions = {}): Promise<AwsEnvironment> {
  const clients = { ...defaultClients(options.region), ...options.clients };
  let manifest: StackManifest;
  try {
    manifest = await readManifest(clients.ssm, clients.s3, stack, options.clock);
  } catch (e) {
    for (const c of Object.values(clients)) (c as { destroy?: () => void }).destroy?.();
    const why = explainAccessError(e, stack, `the stack manifest at SSM ${manifestParameterName(stack)}`);
    throw why ? new Error(why) : e;
  }
  return new AwsEnvironment(manifest, clients, options);
}

export class AwsEnvironment implements Environment {
  readonly name: string;
  readonly runLog: DynamoRunLog;
  private readonly executors: Map<string, Executor>;
  private readonly clock: Clock;

  constructor(
    readonly manifest: StackManifest,
    private readonly clients: AwsClients,
    private readonly options: AwsEnvironmentOptions = {},
  ) {
    this.name = manifest.stack;
    this.clock = options.clock ?? realClock;
    this.runLog = new DynamoRunLog(clients.dynamodb, manifest.runLog.tableName, { clock: options.clock });
    const glue: Executor = { kind: 'glue', execute: (ctx) => this.runGlue(ctx) };
    this.executors = new Map<string, Executor>([
      ['glue-extract', { ...glue, kind: 'glue-extract' }],
      ['glue-sql', { ...glue, kind: 'glue-sql' }],
      ['emr-spark', { kind: 'emr-spark', execute: (ctx) => this.runEmr(ctx) }],
      ['vector-index', { kind: 'vector-index', execute: (ctx) => this.runIndexLoad(ctx) }],
    ]);
  }

  executorFor(kind: string): Executor | undefined {
    return this.executors.get(kind);
  }

  /** The stack's alarms in ALARM and whether their notifications reach anyone (`assets status`). */
  alarms(): Promise<AlarmStatus> {
    return alarmStatus(this.clients.cloudwatch, this.clients.sns, this.manifest);
  }

  acquireLock(key: AssetKey, partition: string | null, owner: string): Promise<Lock> {
    return this.runLog.acquireLock(key, partition, owner);
  }

  /** Sources sit inside the stack's VPC: the CLI cannot observe them from outside. */
  async observeSource(_asset: AssetDefinition): Promise<Observation | undefined> {
    return undefined;
  }

  /**
   * Data checks over S3 data need a query engine (Athena), which this environment does not have
   * yet; a `row_count` of an index load is evaluated from the count the load reported.
   */
  async evaluateChecks(ctx: StepContext, output: StepOutput, checks: readonly CheckSpec[]): Promise<CheckOutcome[]> {
    const rows = output.metadata.rows;
    const fromLoad = ctx.asset.compute.kind === 'vector-index' && typeof rows === 'number';
    const outcomes: CheckOutcome[] = [];
    let skipped = 0;
    for (const check of checks) {
      if (fromLoad && check.type === 'row_count') outcomes.push(rowCountOutcome(check, rows));
      else skipped++;
    }
    if (skipped) ctx.log(`${skipped} data check(s) not evaluated on AWS (no query engine over S3 yet)`);
    return outcomes;
  }

  readCode(repoPath: string): string | undefined {
    return readRepoFile(repoPath);
  }

  async close(): Promise<void> {
    for (const c of Object.values(this.clients)) (c as { destroy?: () => void }).destroy?.();
  }

  /** The asset's manifest entry, checked to be of the expected kind. */
  private entry<K extends AssetManifest['kind']>(key: AssetKey, kinds: readonly K[]): Extract<AssetManifest, { kind: K }> {
    const e = this.manifest.assets[key];
    if (!e) throw new Error(`${key} is not in the manifest of stack '${this.name}'; deploy the current graph with \`pulumi up --stack ${this.name}\``);
    if (!(kinds as readonly string[]).includes(e.kind)) throw new Error(`${key} is deployed as '${e.kind}' in stack '${this.name}', not ${kinds.join('/')}; redeploy the stack`);
    return e as Extract<AssetManifest, { kind: K }>;
  }

  /** What every launcher needs from the step and this environment. */
  private jobRunOptions(ctx: StepContext): JobRunOptions {
    return {
      region: this.manifest.region,
      runId: ctx.runId,
      window: ctx.window,
      log: ctx.log,
      signal: ctx.signal,
      clock: this.clock,
      pollInitialMs: this.options.pollInitialMs,
      pollMaxMs: this.options.pollMaxMs,
    };
  }

  private async runGlue(ctx: StepContext): Promise<StepOutput> {
    const entry = this.entry(ctx.asset.key, ['glue-extract', 'glue-sql'] as const);
    const r = await runGlueJob(this.clients.glue, { entry, ...this.jobRunOptions(ctx) });
    await this.published(ctx.asset.key);
    return { metadata: { glueJobRunId: r.jobRunId, executionSeconds: r.executionSeconds, ...(r.dpuSeconds !== undefined ? { dpuSeconds: r.dpuSeconds } : {}), consoleUrl: r.consoleUrl } };
  }

  private async runEmr(ctx: StepContext): Promise<StepOutput> {
    const entry = this.entry(ctx.asset.key, ['emr-spark'] as const);
    const r = await runEmrJob(this.clients.emr, { entry, ...this.jobRunOptions(ctx) });
    const metrics = await this.outputMetrics(entry, ctx.log);
    await this.published(ctx.asset.key);
    return { metadata: { ...metrics, emrJobRunId: r.jobRunId, consoleUrl: r.consoleUrl, ...(r.billedVcpuHours !== undefined ? { billedVcpuHours: r.billedVcpuHours } : {}) } };
  }

  /**
   * The numeric `metrics` of the `model.json` a Spark job wrote in its output folder (the trainer
   * does), as the embedded executor reports them: metric checks (model vs popularity) read them
   * from the step's metadata. None when the job writes no model.json.
   */
  private async outputMetrics(entry: EmrSparkManifest, log: (m: string) => void): Promise<Record<string, number>> {
    if (!entry.location) return {};
    const key = `${entry.location.prefix}${MODEL_FILE}`;
    let text: string | undefined;
    try {
      const res = await withRetry(() => this.clients.s3.send(new GetObjectCommand({ Bucket: entry.location!.bucket, Key: key })), { clock: this.clock });
      text = await res.Body?.transformToString('utf8');
    } catch (e) {
      if ((e as Error).name === 'NoSuchKey') return {};
      throw new Error(`reading the metrics of ${entry.key} at s3://${entry.location.bucket}/${key}: ${(e as Error).message}`);
    }
    let metrics: unknown;
    try {
      metrics = (JSON.parse(text ?? 'null') as { metrics?: unknown } | null)?.metrics;
    } catch (e) {
      throw new Error(`s3://${entry.location.bucket}/${key} is not valid JSON (${(e as Error).message}); rerun ${entry.key}`);
    }
    const out = Object.fromEntries(Object.entries(metrics && typeof metrics === 'object' ? metrics : {}).filter((kv): kv is [string, number] => typeof kv[1] === 'number'));
    if (Object.keys(out).length) log(`metrics from s3://${entry.location.bucket}/${key}: ${Object.entries(out).map(([k, v]) => `${k}=${Number(v.toPrecision(4))}`).join(', ')}`);
    return out;
  }

  private async runIndexLoad(ctx: StepContext): Promise<StepOutput> {
    const entry = this.entry(ctx.asset.key, ['vector-index'] as const);
    const started = this.clock.now();
    const r = await runIndexLoad({
      entry,
      stack: this.name,
      region: this.manifest.region,
      s3: this.clients.s3,
      searchClient: this.options.searchClient,
      log: ctx.log,
      signal: ctx.signal,
      clock: this.clock,
      tmpDir: this.options.tmpDir,
    });
    await this.published(ctx.asset.key);
    return {
      metadata: {
        rows: r.count,
        alias: r.alias,
        version: r.version,
        previousVersion: r.previousVersion ?? null,
        dimension: entry.dimension,
        source: r.source,
        bytes: r.bytes,
        loadMs: this.clock.now() - started,
      },
    };
  }

  /** One more materialization of `key`: the freshness alarms count these. */
  private async published(key: AssetKey): Promise<void> {
    await withRetry(
      () =>
        this.clients.cloudwatch.send(
          new PutMetricDataCommand({
            Namespace: this.manifest.metricsNamespace,
            MetricData: [{ MetricName: FRESHNESS_METRIC, Dimensions: [{ Name: 'Asset', Value: key }], Value: 1, Unit: 'Count', Timestamp: new Date(this.clock.now()) }],
          }),
        ),
      { clock: this.clock },
    );
  }
}

/** A `row_count` check against the number of rows a step reported. */
function rowCountOutcome(check: Extract<CheckSpec, { type: 'row_count' }>, rows: number): CheckOutcome {
  const low = check.min !== undefined && rows < check.min;
  const high = check.max !== undefined && rows > check.max;
  const bounds = [check.min !== undefined ? `>= ${check.min}` : '', check.max !== undefined ? `<= ${check.max}` : ''].filter(Boolean).join(' and ');
  return { check, passed: !low && !high, message: `${rows} rows loaded${bounds ? `, expected ${bounds}` : ''}` };
}
