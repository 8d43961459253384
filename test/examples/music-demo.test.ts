/**
 * `npm run demo -- --graph <the music example>` end to end in a fresh HEADWATER_HOME, as a user
 * runs it (a child process): it seeds the example's data, materializes every batch asset, shows
 * the model beating popularity, runs the streaming half and exits 0. The data set is smaller than
 * the example's default (test/examples/fixtures/small-music-graph.ts); everything else is the same.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';

const repo = path.join(__dirname, '..', '..');

describe('music example: the demo', function () {
  this.timeout(600_000);

  it('runs end to end from an empty home: batch, model beating popularity, stream', () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'hw-music-demo-'));
    try {
      const r = spawnSync(process.execPath, [path.join(repo, 'node_modules', 'tsx', 'dist', 'cli.mjs'), 'scripts/demo.ts', '--graph', 'test/examples/fixtures/small-music-graph.ts'], {
        cwd: repo,
        env: { ...process.env, HEADWATER_HOME: home, NO_COLOR: '1' },
        encoding: 'utf8',
        timeout: 580_000,
      });
      expect(r.status, r.stdout + r.stderr).to.equal(0);
      expect(r.stdout).to.match(/seeding the local source/);
      for (const key of ['raw/plays', 'training/listening_interactions', 'model/track_recommender', 'index/track_embeddings', 'index/listener_embeddings', 'analytics/top_tracks', 'analytics/listening_hourly']) {
        expect(r.stdout, key).to.match(new RegExp(`${key.replace('/', '\\/')}\\s+ok`));
      }
      expect(r.stdout).to.include('the model beats its baseline on every metric');
      const sent = /stream: sent (\d+), delivered (\d+), failed (\d+)/.exec(r.stdout);
      expect(sent, r.stdout).to.not.equal(null);
      expect(Number(sent![2]) + Number(sent![3])).to.equal(Number(sent![1]));
      expect(Number(sent![2])).to.be.greaterThan(0.95 * Number(sent![1]));
      expect(fs.readdirSync(path.join(home, 'lake', 'serving', 'listening_recommendations'))).to.include('year=' + new Date().getUTCFullYear());
    } finally {
      fs.rmSync(home, { recursive: true, force: true });
    }
  });
});
