import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import graph from '../../assets';
import type { AssetDefinition } from '../../assets/core';
import { defineAsset } from '../../assets/core';
import { emrSpark } from '../../assets/kinds';
import { itemEmbeddings, recommender, userEmbeddings } from '../../assets/reference/batch';
import { createEmrSparkExecutor, MODEL_FILES } from '../../jobs/embedded/executors/emr-spark';
import { createVectorIndexExecutor } from '../../jobs/embedded/executors/vector-index';
import type { StepContext } from '../../jobs/engine/environment';
import { modelProblem, type ModelArtifact } from '../../jobs/model/artifact';
import { readEmbeddingsParquet } from '../../jobs/model/lake-io';
import { EmbeddedVectorStore } from '../../jobs/vector-store/embedded';
import type { LoadResult, VectorDocument, VectorIndexReader, VectorStore } from '../../jobs/vector-store/port';
import { writeSyntheticLake } from './lake-fixture';
import { SYNTHETIC_MODEL, syntheticRatings } from './synthetic';

function context(asset: AssetDefinition, lines: string[] = []): StepContext {
  return { graph, asset, runId: 'run-1', partitions: null, inputs: [], log: (m) => lines.push(m), signal: new AbortController().signal };
}

/** A vector store kept in memory: enough to see what the executor loads. */
class MemoryVectorStore implements VectorStore {
  readonly versions = new Map<string, { version: string; docs: VectorDocument[] }>();
  private n = 0;
  async load(alias: string, documents: Iterable<VectorDocument> | AsyncIterable<VectorDocument>, options: { dimension: number }): Promise<LoadResult> {
    const docs: VectorDocument[] = [];
    for await (const d of documents) {
      if (d.vector.length !== options.dimension) throw new Error('bad dimension');
      docs.push(d);
    }
    const previousVersion = this.versions.get(alias)?.version;
    const version = `v${++this.n}`;
    this.versions.set(alias, { version, docs });
    return { alias, version, count: docs.length, ...(previousVersion ? { previousVersion } : {}) };
  }
  async open(): Promise<VectorIndexReader> {
    throw new Error('not used');
  }
}

describe('embedded executors: emr-spark (trainer) and vector-index', function () {
  this.timeout(120_000);
  let home: string;
  let lake: string;
  const savedHome = process.env.HEADWATER_HOME;
  // The model every test reads: trained once here, so no test depends on another's output.
  let trained: Awaited<ReturnType<ReturnType<typeof createEmrSparkExecutor>['execute']>>;
  const trainLog: string[] = [];

  before(async () => {
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'hw-model-'));
    process.env.HEADWATER_HOME = home;
    lake = path.join(home, 'lake');
    const s = syntheticRatings({ customers: 500, products: 120, ratings: 15_000, days: 20, seed: 11 });
    await writeSyntheticLake(lake, s.data);
    // A partition the lake is still staging (hidden folder): never read.
    const staging = path.join(lake, 'training', 'ratings_ml_training', '.dt=2030-01-02.tmp-1-abc');
    fs.mkdirSync(staging, { recursive: true });
    fs.writeFileSync(path.join(staging, 'part-00000.parquet'), 'half-written');
    trained = await createEmrSparkExecutor({ lakeRoot: lake }).execute(context(recommender, trainLog));
  });
  after(() => {
    if (savedHome === undefined) delete process.env.HEADWATER_HOME;
    else process.env.HEADWATER_HOME = savedHome;
    fs.rmSync(home, { recursive: true, force: true });
  });

  const modelDir = () => path.join(lake, 'model', 'recommender');

  it('trains from the committed lake files and commits model.json and both embeddings tables, returning the metrics', async () => {
    const lines = trainLog;
    const md = trained.metadata;
    for (const key of ['recallAt10', 'ndcgAt10', 'baselineRecallAt10', 'baselineNdcgAt10', 'recallAt10Known', 'baselineRecallAt10Known', 'evalUsersKnown', 'evalUsersNew', 'rows', 'users', 'items', 'trainMs']) {
      expect(md[key], key).to.be.a('number');
    }
    expect(md.recallAt10 as number).to.be.greaterThan(md.baselineRecallAt10 as number);
    expect(md.rows).to.equal(15_000);
    expect(lines.join('\n')).to.match(/recall@10/);

    expect(fs.readdirSync(modelDir()).sort()).to.deep.equal(Object.values(MODEL_FILES).sort());
    const model = JSON.parse(fs.readFileSync(path.join(modelDir(), MODEL_FILES.model), 'utf8')) as ModelArtifact;
    expect(modelProblem(model)).to.equal(undefined);
    expect(model.metrics.recallAt10).to.equal(md.recallAt10);
    const items = await readEmbeddingsParquet(path.join(modelDir(), MODEL_FILES.items), 'product_code', 'model/recommender');
    const users = await readEmbeddingsParquet(path.join(modelDir(), MODEL_FILES.users), 'customer_number', 'model/recommender');
    // Every customer and product of the raw snapshots, rated or not.
    expect(items.ids).to.have.length(120);
    expect(users.ids).to.have.length(500);
    expect(items.vectors[0]).to.have.length(33);
    expect(users.vectors.every((v) => v.length === 33 && v[32] === 1)).to.equal(true);
    expect(fs.readdirSync(path.join(lake, 'model')).filter((f) => f !== 'recommender')).to.deep.equal([]);
  });

  it('leaves the previous model intact when training fails', async () => {
    const before = fs.readFileSync(path.join(modelDir(), MODEL_FILES.model));
    const bad = defineAsset({ key: 'model/recommender', compute: emrSpark({ script: 'x.py', model: { ...SYNTHETIC_MODEL, holdoutDays: 1000 } }) });
    let error: Error | undefined;
    await createEmrSparkExecutor({ lakeRoot: lake })
      .execute(context(bad))
      .catch((e: Error) => (error = e));
    expect(error?.message).to.match(/holdoutDays/);
    expect(fs.readFileSync(path.join(modelDir(), MODEL_FILES.model)).equals(before)).to.equal(true);
    expect(fs.readdirSync(path.join(lake, 'model'))).to.deep.equal(['recommender']);
  });

  it('refuses an emr-spark asset that declares no model, saying how to run it', async () => {
    const plain = defineAsset({ key: 'jobs/etl', compute: emrSpark({ script: 'jobs/spark/etl.py' }) });
    const err = await createEmrSparkExecutor({ lakeRoot: lake })
      .execute(context(plain))
      .catch((e: Error) => e.message);
    expect(err).to.equal(
      'jobs/etl: the embedded engine trains emr-spark assets that declare a model (model: recommenderModel({...})) and jobs/etl declares none; run its script on local Spark instead (--engine spark)',
    );
  });

  it('names the file when a training Parquet file is corrupt, and keeps the previous model', async () => {
    const before = fs.readFileSync(path.join(modelDir(), MODEL_FILES.model));
    const dir = path.join(lake, 'training', 'ratings_ml_training', 'dt=2030-01-01');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'broken.parquet'), 'not parquet');
    try {
      let error: Error | undefined;
      await createEmrSparkExecutor({ lakeRoot: lake })
        .execute(context(recommender))
        .catch((e: Error) => (error = e));
      expect(error?.message).to.match(/broken\.parquet/);
      expect(fs.readFileSync(path.join(modelDir(), MODEL_FILES.model)).equals(before)).to.equal(true);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('loads item and user embeddings into an injected store, reporting rows and versions', async () => {
    const store = new MemoryVectorStore();
    const exec = createVectorIndexExecutor({ lakeRoot: lake, store });
    const first = await exec.execute(context(itemEmbeddings));
    expect(first.metadata).to.include({ rows: 120, alias: 'item_embeddings', version: 'v1', previousVersion: null });
    const second = await exec.execute(context(itemEmbeddings));
    expect(second.metadata).to.include({ version: 'v2', previousVersion: 'v1' });
    const users = await exec.execute(context(userEmbeddings));
    expect(users.metadata).to.include({ rows: 500, alias: 'user_embeddings' });
    expect(store.versions.get('user_embeddings')?.docs[0].vector).to.have.length(33);
  });

  it('loads into the embedded HNSW store by default, where a user vector finds items', async () => {
    const out = await createVectorIndexExecutor({ lakeRoot: lake }).execute(context(itemEmbeddings));
    expect(out.metadata.rows).to.equal(120);
    const reader = await new EmbeddedVectorStore(path.join(home, 'indexes')).open('item_embeddings');
    const users = await readEmbeddingsParquet(path.join(modelDir(), MODEL_FILES.users), 'customer_number', 'model/recommender');
    const hits = await reader.search(users.vectors[0], 10);
    expect(hits).to.have.length(10);
    expect(hits[0].score).to.be.at.least(hits[9].score);
  });
});
