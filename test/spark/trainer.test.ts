/**
 * jobs/spark/train_recommender.py on a real local Spark 3.5 (npm run spark:setup), trained from the
 * same declaration the TypeScript trainer reads, passed as the Pulumi job and local Spark pass it
 * (jobs/aws/job-arguments.ts `--model`), on a fork's lake (test/model/fork-fixture.ts): integer ids
 * with genres as a list column and listener features from the plays, then string ids with genres
 * as a separated string and a listener snapshot. What it writes must be what the TypeScript side
 * reads: a valid model.json v2 with the declared schema (serving embeds a new user with it), and
 * embeddings keyed by each entity's field, typed as declared; its metrics split known and new users.
 * Few optimiser steps: this proves the script, not its quality (bench:spark measures that).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { computeSettings } from '../../assets/core';
import type { EmrSparkSettings } from '../../assets/kinds';
import { emrEntryPointArguments } from '../../jobs/aws/job-arguments';
import { tableDir } from '../../jobs/embedded/lake/layout';
import { repoRoot } from '../../jobs/engine/repo-files';
import { embedUser, modelProblem, userValuesFromFields, type ModelArtifact } from '../../jobs/model/artifact';
import { entitySchema } from '../../jobs/model/features';
import { MODEL_FILES } from '../../jobs/model/files';
import { readEmbeddingsParquet, withDuckDb } from '../../jobs/model/lake-io';
import { LocalSpark } from '../../jobs/spark-local/local-spark';
import { forkGraph, listenerId, trackId, writeForkLake, type ForkOptions } from '../model/fork-fixture';
import { syntheticRatings } from '../model/synthetic';

const QUICK = { factors: 16, epochs: 2, batchFraction: 0.5, negatives: 2, seed: 3, refit: false };

describe('the PySpark trainer on local Spark reads the model declaration', function () {
  this.timeout(900_000);
  let home: string;
  let spark: LocalSpark | undefined;
  const synthetic = syntheticRatings({ customers: 120, products: 30, ratings: 2500, days: 14, seed: 5, newUserShare: 0.1 });

  before(async () => {
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'hw-spark-trainer-'));
    spark = await LocalSpark.start({ env: { TZ: 'America/New_York' } });
  });
  after(async () => {
    await spark?.close();
    fs.rmSync(home, { recursive: true, force: true });
  });

  const cases: [string, ForkOptions][] = [
    ['integer ids, genres as a list column, listener features from the plays', { idType: 'integer', genres: 'list', listenerAsset: false }],
    ['string ids, genres as a |-separated string, a listener snapshot', { idType: 'string', genres: 'text', listenerAsset: true }],
  ];
  for (const [name, o] of cases) {
    it(name, async () => {
      const lake = fs.mkdtempSync(path.join(home, 'lake-'));
      await writeForkLake(lake, synthetic, o);
      const { graph } = forkGraph(o);
      const asset = graph.get('ml/taste');
      const settings = computeSettings<EmrSparkSettings>(asset);
      const out = tableDir(lake, asset.key);
      const inputs = asset.deps.map((d) => ({ key: d.key, uri: `${tableDir(lake, d.key)}/` }));
      const run = await spark!.run(path.join(repoRoot(), settings.script), emrEntryPointArguments(inputs, `${out}/`, QUICK, settings.model));

      const model = JSON.parse(fs.readFileSync(path.join(out, MODEL_FILES.model), 'utf8')) as ModelArtifact;
      expect(modelProblem(model)).to.equal(undefined);
      expect(model.schema).to.deep.equal({ user: entitySchema(settings.model!.users), item: entitySchema(settings.model!.items) });
      const genres = model.item.features[0];
      expect(genres.type === 'multi' && genres.vocabulary.some((g) => g.includes('|'))).to.equal(false);
      expect(embedUser(model, userValuesFromFields(model, { country: 'France' }))).to.have.length(17);

      const idType = o.idType === 'integer' ? 'BIGINT' : 'VARCHAR';
      for (const [file, field] of [[MODEL_FILES.items, 'track'], [MODEL_FILES.users, 'listener']] as const) {
        const type = await withDuckDb(async (c) => String((await c.runAndReadAll(`SELECT typeof("${field}") FROM read_parquet('${path.join(out, file)}') LIMIT 1`)).getRowsJS()[0][0]));
        expect(type, file).to.equal(idType);
      }
      const items = await readEmbeddingsParquet(path.join(out, MODEL_FILES.items), 'track', asset.key);
      const users = await readEmbeddingsParquet(path.join(out, MODEL_FILES.users), 'listener', asset.key);
      expect(items.ids).to.have.members(Array.from({ length: 30 }, (_, n) => trackId(o, n)));
      expect(users.ids).to.include(listenerId(o, 0));
      expect(users.vectors.every((v) => v.length === 17 && v[16] === 1)).to.equal(true);

      const m = run.result?.metrics as Record<string, number>;
      expect(m.evalUsersKnown).to.be.greaterThan(0);
      expect(m.evalUsersNew).to.be.greaterThan(0);
      expect(m.evalUsers).to.equal(m.evalUsersKnown + m.evalUsersNew);
      for (const k of ['recallAt10', 'recallAt10Known', 'recallAt10New', 'baselineRecallAt10Known', 'baselineRecallAt10New', 'ndcgAt10Known', 'ndcgAt10New']) {
        expect(m[k], k).to.be.within(0, 1);
      }
      expect(model.metrics).to.deep.equal(m);
    });
  }
});
