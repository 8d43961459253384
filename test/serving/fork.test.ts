/**
 * Serving a fork: another domain's graph (test/serving/fixtures/fork-graph.ts: string listener
 * ids, its own features, fallback, indexes, stream and lab path) served with no change to generic
 * code. The bindings come from the API asset's deps, request and response fields from the model's
 * declaration, and `assets serve` runs the declared handler of the graph's lambda-api asset.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { defineAsset, defineGraph, type AssetDefinition } from '../../assets/core';
import { glueSql, lambdaApi, REFERENCE_KINDS, servesModel, servingBindings, servingConfig, servingEnvironment, streamDelivery } from '../../assets/kinds';
import { embedItem, embedUser, MODEL_FORMAT, type ModelArtifact } from '../../jobs/model/artifact';
import { embeddedServingEnvironment, servingFromEnvironment } from '../../jobs/serving/environment';
import { createRecommenderService } from '../../jobs/serving/recommender';
import { createApiHandler, type ApiHandler } from '../../jobs/serving/recommender-api/routes';
import { transformFromEnvironment } from '../../jobs/serving/stream-transform/handler';
import { EmbeddedVectorStore } from '../../jobs/vector-store/embedded';
import { runCli } from '../cli/run-cli';
import { startServe } from '../cli/serve-process';
import fork, { forkAssets, taste, topTracks } from './fixtures/fork-graph';
import { urlEvent } from './helpers';

const FIXTURE = path.join(__dirname, 'fixtures', 'fork-graph.ts');
const repo = path.join(__dirname, '..', '..');
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const body = (r: APIGatewayProxyStructuredResultV2): any => JSON.parse(r.body as string);

/** A model over the fork's features (8 factors + bias), its tracks and listeners in the fork's indexes, and its fallback list. */
async function installForkLake(root: string): Promise<void> {
  const rows = (n: number, seed: number) => Array.from({ length: n }, (_, i) => Array.from({ length: 8 }, (_, k) => Math.sin(seed + i * 8 + k)));
  const model: ModelArtifact = {
    format: MODEL_FORMAT,
    factors: 8,
    dimension: 9,
    globalBias: 0.1,
    schema: {
      user: {
        field: 'listener',
        idType: 'string',
        idEmbedding: false,
        features: [
          { column: 'age', field: 'age', type: 'numeric' },
          { column: 'region', field: 'home_region', type: 'categorical' },
        ],
      },
      item: { field: 'track', idType: 'string', idEmbedding: false, features: [{ column: 'genre', field: 'genre', type: 'categorical' }] },
    },
    user: {
      features: [
        { column: 'age', type: 'numeric', mean: 30, std: 10 },
        { column: 'region', type: 'categorical', vocabulary: ['EU', 'US'] },
      ],
      factors: rows(4, 1),
    },
    item: { features: [{ column: 'genre', type: 'categorical', vocabulary: ['rock', 'jazz', 'folk'] }], factors: rows(4, 2), bias: [0.1, 0.2, 0.3, 0] },
    trainedAt: '2026-11-30T00:00:00.000Z',
    metrics: {},
  };
  const lake = path.join(root, 'lake');
  fs.mkdirSync(path.join(lake, 'ml', 'taste'), { recursive: true });
  fs.writeFileSync(path.join(lake, 'ml', 'taste', 'model.json'), JSON.stringify(model));
  fs.mkdirSync(path.join(lake, 'stats', 'top_tracks'), { recursive: true });
  const charts = { asset: 'stats/top_tracks', asOf: '2026-11-30T10:00:00.000Z', partition: '2026-11-30T09:00', id: 'track_id', orderBy: 'listens', items: Array.from({ length: 10 }, (_, i) => ({ id: `t${i}`, score: 100 - i, title: `Song ${i}` })) };
  fs.writeFileSync(path.join(lake, 'stats', 'top_tracks', 'latest.json'), JSON.stringify(charts));
  const store = new EmbeddedVectorStore(path.join(root, 'indexes'));
  const genres = ['rock', 'jazz', 'folk'];
  await store.load('tracks_v', Array.from({ length: 30 }, (_, i) => ({ id: `t${i}`, vector: embedItem(model, { genre: genres[i % 3] }) })), { dimension: 9 });
  await store.load('listeners_v', ['ann', 'bob'].map((id, i) => ({ id, vector: embedUser(model, { region: ['EU', 'US'][i], age: 25 + i * 20 }) })), { dimension: 9 });
}

describe('serving a fork (another domain, declarations only)', function () {
  this.timeout(60_000);
  let root: string;
  let api: ApiHandler;
  const previous = { home: process.env.HEADWATER_HOME, mode: process.env.HEADWATER_MODE };
  before(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'hw-serving-fork-'));
    await installForkLake(root);
    process.env.HEADWATER_HOME = root;
    process.env.HEADWATER_MODE = 'embedded';
    const { config, deps } = servingFromEnvironment({ ...process.env, ...embeddedServingEnvironment(fork, 'apps/music_api', path.join(root, 'lake')) });
    api = createApiHandler(createRecommenderService({ ...deps, budgetMs: 60_000 }), config);
  });
  after(() => {
    for (const [name, value] of [['HEADWATER_HOME', previous.home], ['HEADWATER_MODE', previous.mode]] as const) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    fs.rmSync(root, { recursive: true, force: true });
  });

  it("finds the model, the fallback and the indexes through the API asset's deps, by kind", () => {
    expect(servingBindings(fork, 'apps/music_api')).to.deep.equal({ model: 'ml/taste', fallback: 'stats/top_tracks', indexes: { user: 'knn/listeners', item: 'knn/tracks' } });
    expect(servingBindings(fork, 'apps/music_feed')).to.deep.equal({ model: 'ml/taste', fallback: 'stats/top_tracks', indexes: { user: 'knn/listeners', item: 'knn/tracks' }, stream: 'live/listening' });
    const feed = servingConfig(fork, 'apps/music_feed');
    expect(feed.user).to.deep.equal({ field: 'listener', idType: 'string', features: [{ field: 'age', column: 'age', type: 'numeric' }, { field: 'home_region', column: 'region', type: 'categorical' }] });
    expect(feed.event).to.deep.equal({
      history: 'recent',
      historyFields: [{ name: 'track', type: 'string' }, { name: 'seconds', type: 'integer' }],
      time: 'heard_at',
      columns: ['listener', 'age', 'home_region', 'recent', 'heard_at'],
    });
    expect(feed.outputFields).to.deep.equal({ recommended: 'next_up', similar: 'more_like_this', fallback: 'from_charts' });
  });

  it("answers with the model's fields: listener and track, cold start from the declared features", async () => {
    const known = body(await api(urlEvent('GET', '/recommendations', { listener: 'ann', track: 't4', k: '3' })));
    expect(known).to.include({ listener: 'ann', track: 't4', fallback: false });
    expect(known.based_on_profile.items).to.have.length(3);
    expect(Object.keys(known.based_on_profile.items[0])).to.deep.equal(['track', 'score']);
    const cold = body(await api(urlEvent('GET', '/recommendations', { listener: 'zed', age: '41', home_region: 'US', k: '3' })));
    expect(cold.based_on_profile).to.include({ fallback: false, cold_start: true });
    const charts = body(await api(urlEvent('GET', '/recommendations', { listener: 'zed', k: '2' })));
    expect(charts.fallback).to.equal(true);
    expect(charts.reason).to.equal('listener zed is not in the user index and no features (age, home_region) were given');
    expect(charts.based_on_profile.items).to.deep.equal([{ track: 't0', score: 100, title: 'Song 0' }, { track: 't1', score: 99, title: 'Song 1' }]);
  });

  it("refuses the reference's fields and misspellings of its own, naming the nearest", async () => {
    const cases: [Record<string, string>, string][] = [
      [{ customer_number: '103' }, "unknown field 'customer_number' (accepted: listener, age, home_region, track, k)"],
      [{ listener: 'ann', homeregion: 'EU' }, "unknown field 'homeregion'; did you mean 'home_region'? (accepted: listener, age, home_region, track, k)"],
      [{ listener: 'ann', age: 'old' }, 'age must be a number, got "old"'],
    ];
    for (const [query, error] of cases) {
      const r = await api(urlEvent('GET', '/recommendations', query));
      expect(r.statusCode, JSON.stringify(query)).to.equal(400);
      expect(body(r).error).to.equal(error);
    }
    // The fork's lab path and alias.
    const lab = await api(urlEvent('POST', '/v0/compat/user_embeddings', {}, [{ age: 30, homeregion: 'EU' }]));
    expect(lab.statusCode).to.equal(200);
    expect(body(lab)[0]).to.have.length(9);
  });

  it("the stream transform reads the fork's events and writes its declared output fields", async () => {
    const transform = transformFromEnvironment({ ...process.env, ...embeddedServingEnvironment(fork, 'apps/music_feed', path.join(root, 'lake')) }, { logFailures: false, k: 3 });
    const b64 = (x: unknown) => Buffer.from(JSON.stringify(x)).toString('base64');
    const arrived = Date.UTC(2026, 10, 30, 10);
    const res = await transform({
      records: [
        { recordId: 'ok', data: b64({ listener: 'bob', age: 45, recent: [{ track: 't1', seconds: '30' }] }), approximateArrivalTimestamp: arrived },
        { recordId: 'unknown', data: b64({ listener: 'bob', recent: [{ track: 'nope' }] }), approximateArrivalTimestamp: arrived },
        { recordId: 'bad', data: b64({ listener: 'bob', recent: [{ track: 't1', seconds: 'long' }] }), approximateArrivalTimestamp: arrived },
      ] as never,
    });
    expect(res.records.map((r) => [r.recordId, r.result, r.reason])).to.deep.equal([
      ['ok', 'Ok', undefined],
      ['unknown', 'ProcessingFailed', "unknown track 'nope' in recent"],
      ['bad', 'ProcessingFailed', 'recent[0].seconds must be an integer (or a string of digits), got "long"'],
    ]);
    const out = JSON.parse(Buffer.from(res.records[0].data!, 'base64').toString('utf8'));
    expect(Object.keys(out)).to.deep.equal(['listener', 'age', 'recent', 'heard_at', 'next_up', 'more_like_this', 'from_charts']);
    expect(out.heard_at).to.equal(new Date(arrived).toISOString());
    expect(out.next_up).to.have.length(3);
    expect(out.more_like_this).to.not.include('t1');
  });

  describe('what a serving asset lacks or declares wrongly, said by defineGraph before anything runs', () => {
    const withApi = (deps: readonly (AssetDefinition | string)[], extra: AssetDefinition[] = [], lab?: { basePath: string; aliases?: Record<string, string> }) =>
      defineGraph([...forkAssets, ...extra, defineAsset({ key: 'apps/other', deps, compute: lambdaApi({ handler: 'h.ts', ...(lab ? { lab } : {}) }), storage: { kind: 'none' } })], { kinds: REFERENCE_KINDS });
    const cases: [string, () => unknown, RegExp][] = [
      ['no model', () => servingConfig(withApi(['knn/tracks']), 'apps/other'), /apps\/other: cannot serve: it needs a dep on the emr-spark asset whose 'model' it serves/],
      [
        'two models',
        () => {
          const second = defineAsset({ key: 'ml/other', deps: ['src/plays'], compute: taste.compute, storage: { kind: 'lake', zone: 'ml', format: 'parquet' } });
          return servingConfig(withApi(['ml/taste', 'ml/other'], [second]), 'apps/other');
        },
        /it depends on 2 emr-spark assets declaring 'model' \(ml\/taste, ml\/other\); keep one/,
      ],
      [
        'a fallback naming a column its contract lacks',
        () => {
          const bad = defineAsset({ key: 'stats/bad', deps: ['src/plays'], compute: glueSql({ sql: 'x.sql', fallback: { id: 'track_id', orderBy: 'plays' } }), storage: { kind: 'lake', zone: 'stats', format: 'parquet' }, contract: topTracks.contract });
          return servingConfig(withApi(['ml/taste', 'stats/bad'], [bad]), 'apps/other');
        },
        /its fallback stats\/bad: fallback\.orderBy names 'plays', which is not one of its columns \(track_id, title, listens\)/,
      ],
      ['a lab alias to no field', () => servingConfig(withApi(['ml/taste'], [], { basePath: '/lab', aliases: { creditlimit: 'credit_limit' } }), 'apps/other'), /lab\.aliases maps 'creditlimit' to 'credit_limit', which is not a request field \(listener, age, home_region\)/],
      ['a lab path that is not one', () => servingConfig(withApi(['ml/taste'], [], { basePath: 'lab/' }), 'apps/other'), /lab\.basePath must be a path such as '\/lab', got 'lab\/'/],
      [
        'an output field the event already has',
        () => {
          const feed = defineAsset({ key: 'apps/feed2', deps: ['live/listening', 'ml/taste'], compute: streamDelivery({ transform: 't.ts', outputFields: { recommended: 'recent', similar: 's', fallback: 'f' } }), storage: { kind: 'none' } });
          return servingConfig(defineGraph([...forkAssets, feed], { kinds: REFERENCE_KINDS }), 'apps/feed2');
        },
        /the transform would overwrite the event's own field 'recent'/,
      ],
      [
        'an event history that is not an array of item structs',
        () => {
          const feed = defineAsset({ key: 'apps/feed3', deps: ['live/listening', 'ml/taste'], compute: streamDelivery({ transform: 't.ts', event: { history: 'listener' } }), storage: { kind: 'none' } });
          return servingConfig(defineGraph([...forkAssets, feed], { kinds: REFERENCE_KINDS }), 'apps/feed3');
        },
        /event\.history names 'listener', which is not an array of structs holding the item field 'track'/,
      ],
    ];
    for (const [name, run, re] of cases) {
      it(name, () => expect(run).to.throw(re));
    }

    it('an API that serves no model (no model or index among its deps) runs its own handler with no serving variables', () => {
      const g = withApi(['stats/top_tracks']);
      expect(servesModel(g, 'apps/other')).to.equal(false);
      expect(servingEnvironment(g, 'apps/other', (k) => k)).to.deep.equal({});
      expect(servesModel(fork, 'apps/music_api')).to.equal(true);
    });
  });

  describe('assets serve on the fork', () => {
    it('runs the declared handler of the graph\'s lambda-api asset, with its fields', async () => {
      const serve = await startServe('sources', ['--graph', FIXTURE, 'serve', '--port', '0', '--workers', '1'], { HEADWATER_HOME: root });
      try {
        expect(serve.lines).to.include(`serving apps/music_api on ${serve.url}`);
        const r = await fetch(`${serve.url}/recommendations?listener=ann&k=2`);
        expect(r.status).to.equal(200);
        expect(await r.json()).to.deep.include({ listener: 'ann', fallback: false });
        while (!serve.lines.some((l) => /lab-compatible surface/.test(l))) await new Promise<void>((resolve) => setTimeout(resolve, 20));
        expect(serve.lines).to.satisfy((ls: string[]) => ls.some((l) => /^ {2}curl 'http:\/\/127\.0\.0\.1:\d+\/recommendations\?listener=\w+&track=t\d+&k=5'$/.test(l)));
        expect(serve.lines.find((l) => /lab-compatible/.test(l))).to.match(/^ {2}lab-compatible surface: http:\/\/127\.0\.0\.1:\d+\/v0\/compat\/user_embeddings, /);
      } finally {
        await serve.stop();
      }
    });

    it('says which asset it needs when the graph has several, and refuses a non-API asset', async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hw-serving-fork-graph-'));
      try {
        const file = path.join(dir, 'two-apis.ts');
        fs.writeFileSync(
          file,
          `import { defineAsset, defineGraph } from ${JSON.stringify(path.join(repo, 'assets/core'))};\n` +
            `import { REFERENCE_KINDS } from ${JSON.stringify(path.join(repo, 'assets/kinds'))};\n` +
            `import { forkAssets, musicApi } from ${JSON.stringify(FIXTURE.replace(/\.ts$/, ''))};\n` +
            "const second = defineAsset({ key: 'apps/second_api', deps: musicApi.deps.map((d) => d.key), compute: musicApi.compute, storage: musicApi.storage });\n" +
            'export default defineGraph([...forkAssets, second], { kinds: REFERENCE_KINDS });\n',
        );
        const several = await runCli(['--graph', file, 'serve', '--port', '0']);
        expect(several.code).to.equal(2);
        expect(several.err.trim()).to.equal('error: the graph has 2 lambda-api assets (apps/music_api, apps/second_api); say which with --asset KEY');
        const feed = await runCli(['--graph', FIXTURE, 'serve', '--asset', 'apps/music_feed']);
        expect(feed.code).to.equal(2);
        expect(feed.err.trim()).to.equal('error: apps/music_feed is a stream-delivery asset; assets serve runs lambda-api assets (apps/music_api)');
        const unknown = await runCli(['--graph', FIXTURE, 'serve', '--asset', 'apps/music_apj']);
        expect(unknown.err.trim()).to.match(/^error: unknown asset 'apps\/music_apj'; did you mean 'apps\/music_api'\?/);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  });
});
