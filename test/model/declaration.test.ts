/**
 * The model declaration (`recommenderModel` on an emr-spark asset) and the indexes reading it:
 * defaults, `defineGraph`'s actionable errors (what, where, how to fix), the checks against
 * popularity built from the declared metric, and the job arguments both trainers get.
 */
import { expect } from 'chai';
import graph from '../../assets';
import { GraphError, computeSettings, defineAsset, defineGraph, type AssetDefinition } from '../../assets/core';
import { REFERENCE_KINDS, beatsPopularity, emrSpark, glueSql, recommenderModel, vectorIndex, type EmrSparkSettings, type RecommenderModel, type RecommenderModelInput } from '../../assets/kinds';
import { emrEntryPointArguments } from '../../jobs/aws/job-arguments';
import { recommenderParams } from '../../jobs/model/trainer';

const col = (name: string, type: string) => ({ name, type, nullable: true });
const ratings = defineAsset({
  key: 'events/ratings',
  compute: glueSql({ sql: 'x.sql' }),
  contract: { columns: [col('user_id', 'bigint'), col('item_id', 'string'), col('stars', 'int'), col('rated_at', 'timestamp'), col('country', 'string')] },
});
const items = defineAsset({ key: 'catalog/items', compute: glueSql({ sql: 'x.sql' }), contract: { columns: [col('item_id', 'string'), col('genres', 'string'), col('price', 'double')] } });

const GOOD: RecommenderModelInput = {
  interactions: { asset: 'events/ratings', user: 'user_id', item: 'item_id', rating: 'stars', time: 'rated_at' },
  users: { id: 'user_id', field: 'user', idType: 'integer', features: [{ column: 'country', type: 'categorical' }] },
  items: { asset: 'catalog/items', id: 'item_id', field: 'item', features: [{ column: 'genres', type: 'multi' }, { column: 'price', type: 'numeric' }] },
};

/** The graph of a model declared as `m` (and its indexes), or the problems defineGraph reports. */
function problemsOf(m: RecommenderModel, deps: AssetDefinition[] = [ratings, items], extra: (model: AssetDefinition) => AssetDefinition[] = () => []): string[] {
  const model = defineAsset({ key: 'ml/recs', deps, compute: emrSpark({ script: 's.py', model: m, params: { factors: 8 } }) });
  try {
    defineGraph([ratings, items, model, ...extra(model)], { kinds: REFERENCE_KINDS });
    return [];
  } catch (e) {
    if (!(e instanceof GraphError)) throw e;
    return e.problems.map((p) => `${p.key}: ${p.message}`);
  }
}

describe('the model declaration', () => {
  it('fills the documented defaults', () => {
    const m = recommenderModel(GOOD);
    expect(m.liked).to.deep.equal({ minRating: 4 });
    expect(m.holdoutDays).to.equal(7);
    expect(m.metric).to.equal('recallAt10');
    expect(m.items).to.include({ idType: 'string', idEmbedding: true });
    expect(m.items.features).to.deep.equal([
      { column: 'genres', type: 'multi', field: 'genres', separator: '|' },
      { column: 'price', type: 'numeric', field: 'price' },
    ]);
    expect(problemsOf(m)).to.deep.equal([]);
  });

  it('names a dep the model reads but does not depend on, with the deps it has and a did-you-mean', () => {
    const m = recommenderModel({ ...GOOD, items: { ...GOOD.items, asset: 'catalog/item' } });
    expect(problemsOf(m)).to.deep.equal([
      "ml/recs: model.items.asset 'catalog/item' is not a dep of ml/recs; add it to deps, or name one of: events/ratings, catalog/items; did you mean 'catalog/items'?",
    ]);
    expect(problemsOf(recommenderModel(GOOD), [ratings])).to.deep.equal([
      "ml/recs: model.items.asset 'catalog/items' is not a dep of ml/recs; add it to deps, or name one of: events/ratings",
    ]);
  });

  it('names a column missing from the dep\'s contract, with its columns and a did-you-mean', () => {
    const m = recommenderModel({ ...GOOD, interactions: { ...GOOD.interactions, rating: 'star' }, items: { ...GOOD.items, features: [{ column: 'genre', type: 'multi' }] } });
    expect(problemsOf(m)).to.deep.equal([
      "ml/recs: model.interactions.rating 'star' is not a column of events/ratings (its contract has: user_id, item_id, stars, rated_at, country); did you mean 'stars'?",
      "ml/recs: model.items.features[0].column 'genre' is not a column of catalog/items (its contract has: item_id, genres, price); did you mean 'genres'?",
    ]);
  });

  it('refuses bad types, settings and clashing request fields, saying what is allowed', () => {
    const m = {
      ...recommenderModel(GOOD),
      holdoutDays: 0,
      metric: 'auc',
      users: { ...recommenderModel(GOOD).users, idType: 'uuid', features: [{ column: 'country', type: 'numerc', field: 'user' }] },
    } as unknown as RecommenderModel;
    expect(problemsOf(m)).to.deep.equal([
      'ml/recs: model.holdoutDays must be a whole number of days, at least 1 (got 0)',
      "ml/recs: model.metric must be 'recallAt10' or 'ndcgAt10' (got 'auc')",
      "ml/recs: model.users.idType must be 'string' or 'integer' (got 'uuid')",
      "ml/recs: model.users.features[0].type must be one of categorical, numeric, multi (got 'numerc'); did you mean 'numeric'?",
      "ml/recs: model.users.field 'user' is also the field of a users feature; the id and the features need distinct fields",
    ]);
    const noFeatures = recommenderModel({ ...GOOD, users: { ...GOOD.users, features: [], idEmbedding: false } });
    expect(problemsOf(noFeatures)).to.deep.equal(['ml/recs: model.users has no features and idEmbedding false: nothing to embed it from; add features or set idEmbedding: true']);
  });

  it('checks each index: one model dep, a dimension of factors + 1, an id field', () => {
    const index = (model: AssetDefinition, dimension = 9) => [
      defineAsset({ key: 'search/items', deps: [model], compute: vectorIndex({ entity: 'item', dimension, idField: 'item', alias: 'items' }) }),
    ];
    expect(problemsOf(recommenderModel(GOOD), undefined, (m) => index(m))).to.deep.equal([]);
    expect(problemsOf(recommenderModel(GOOD), undefined, (m) => index(m, 33))).to.deep.equal([
      'search/items: dimension is 33 but ml/recs trains 8 factors, so its embeddings have 9 dimensions (factors + bias); set dimension: 9',
    ]);
    const orphan = () => [defineAsset({ key: 'search/items', deps: [items], compute: vectorIndex({ entity: 'item', dimension: 9, idField: '', alias: 'items' }) })];
    expect(problemsOf(recommenderModel(GOOD), undefined, orphan)).to.deep.equal([
      'search/items: idField must name the document field holding the entity id',
      'search/items: loads a model\'s embeddings, but none of its deps (catalog/items) is an emr-spark asset declaring model: recommenderModel({...}); add the model to its deps',
    ]);
  });

  it('builds the checks against popularity from the declared metric: it blocks, the rest (and, asked, known and new users) is reported', () => {
    const model = recommenderModel({ ...GOOD, metric: 'ndcgAt10' });
    expect(beatsPopularity(model).map((c) => c.name)).to.deep.equal(['beats_popularity_ndcg', 'beats_popularity_recall']);
    const checks = beatsPopularity(model, { byUserGroup: true });
    expect(checks.map((c) => c.type === 'metric_compare' && [c.name, c.metric, c.than, c.blocking])).to.deep.equal([
      ['beats_popularity_ndcg', 'ndcgAt10', 'baselineNdcgAt10', true],
      ['beats_popularity_recall', 'recallAt10', 'baselineRecallAt10', false],
      ['beats_popularity_known', 'ndcgAt10Known', 'baselineNdcgAt10Known', false],
      ['beats_popularity_new', 'ndcgAt10New', 'baselineNdcgAt10New', false],
    ]);
  });

  it('passes the same declaration to the PySpark trainer (--model) as the embedded trainer reads', () => {
    const settings = computeSettings<EmrSparkSettings>(graph.get('model/recommender'));
    const args = emrEntryPointArguments([{ key: 'training/ratings_ml_training', uri: 's3://b/t/' }], 's3://b/m/', settings.params, settings.model);
    expect(JSON.parse(args[args.indexOf('--model') + 1])).to.deep.equal(settings.model);
    expect(emrEntryPointArguments([], 's3://b/m/', {})).not.to.include('--model');
  });

  it('says where a parameter that moved to the declaration now goes', () => {
    expect(() => recommenderParams({ holdoutDays: 7 })).to.throw("recommender parameter 'holdoutDays' is declared on the model now: recommenderModel({ ..., holdoutDays: 7 })");
  });
});
