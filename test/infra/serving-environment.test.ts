/**
 * The serving Lambdas on AWS read what the stack gives them: the environment of the synthesized
 * functions (Pulumi mocks) resolves every location jobs/serving/environment.ts needs, and the
 * model and popular products are fetched from the per-zone buckets (S3 via aws-sdk-client-mock).
 */
import { synth } from './mock-runtime';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { mockClient, type AwsStub } from 'aws-sdk-client-mock';
import { GetObjectCommand, NoSuchKey, S3Client, type ServiceInputTypes, type ServiceOutputTypes, type S3ClientResolvedConfig } from '@aws-sdk/client-s3';
import type { Synthesis } from '../../infra/synth/synthesize';
import { awsServingLocations, depsFromEnvironment, lakeVariable, type Env } from '../../jobs/serving/environment';
import { MODEL_FORMAT } from '../../jobs/model/artifact';
import { installSyntheticCatalog } from '../../scripts/bench/serve-catalog';


/** The environment variables the stack sets on a function, plus what the Lambda runtime adds. */
function lambdaEnv(s: Synthesis, fnName: string): Env {
  const fn = s.resources.find((r) => r.type === 'aws:lambda/function:Function' && r.name === fnName);
  if (!fn) throw new Error(`no function ${fnName}`);
  const vars = (fn.inputs as { environment: { variables: Record<string, string> } }).environment.variables;
  return { ...vars, AWS_REGION: 'eu-west-1', AWS_LAMBDA_FUNCTION_NAME: 'x' };
}

for (const stack of ['dev', 'prod'] as const) {
  describe(`serving Lambdas read what the ${stack} stack sets`, () => {
    let s: Synthesis;
    before(async () => {
      s = await synth(stack);
    });

    for (const fnName of ['serving-recommender-api-fn', 'serving-recommendations-transform-fn']) {
      it(`${fnName}: every location resolves from the function's environment`, () => {
        const env = lambdaEnv(s, fnName);
        expect(env.HEADWATER_LAKE_BUCKET, 'no single-bucket variable: the lake has a bucket per zone').to.equal(undefined);
        const at = awsServingLocations(env);
        expect(at).to.deep.include({
          model: 's3://lake-model/recommender/model.json',
          popular: 's3://lake-analytics/popular_products/latest.json',
          service: 'es',
          region: 'eu-west-1',
          itemAlias: 'item_embeddings',
          userAlias: 'user_embeddings',
        });
        expect(at.endpoint).to.match(/^https:\/\/\S+$/);
        expect(env[lakeVariable('model/recommender')]).to.equal('s3://lake-model/recommender/');
      });
    }
  });
}

describe('serving on AWS fetches the model and popular products from the per-zone buckets', () => {
  let dir: string;
  let env: Env;
  // Mocked here, restored after: the functions build their own S3Client, so the mock is on the class.
  let s3: AwsStub<ServiceInputTypes, ServiceOutputTypes, S3ClientResolvedConfig>;
  before(async () => {
    s3 = mockClient(S3Client);
    env = lambdaEnv(await synth('dev'), 'serving-recommender-api-fn');
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hw-serving-aws-'));
    await installSyntheticCatalog({ lake: path.join(dir, 'lake'), indexes: path.join(dir, 'indexes') }, { products: 20, customers: 5 });
  });
  after(() => {
    s3.restore();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => s3.reset());

  const object = (rel: string) => ({ Body: { transformToString: async () => fs.readFileSync(path.join(dir, 'lake', rel), 'utf8') } as never });

  it('reads model.json from the model bucket and latest.json from the analytics bucket', async () => {
    s3.on(GetObjectCommand, { Bucket: 'lake-model', Key: 'recommender/model.json' }).resolves(object('model/recommender/model.json'));
    s3.on(GetObjectCommand, { Bucket: 'lake-analytics', Key: 'popular_products/latest.json' }).resolves(object('analytics/popular_products/latest.json'));
    const deps = depsFromEnvironment(env);
    const model = await deps.model();
    expect(model?.format).to.equal(MODEL_FORMAT);
    expect((await deps.popular())?.products.length).to.be.greaterThan(0);
    expect(s3.commandCalls(GetObjectCommand).map((c) => c.args[0].input)).to.have.deep.members([
      { Bucket: 'lake-model', Key: 'recommender/model.json' },
      { Bucket: 'lake-analytics', Key: 'popular_products/latest.json' },
    ]);
  });

  it('a missing object is "not there yet" (the service falls back), a bad one names its s3:// URI', async () => {
    s3.on(GetObjectCommand).rejects(new NoSuchKey({ message: 'nope', $metadata: {} }));
    expect(await depsFromEnvironment(env).popular()).to.equal(undefined);
    s3.on(GetObjectCommand, { Bucket: 'lake-model', Key: 'recommender/model.json' }).resolves({ Body: { transformToString: async () => '{"format":"other"}' } as never });
    const err = await depsFromEnvironment(env).model().catch((e: Error) => e.message);
    expect(err).to.match(/^s3:\/\/lake-model\/recommender\/model\.json: .*; retrain with assets materialize model\/recommender$/);
  });

  it('a function without the model dep says which variable is missing and how to fix it', () => {
    const without = { ...env, [lakeVariable('model/recommender')]: undefined };
    expect(() => depsFromEnvironment(without)).to.throw(/HEADWATER_LAKE_MODEL__RECOMMENDER is not set: .*add model\/recommender to the asset's deps and redeploy/);
  });

  it('keeps the single-bucket layout when only HEADWATER_LAKE_BUCKET is given', () => {
    const at = awsServingLocations({ HEADWATER_LAKE_BUCKET: 'one-lake', HEADWATER_LAKE_PREFIX: 'hw/', OPENSEARCH_ENDPOINT: 'search.example.com', OPENSEARCH_SERVICE: 'es' });
    expect(at).to.deep.include({ model: 's3://one-lake/hw/model/recommender/model.json', popular: 's3://one-lake/hw/analytics/popular_products/latest.json', endpoint: 'https://search.example.com', service: 'es' });
  });
});
