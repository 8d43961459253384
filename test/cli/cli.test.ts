import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { expect } from 'chai';
import { bin, runCli } from './run-cli';

const fixture = (name: string) => path.join(__dirname, '..', 'fixtures', 'graphs', `${name}.ts`);

const cli = (...args: string[]) => runCli(args);

describe('assets CLI', () => {
  describe('reads the graph', () => {
    it('list --json gives objects with key', async () => {
      const r = await cli('list', '--json');
      expect(r.code).to.equal(0);
      const rows = JSON.parse(r.out) as { key: string }[];
      expect(rows.map((x) => x.key)).to.include('training/ratings_ml_training');
    });
    it('list --select filters', async () => {
      const r = await cli('list', '--select', '+training/ratings_ml_training', '--json');
      expect((JSON.parse(r.out) as { key: string }[]).map((x) => x.key)).to.deep.equal([
        'source/customers',
        'raw/customers',
        'source/products',
        'raw/products',
        'source/ratings',
        'raw/ratings',
        'training/ratings_ml_training',
      ]);
    });
    it('show prints deps, dependents, partitions, kind, contract and checks', async () => {
      const r = await cli('show', 'training/ratings_ml_training');
      expect(r.code).to.equal(0);
      for (const s of ['glue-sql', 'daily from 2026-01-01', 'raw/ratings', 'model/recommender', 'productRating', 'not_null:']) expect(r.out).to.contain(s);
      const j = JSON.parse((await cli('show', 'training/ratings_ml_training', '--json')).out);
      expect(j.dependents).to.deep.equal(['model/recommender']);
      expect(j.contract.columns).to.have.length(13);
    });
    it('graph renders mermaid, dot, json and text', async () => {
      expect((await cli('graph', '--format', 'mermaid')).out).to.match(/^graph LR/);
      expect((await cli('graph', '--format', 'dot')).out).to.contain('"raw/ratings" -> "training/ratings_ml_training";');
      const j = JSON.parse((await cli('graph', '--format', 'json', '--select', 'raw/*')).out);
      expect(j.nodes).to.have.length(3);
      expect((await cli('graph')).out).to.contain('training/ratings_ml_training  <-  raw/ratings, raw/customers, raw/products');
    });
    it('validate prints a one-line summary', async () => {
      const r = await cli('validate');
      expect(r.code).to.equal(0);
      expect(r.out.trim().split('\n')).to.have.length(1);
      expect(r.out).to.match(/17 assets .* no problems/);
    });
    it('plan --json lists steps and runs', async () => {
      const r = await cli('--graph', fixture('small'), 'plan', 'raw/events+', '--from', '2024-01-01', '--to', '2024-01-03', '--json');
      expect(r.code).to.equal(0);
      const p = JSON.parse(r.out);
      expect(p.steps.map((s: { key: string }) => s.key)).to.deep.equal(['raw/events', 'mart/summary']);
      expect(p.assetPartitions).to.equal(6);
      expect(p.runs).to.have.length(2);
    });
    it('--graph points the CLI at another graph', async () => {
      const r = await cli('--graph', fixture('small'), 'list', '--json');
      expect((JSON.parse(r.out) as { key: string }[]).map((x) => x.key)).to.deep.equal(['source/events', 'raw/events', 'mart/summary']);
    });
  });

  describe('bad input: one clear message, exit 2', () => {
    const cases: [string, string[], RegExp][] = [
      ['an unknown asset', ['show', 'raw/ratingz'], /unknown asset 'raw\/ratingz'; did you mean 'raw\/ratings'\?/],
      ['a selection syntax error, with a caret', ['list', '--select', 'group:ml and (raw/*'], /selection: .*\n.*group:ml and \(raw\/\*\n\s+\^/],
      ['an unknown command', ['frobnicate'], /unknown command 'frobnicate'/],
      ['an unknown option', ['list', '--colour'], /unknown option '--colour'/],
      ['a missing argument', ['show'], /missing required argument 'key'/],
      ['an unknown graph format', ['graph', '--format', 'png'], /--format png: unknown format; use one of text, mermaid, dot, json/],
      ['a bad partition', ['plan', 'raw/ratings', '--partition', '2026-02-30'], /'2026-02-30' is not a partition key or date/],
      ['--from without --to', ['plan', 'raw/ratings', '--from', '2026-02-01'], /--from and --to go together; add --to B/],
      ['--partition with --from', ['plan', 'raw/ratings', '--partition', '2026-02-01', '--from', '2026-02-01', '--to', '2026-02-02'], /either --partition P or --from A --to B/],
      ['a missing graph module', ['--graph', 'nope/graph.ts', 'list'], /--graph nope\/graph.ts: no such file/],
      ['a graph module that is not a graph', ['--graph', fixture('not-a-graph'), 'list'], /default export is not an asset graph/],
      ['a graph module that throws', ['--graph', fixture('throws'), 'list'], /the module failed to load: cannot connect to the config service/],
    ];
    for (const [what, args, message] of cases) {
      it(what, async () => {
        const r = await cli(...args);
        expect(r.code, r.err).to.equal(2);
        expect(r.err).to.match(message);
        expect(r.err).to.not.match(/\n\s+at /);
      });
    }

    it('validate names declared code files that do not exist', async () => {
      const r = await cli('--graph', fixture('missing-code'), 'validate');
      expect(r.code).to.equal(2);
      expect(r.err).to.contain('names 2 missing files');
      expect(r.err).to.contain('mart/a: names jobs/transforms/sql/no_such_file.sql, which does not exist');
      expect(r.err).to.contain('mart/b: names jobs/nothing_here.py, which does not exist');
    });

    it('validate lists every problem of a broken graph', async () => {
      const r = await cli('--graph', fixture('broken'), 'validate');
      expect(r.code).to.equal(2);
      expect(r.err).to.match(/2 problems/);
      expect(r.err).to.contain("depends on unknown asset 'raw/customer'; did you mean 'raw/customers'?");
      expect(r.err).to.contain('mart/a -> mart/b -> mart/a');
    });
  });

  it('as a real process (the compiled bin): exit code 2 and no stack trace on stderr', function () {
    this.timeout(60_000);
    const r = spawnSync(process.execPath, [bin(), 'show', 'nope/nothing'], {
      cwd: path.join(__dirname, '..', '..'),
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1' },
    });
    expect(r.status).to.equal(2);
    expect(r.stderr.trim()).to.equal("error: unknown asset 'nope/nothing' (run `assets list` to see every key)");
    expect(r.stdout).to.equal('');
  });
});
