/**
 * The music example's declarations: the CLI validates and plans it through `--graph`, and what its
 * model, fallback and indexes name exists where they say (columns in contracts, assets in deps).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { subjectMap, type AssetDefinition } from '../../assets/core';
import { listeningModel } from '../../examples/music/batch';
import { LISTENER } from '../../examples/music/contracts';
import { GENRE_SEPARATOR } from '../../examples/music/vocabulary';
import music from '../../examples/music/graph';
import { runCli } from '../cli/run-cli';
import { withEnv } from '../setup/environment';

const GRAPH = path.join(__dirname, '..', '..', 'examples', 'music', 'graph.ts');
const cli = (...args: string[]) => runCli(['--graph', GRAPH, ...args]);
const columnsOf = (key: string) => (music.get(key).contract?.columns ?? []).map((c) => c.name);
const depsOf = (a: AssetDefinition) => a.deps.map((d) => d.key);

describe('music example: the graph', function () {
  this.timeout(60_000);
  let home: string;
  let restore: () => void = () => {};
  // Plans read the run log: an empty home of its own, not the project's.
  before(() => {
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'hw-music-graph-'));
    restore = withEnv({ HEADWATER_HOME: home, NO_COLOR: '1' });
  });
  after(() => {
    restore();
    fs.rmSync(home, { recursive: true, force: true });
  });

  it('validates through the CLI, every SQL file and script it names included', async () => {
    const r = await cli('validate');
    expect(r.code, r.out + r.err).to.equal(0);
    expect(r.out).to.match(/17 assets \(5 source, 10 batch, 1 stream, 1 service\)/);
  });

  it('lists its own assets and none of the reference graph', async () => {
    const r = await cli('list', '--json');
    expect(r.code, r.err).to.equal(0);
    const keys = (JSON.parse(r.out) as { key: string }[]).map((a) => a.key);
    expect(keys).to.include.members(['training/listening_interactions', 'model/track_recommender', 'serving/music_api']);
    expect(keys.filter((k) => /customers|products|ratings|recommender_api/.test(k))).to.deep.equal([]);
  });

  it('plans a week of the daily batch as one extract and one SQL run per asset, the model after its inputs', async () => {
    const r = await cli('plan', '+model/track_recommender', '--from', '2026-11-01', '--to', '2026-11-07', '--json');
    expect(r.code, r.err).to.equal(0);
    const plan = JSON.parse(r.out) as { assetPartitions: number; steps: { key: string; runCount: number }[] };
    const order = plan.steps.map((s) => s.key);
    expect(order.indexOf('model/track_recommender')).to.be.greaterThan(order.indexOf('training/listening_interactions'));
    expect(order.indexOf('training/listening_interactions')).to.be.greaterThan(order.indexOf('raw/plays'));
    for (const s of plan.steps) expect(s.runCount, s.key).to.equal(1);
    // Three daily assets x 7 days, two snapshots and the model.
    expect(plan.assetPartitions).to.equal(24);
  });

  it('declares a hybrid model with string ids and genres as its multi-valued feature', () => {
    const m = listeningModel;
    expect([m.users.idType, m.items.idType, m.users.idEmbedding, m.items.idEmbedding]).to.deep.equal(['string', 'string', true, true]);
    expect(m.items.features.filter((f) => f.type === 'multi')).to.deep.equal([{ column: 'genres', type: 'multi', separator: GENRE_SEPARATOR, field: 'genres' }]);
    expect(music.get('model/track_recommender').checks.filter((c) => c.blocking !== false).map((c) => c.name)).to.deep.equal(['beats_popularity_recall']);
  });

  it('indexes both embeddings by the model\'s id fields, and serves the fallback from its own contract\'s columns', () => {
    const index = (key: string) => music.get(key).compute as unknown as { entity: string; idField: string; dimension: number };
    expect(index('index/listener_embeddings')).to.include({ entity: 'user', idField: listeningModel.users.field });
    expect(index('index/track_embeddings')).to.include({ entity: 'item', idField: listeningModel.items.field });
    const fallback = (music.get('analytics/top_tracks').compute as unknown as { fallback: { id: string; orderBy: string; columns: string[] } }).fallback;
    expect(columnsOf('analytics/top_tracks')).to.include.members([fallback.id, fallback.orderBy, ...fallback.columns]);
    const api = music.get('serving/music_api');
    expect(depsOf(api)).to.include.members(['model/track_recommender', 'index/listener_embeddings', 'index/track_embeddings', 'analytics/top_tracks']);
  });

  it('finds a listener everywhere lineage takes them: no gap for erasure to refuse', () => {
    const map = subjectMap(music, LISTENER);
    expect(map.gaps.map((g) => g.message)).to.deep.equal([]);
    expect(map.holders.map((h) => h.key)).to.include.members(['raw/plays', 'training/listening_interactions', 'model/track_recommender', 'index/listener_embeddings', 'serving/listening_recommendations']);
    expect(map.aggregates).to.include.members(['analytics/top_tracks', 'analytics/listening_hourly', 'index/track_embeddings']);
  });
});
