/**
 * The model of a fork: the embedded trainer and index loads read only the declaration (keys,
 * columns, ids, features) of a graph that shares no name with the reference. String and integer
 * ids, a multi-valued feature as a list column and as a separated string, users with and without
 * an entity asset; the model lands in its own asset's folder and each index keys its documents by
 * its declared `idField`.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import type { AssetGraph } from '../../assets/core';
import { createEmrSparkExecutor } from '../../jobs/embedded/executors/emr-spark';
import { createVectorIndexExecutor } from '../../jobs/embedded/executors/vector-index';
import type { StepContext, StepOutput } from '../../jobs/engine/environment';
import { embedUser, modelProblem, userFeatureFields, userValuesFromFields, type ModelArtifact } from '../../jobs/model/artifact';
import { MODEL_FILES } from '../../jobs/model/files';
import { readEmbeddingsParquet, withDuckDb } from '../../jobs/model/lake-io';
import type { LoadOptions, LoadResult, VectorDocument, VectorIndexReader, VectorStore } from '../../jobs/vector-store/port';
import { forkGraph, listenerId, trackId, writeForkLake, type ForkOptions } from './fork-fixture';
import { syntheticRatings } from './synthetic';

const context = (graph: AssetGraph, key: string): StepContext => ({
  graph,
  asset: graph.get(key),
  runId: 'run-1',
  partitions: null,
  inputs: [],
  log: () => undefined,
  signal: new AbortController().signal,
});

/** Remembers what each load was given. */
class RecordingStore implements VectorStore {
  readonly loads: { alias: string; docs: VectorDocument[]; options: LoadOptions }[] = [];
  async load(alias: string, documents: Iterable<VectorDocument> | AsyncIterable<VectorDocument>, options: LoadOptions): Promise<LoadResult> {
    const docs: VectorDocument[] = [];
    for await (const d of documents) docs.push(d);
    this.loads.push({ alias, docs, options });
    return { alias, version: `v${this.loads.length}`, count: docs.length };
  }
  async open(): Promise<VectorIndexReader> {
    throw new Error('not used');
  }
}

async function parquetColumnType(file: string, column: string): Promise<string> {
  return withDuckDb(async (c) => {
    const rows = (await c.runAndReadAll(`SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet('${file}'))`)).getRowsJS();
    return String(rows.find((r) => r[0] === column)?.[1]);
  });
}

describe('a fork\'s model: the trainer and index loads read only the declaration', function () {
  this.timeout(180_000);
  const synthetic = syntheticRatings({ customers: 300, products: 80, ratings: 9000, days: 21, seed: 5 });
  let home: string;
  before(() => (home = fs.mkdtempSync(path.join(os.tmpdir(), 'hw-fork-model-'))));
  after(() => fs.rmSync(home, { recursive: true, force: true }));

  const cases: [string, ForkOptions][] = [
    ['string ids, genres as a list column, listeners from their own asset', { idType: 'string', genres: 'list', listenerAsset: true }],
    ['integer ids, genres as a |-separated string, listener features from the plays', { idType: 'integer', genres: 'text', listenerAsset: false }],
  ];
  for (const [name, o] of cases) {
    describe(name, () => {
      let lake: string;
      let graph: AssetGraph;
      let trained: StepOutput;
      let model: ModelArtifact;
      const modelDir = () => path.join(lake, 'ml', 'taste');

      before(async () => {
        lake = fs.mkdtempSync(path.join(home, 'lake-'));
        ({ graph } = forkGraph(o));
        await writeForkLake(lake, synthetic, o);
        trained = await createEmrSparkExecutor({ lakeRoot: lake }).execute(context(graph, 'ml/taste'));
        model = JSON.parse(fs.readFileSync(path.join(modelDir(), MODEL_FILES.model), 'utf8')) as ModelArtifact;
      });

      it('commits the model to its own asset folder, with the declared schema in model.json', () => {
        expect(fs.readdirSync(modelDir()).sort()).to.deep.equal(Object.values(MODEL_FILES).sort());
        expect(fs.existsSync(path.join(lake, 'model'))).to.equal(false);
        expect(modelProblem(model)).to.equal(undefined);
        expect(model.schema.item).to.deep.equal({
          field: 'track',
          idType: o.idType,
          idEmbedding: true,
          features: [
            { column: 'genres', field: 'genres', type: 'multi', separator: '|' },
            { column: 'label', field: 'label', type: 'categorical' },
            { column: 'price', field: 'price', type: 'numeric' },
          ],
        });
        expect(model.schema.user.field).to.equal('listener');
        expect(model.dimension).to.equal(17);
        // The genres vocabulary holds single genres, never a whole list.
        const genres = model.item.features[0];
        expect(genres.type === 'multi' && genres.vocabulary).to.include.members(['Planes', 'Ships', 'scale 1:18']);
        expect(genres.type === 'multi' && genres.vocabulary.some((g) => g.includes('|') || g.includes(','))).to.equal(false);
      });

      it('writes embeddings keyed by the entity field, typed as declared, for every entity', async () => {
        const items = path.join(modelDir(), MODEL_FILES.items);
        const users = path.join(modelDir(), MODEL_FILES.users);
        expect(await parquetColumnType(items, 'track')).to.equal(o.idType === 'integer' ? 'BIGINT' : 'VARCHAR');
        expect(await parquetColumnType(users, 'listener')).to.equal(o.idType === 'integer' ? 'BIGINT' : 'VARCHAR');
        const i = await readEmbeddingsParquet(items, 'track', 'ml/taste');
        const u = await readEmbeddingsParquet(users, 'listener', 'ml/taste');
        expect(i.ids).to.have.members(Array.from({ length: 80 }, (_, n) => trackId(o, n)));
        expect(u.ids).to.include(listenerId(o, 0));
        expect(u.vectors.every((v) => v.length === 17 && v[16] === 1)).to.equal(true);
      });

      it('beats popularity on the hold-out (the blocking check\'s metric), reporting known and new users', () => {
        const m = trained.metadata as Record<string, number>;
        expect(m.recallAt10).to.be.greaterThan(m.baselineRecallAt10);
        expect(m.evalUsersKnown).to.be.greaterThan(0);
        expect(m.recallAt10Known).to.be.greaterThan(m.baselineRecallAt10Known);
        expect(m.evalUsers).to.equal(m.evalUsersKnown + m.evalUsersNew);
      });

      it('serving embeds a new listener from the declared request fields', () => {
        const fields = userFeatureFields(model);
        expect([...fields.keys()]).to.deep.equal(o.listenerAsset ? ['country', 'town', 'budget'] : ['country']);
        expect(fields.get('country')).to.deep.equal({ column: 'home_country', type: 'categorical' });
        const values = userValuesFromFields(model, { country: 'France', unknown: 'ignored' });
        expect(values).to.deep.equal({ home_country: 'France' });
        const a = embedUser(model, values);
        const b = embedUser(model, { home_country: 'Japan' });
        expect(a).to.have.length(17);
        expect(Array.from(a)).not.to.deep.equal(Array.from(b));
      });

      it('loads each index from the model dep, documents keyed by the index\'s idField', async () => {
        const store = new RecordingStore();
        const exec = createVectorIndexExecutor({ lakeRoot: lake, store });
        const items = await exec.execute(context(graph, 'search/tracks'));
        const users = await exec.execute(context(graph, 'search/listeners'));
        expect(items.metadata).to.include({ rows: 80, alias: 'tracks', idField: 'track_ref' });
        expect(users.metadata).to.include({ alias: 'listeners', idField: 'listener' });
        expect(store.loads.map((l) => [l.alias, l.options.idField])).to.deep.equal([
          ['tracks', 'track_ref'],
          ['listeners', 'listener'],
        ]);
        expect(store.loads[0].docs.map((d) => d.id)).to.include(trackId(o, 3));
      });
    });
  }

  it('refuses an integer id column holding text, naming the column, a value and the fix', async () => {
    const lake = fs.mkdtempSync(path.join(home, 'lake-'));
    await writeForkLake(lake, synthetic, { idType: 'string', genres: 'list', listenerAsset: true });
    const { graph } = forkGraph({ idType: 'integer', genres: 'list', listenerAsset: true });
    const err = await createEmrSparkExecutor({ lakeRoot: lake })
      .execute(context(graph, 'ml/taste'))
      .catch((e: Error) => e.message);
    expect(err).to.match(/column '\w+' holds '(listener|trk:)[^']*', not an integer, but the model declares (users|items)\.idType 'integer'; declare idType: 'string' or fix the data/);
    expect(fs.existsSync(path.join(lake, 'ml', 'taste'))).to.equal(false);
  });

  it('names a declared column the data lacks, with the columns it has', async () => {
    const lake = fs.mkdtempSync(path.join(home, 'lake-'));
    await writeForkLake(lake, synthetic, { idType: 'string', genres: 'list', listenerAsset: true });
    const { graph } = forkGraph({ idType: 'string', genres: 'list', listenerAsset: true });
    fs.rmSync(path.join(lake, 'catalog', 'tracks'), { recursive: true });
    fs.mkdirSync(path.join(lake, 'catalog', 'tracks'), { recursive: true });
    await withDuckDb((c) => c.run(`COPY (SELECT 'trk:1' AS track_id, 'rock' AS genre, 'A' AS label, 1.0 AS price) TO '${path.join(lake, 'catalog', 'tracks', 'part-0.parquet')}' (FORMAT parquet)`));
    const err = await createEmrSparkExecutor({ lakeRoot: lake })
      .execute(context(graph, 'ml/taste'))
      .catch((e: Error) => e.message);
    expect(err).to.contain("has no column 'genres' (items feature); its columns: track_id, genre, label, price");
    const missing = await createEmrSparkExecutor({ lakeRoot: path.join(home, 'empty') })
      .execute(context(graph, 'ml/taste'))
      .catch((e: Error) => e.message);
    expect(missing).to.match(/^no data in events\/plays \(.*\), the model's interactions; materialize it first \(assets materialize events\/plays\)$/);
  });
});
