/**
 * The index load as a Lambda: the function refuses what it cannot do before touching S3 (its
 * environment, a caller asking for another index), and `assets materialize --env` invokes it
 * (aws-sdk-client-mock LambdaClient) and records what it returns, turning the function's and the
 * invoke's failures into messages that say what to do. The load itself: index-load.test.ts.
 */
import { expect } from 'chai';
import { mockClient } from 'aws-sdk-client-mock';
import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import graph from '../../assets';
import type { StepContext } from '../../jobs/engine/environment';
import { AwsEnvironment, type AwsClients } from '../../jobs/aws/environment';
import { entryFromEnvironment, handler, loadIndex, type IndexLoadOutput } from '../../jobs/aws/index-load-handler';
import { INDEX_ENTRY_VARIABLE, type StackManifest } from '../../jobs/aws/manifest';
import { awsError, fakeClock, itemIndexEntry, manifest } from './fixtures';

const lambda = mockClient(new LambdaClient({}));
const cw = mockClient(new CloudWatchClient({}));
const s3 = mockClient(new S3Client({}));
const FN = 'headwater-dev-index-item-embeddings-loader';
const KEY = itemIndexEntry.key;

const encode = (x: unknown) => new TextEncoder().encode(JSON.stringify(x));
const decode = (b?: Uint8Array) => JSON.parse(new TextDecoder().decode(b)) as unknown;

describe('index load as a Lambda', () => {
  beforeEach(() => {
    lambda.reset();
    cw.reset();
    s3.reset();
    cw.on(PutMetricDataCommand).resolves({});
  });

  describe('the function', () => {
    const { loaderFunctionName: _n, loaderFunctionArn: _a, ...entry } = itemIndexEntry;

    it('reads its manifest entry, stack and region from the environment the stack sets', () => {
      expect(entryFromEnvironment({ [INDEX_ENTRY_VARIABLE]: JSON.stringify(entry), HEADWATER_ENV: 'dev', AWS_REGION: 'eu-west-1' })).to.deep.equal({ entry, stack: 'dev', region: 'eu-west-1' });
      const refused = (env: NodeJS.ProcessEnv) => {
        try {
          entryFromEnvironment(env);
        } catch (e) {
          return `${(e as Error).name}: ${(e as Error).message}`;
        }
        return 'accepted';
      };
      expect(refused({ HEADWATER_ENV: 'dev', AWS_REGION: 'eu-west-1' })).to.equal(
        'IndexLoadError: HEADWATER_INDEX_ENTRY, HEADWATER_ENV and AWS_REGION must be set (the stack sets the first two, Lambda the third); redeploy the stack',
      );
      expect(refused({ [INDEX_ENTRY_VARIABLE]: '{', HEADWATER_ENV: 'dev', AWS_REGION: 'eu-west-1' })).to.match(/^IndexLoadError: HEADWATER_INDEX_ENTRY is not JSON \(.+\); redeploy the stack$/);
      expect(refused({ [INDEX_ENTRY_VARIABLE]: JSON.stringify({ ...entry, kind: 'glue-sql' }), HEADWATER_ENV: 'dev', AWS_REGION: 'eu-west-1' })).to.equal(
        'IndexLoadError: HEADWATER_INDEX_ENTRY is not a vector-index manifest entry; redeploy the stack',
      );
    });

    it('the handler fails with IndexLoadError when deployed without its entry', async () => {
      const saved = process.env[INDEX_ENTRY_VARIABLE];
      delete process.env[INDEX_ENTRY_VARIABLE];
      try {
        const err = await handler({ key: KEY }).then(() => undefined, (e: Error) => e);
        expect(err?.name).to.equal('IndexLoadError');
      } finally {
        if (saved !== undefined) process.env[INDEX_ENTRY_VARIABLE] = saved;
      }
    });

    it('loads only its own index: a caller naming another asset is refused before S3 is read', async () => {
      const err = await loadIndex({ key: 'index/other' }, { entry, stack: 'dev', region: 'eu-west-1', s3: s3 as unknown as S3Client, clock: fakeClock() }).then(
        () => undefined,
        (e: Error) => e,
      );
      expect(err?.name).to.equal('IndexLoadError');
      expect(err?.message).to.equal(`this function loads ${KEY} (alias item_embeddings), not index/other; invoke the function named in index/other's manifest entry`);
      expect(s3.commandCalls(GetObjectCommand)).to.have.length(0);
    });

    it("a failed load is an IndexLoadError carrying the loader's message (what a state machine's Catch records)", async () => {
      s3.on(GetObjectCommand).rejects(awsError('NoSuchKey'));
      const err = await loadIndex({}, { entry, stack: 'dev', region: 'eu-west-1', s3: s3 as unknown as S3Client, clock: fakeClock() }).then(
        () => undefined,
        (e: Error) => e,
      );
      expect(err?.name).to.equal('IndexLoadError');
      expect(err?.message).to.match(/^no embeddings at s3:\/\/lake-model\/recommender\/item_embeddings\.parquet: .*; the alias 'item_embeddings' still points to the previous version$/);
    });
  });

  describe('assets materialize --env (the executor)', () => {
    const result: IndexLoadOutput = {
      rows: 3,
      alias: 'item_embeddings',
      version: 'item_embeddings_v7',
      previousVersion: 'item_embeddings_v6',
      dimension: 33,
      source: 's3://lake-model/recommender/item_embeddings.parquet',
      bytes: 1234,
      loadMs: 850,
    };
    const ctx = (logs: string[] = [], signal = new AbortController().signal): StepContext => ({
      graph,
      asset: graph.get(KEY),
      runId: 'run-1',
      partitions: null,
      inputs: [],
      log: (m) => logs.push(m),
      signal,
    });
    const execute = (m: StackManifest = manifest, logs: string[] = [], signal?: AbortSignal) =>
      new AwsEnvironment(m, { lambda, cloudwatch: cw } as unknown as AwsClients, { clock: fakeClock() }).executorFor('vector-index')!.execute(ctx(logs, signal));
    const failure = (m?: StackManifest) => execute(m).then(() => 'succeeded', (e: Error) => e.message);

    it('invokes the asset’s function with the run, records what it returns, and counts the materialization', async () => {
      lambda.on(InvokeCommand).resolves({ StatusCode: 200, Payload: encode(result) as never, $metadata: { requestId: 'req-1' } });
      const logs: string[] = [];
      const out = await execute(manifest, logs);
      const calls = lambda.commandCalls(InvokeCommand);
      expect(calls).to.have.length(1);
      expect(calls[0].args[0].input).to.deep.include({ FunctionName: FN, InvocationType: 'RequestResponse' });
      expect(decode(calls[0].args[0].input.Payload as Uint8Array)).to.deep.equal({ key: KEY, runId: 'run-1' });
      expect(out.metadata).to.deep.equal({ ...result, function: FN, requestId: 'req-1' });
      expect(logs).to.deep.equal([`invoking ${FN} to load item_embeddings (its log: /aws/lambda/${FN})`, `${FN} loaded 3 vectors into item_embeddings version item_embeddings_v7 (was item_embeddings_v6)`]);
      expect(cw.commandCalls(PutMetricDataCommand)[0].args[0].input.MetricData![0]).to.deep.include({ MetricName: 'AssetMaterialized', Dimensions: [{ Name: 'Asset', Value: KEY }] });
    });

    it("a failed load fails the step with the function's message, and counts nothing", async () => {
      const message = "no embeddings at s3://lake-model/recommender/item_embeddings.parquet: materialize the model first; the alias 'item_embeddings' still points to the previous version";
      lambda.on(InvokeCommand).resolves({ StatusCode: 200, FunctionError: 'Unhandled', Payload: encode({ errorType: 'IndexLoadError', errorMessage: message, trace: ['at x'] }) as never });
      expect(await failure()).to.equal(message);
      expect(cw.commandCalls(PutMetricDataCommand)).to.have.length(0);
    });

    it('a function that died (timeout, memory) is named with its error type and log group', async () => {
      lambda.on(InvokeCommand).resolves({ StatusCode: 200, FunctionError: 'Unhandled', Payload: encode({ errorType: 'Sandbox.Timedout', errorMessage: 'Task timed out after 900.00 seconds' }) as never });
      expect(await failure()).to.equal(
        `${FN} failed (Sandbox.Timedout): Task timed out after 900.00 seconds; see its log /aws/lambda/${FN}; the alias 'item_embeddings' still points to the previous version`,
      );
    });

    it('says what to do when the function is missing, busy, or not invokable', async () => {
      lambda.on(InvokeCommand).rejects(awsError('ResourceNotFoundException', 'Function not found'));
      expect(await failure()).to.equal(
        `the index-load function ${FN} of ${KEY} does not exist in stack 'dev'; redeploy with \`pulumi up --stack dev\`; the alias 'item_embeddings' still points to the previous version`,
      );
      lambda.reset();
      lambda.on(InvokeCommand).rejects(awsError('TooManyRequestsException', 'Rate Exceeded.'));
      expect(await failure()).to.equal(
        `another load of item_embeddings is still running (${FN} runs one at a time); wait for it (assets runs --env dev) and retry; the alias 'item_embeddings' still points to the previous version`,
      );
      expect(lambda.commandCalls(InvokeCommand).length, 'throttling is retried first').to.be.greaterThan(1);
      lambda.reset();
      lambda.on(InvokeCommand).rejects(awsError('AccessDeniedException', 'not authorized to perform: lambda:InvokeFunction'));
      expect(await failure()).to.match(new RegExp(`^not allowed to invoke ${FN} \\(not authorized to perform: lambda:InvokeFunction\\): use the stack's operator role`));
    });

    it('a cancelled step says the function runs on, and where to look', async () => {
      const controller = new AbortController();
      lambda.on(InvokeCommand).callsFake(() => {
        controller.abort();
        throw Object.assign(new Error('Request aborted'), { name: 'AbortError' });
      });
      const err = await execute(manifest, [], controller.signal).then(() => 'succeeded', (e: Error) => e.message);
      expect(err).to.equal(`cancelled while ${FN} was loading item_embeddings: the function runs to its end (see its log); the alias moves only if it succeeds`);
      expect(cw.commandCalls(PutMetricDataCommand)).to.have.length(0);
    });

    it('a manifest from before the Lambda says to redeploy, and invokes nothing', async () => {
      const { loaderFunctionName: _n, loaderFunctionArn: _a, ...old } = itemIndexEntry;
      expect(await failure({ ...manifest, assets: { ...manifest.assets, [KEY]: old } })).to.equal(
        `the manifest entry of ${KEY} in stack 'dev' names no index-load function (deployed before index loads ran in a Lambda); redeploy with \`pulumi up --stack dev\``,
      );
      expect(lambda.commandCalls(InvokeCommand)).to.have.length(0);
    });
  });
});
