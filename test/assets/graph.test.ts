import { expect } from 'chai';
import {
  GraphError,
  dailyPartitions,
  defineAsset,
  defineGraph,
  hourlyPartitions,
  identityMapping,
  kindCatalog,
  staticPartitions,
  timeWindowMapping,
  type AssetSpec,
} from '../../assets/core';

const asset = (key: string, more: Partial<AssetSpec> = {}) => defineAsset({ key, compute: { kind: 'glue-sql' }, ...more });

function problemsOf(f: () => unknown): GraphError['problems'] {
  try {
    f();
  } catch (e) {
    expect(e).to.be.instanceOf(GraphError);
    return (e as GraphError).problems;
  }
  throw new Error('expected a GraphError');
}

describe('defineGraph', () => {
  it('accepts deps as keys, asset objects and specs, and orders keys topologically', () => {
    const a = asset('raw/a');
    const b = asset('raw/b');
    const c = asset('mart/c', { deps: [a, 'raw/b', { asset: 'raw/a', mapping: undefined }].slice(0, 2) });
    const d = asset('mart/d', { deps: [{ asset: c }] });
    const g = defineGraph([d, c, b, a]);
    expect(g.keys).to.deep.equal(['raw/a', 'raw/b', 'mart/c', 'mart/d']);
    expect(g.upstream('mart/c')).to.deep.equal(['raw/a', 'raw/b']);
    expect(g.downstream('raw/a')).to.deep.equal(['mart/c']);
    expect(g.order('mart/d')).to.equal(3);
  });

  it('reports an unknown dep with a did-you-mean suggestion', () => {
    const problems = problemsOf(() => defineGraph([asset('raw/customers'), asset('mart/x', { deps: ['raw/customer'] })]));
    expect(problems).to.have.length(1);
    expect(problems[0]).to.include({ code: 'unknown_dep', key: 'mart/x' });
    expect(problems[0].message).to.equal("depends on unknown asset 'raw/customer'; did you mean 'raw/customers'?");
  });

  it('suggests the same name in another zone', () => {
    const [p] = problemsOf(() => defineGraph([asset('raw/customers'), asset('mart/x', { deps: ['bronze/customers'] })]));
    expect(p.message).to.match(/did you mean 'raw\/customers'\?/);
  });

  it('says how to fix an unknown dep with nothing close', () => {
    const [p] = problemsOf(() => defineGraph([asset('mart/x', { deps: ['zzz/qqqqqqq'] })]));
    expect(p.message).to.match(/declare it or remove the dep/);
  });

  it('reports duplicate keys', () => {
    const [p] = problemsOf(() => defineGraph([asset('raw/a'), asset('raw/a')]));
    expect(p).to.include({ code: 'duplicate_key', key: 'raw/a' });
  });

  it('prints a cycle as its path', () => {
    const problems = problemsOf(() =>
      defineGraph([asset('x/a', { deps: ['x/c'] }), asset('x/b', { deps: ['x/a'] }), asset('x/c', { deps: ['x/b'] }), asset('x/d', { deps: ['x/c'] })]),
    );
    expect(problems).to.have.length(1);
    expect(problems[0].code).to.equal('cycle');
    expect(problems[0].message).to.contain('x/a -> x/b -> x/c -> x/a');
  });

  it('reports a self-dependency as a cycle', () => {
    const [p] = problemsOf(() => defineGraph([asset('x/a', { deps: ['x/a'] })]));
    expect(p.message).to.contain('x/a -> x/a');
  });

  it('reports two independent cycles separately', () => {
    const problems = problemsOf(() =>
      defineGraph([asset('x/a', { deps: ['x/b'] }), asset('x/b', { deps: ['x/a'] }), asset('y/a', { deps: ['y/b'] }), asset('y/b', { deps: ['y/a'] })]),
    );
    expect(problems.map((p) => p.code)).to.deep.equal(['cycle', 'cycle']);
  });

  it('rejects invalid keys with the expected form', () => {
    for (const key of ['Raw/Customers', 'customers', 'raw/customers/2024', 'raw/-x', '']) {
      const [p] = problemsOf(() => defineGraph([asset(key)]));
      expect(p.code, key).to.equal('invalid_key');
      expect(p.message).to.match(/zone\/name|needs a key/);
    }
  });

  it('rejects partition mappings between incompatible partitions', () => {
    const hourly = hourlyPartitions({ start: '2024-01-01T00:00' });
    const daily = dailyPartitions({ start: '2024-01-01' });
    const regions = staticPartitions(['eu', 'us']);
    const problems = problemsOf(() =>
      defineGraph([
        asset('raw/h', { partitions: hourly }),
        asset('raw/s', { partitions: regions }),
        asset('mart/identity', { partitions: daily, deps: [{ asset: 'raw/h', mapping: identityMapping() }] }),
        asset('mart/static_from_time', { partitions: regions, deps: ['raw/h'] }),
        asset('mart/window_from_static', { partitions: daily, deps: [{ asset: 'raw/s', mapping: timeWindowMapping() }] }),
        asset('mart/backwards', { partitions: daily, deps: [{ asset: 'raw/h', mapping: timeWindowMapping({ startOffset: 1, endOffset: 0 }) }] }),
      ]),
    );
    expect(problems.map((p) => [p.key, p.code])).to.deep.equal([
      ['mart/identity', 'incompatible_partitions'],
      ['mart/static_from_time', 'incompatible_partitions'],
      ['mart/window_from_static', 'incompatible_partitions'],
      ['mart/backwards', 'incompatible_partitions'],
    ]);
    expect(problems[0].message).to.match(/identity mapping needs the same partitions/);
    expect(problems[1].message).to.match(/static partitions cannot read hourly partitions without an explicit mapping/);
    expect(problems[2].message).to.match(/time window mapping needs time partitions on both sides/);
    expect(problems[3].message).to.match(/startOffset 1 after endOffset 0/);
  });

  it('accepts Dagster defaults: daily from hourly, unpartitioned from partitioned', () => {
    const g = defineGraph([
      asset('raw/h', { partitions: hourlyPartitions({ start: '2024-01-01T00:00' }) }),
      asset('mart/d', { partitions: dailyPartitions({ start: '2024-01-01' }), deps: ['raw/h'] }),
      asset('ml/model', { deps: ['mart/d'] }),
    ]);
    expect(g.keys).to.have.length(3);
  });

  it('checks contracts and checks against their columns', () => {
    const problems = problemsOf(() =>
      defineGraph([
        asset('raw/a', {
          contract: {
            primaryKey: ['id', 'missing'],
            columns: [
              { name: 'id', type: 'int', nullable: false },
              { name: 'id', type: 'int', nullable: false },
              { name: 'price', type: 'money', nullable: true },
              { name: 'tags', type: 'array<string', nullable: true },
            ],
          },
          checks: [{ type: 'not_null', columns: ['nope'] }, { type: 'row_count', min: 5, max: 1 }],
        }),
      ]),
    );
    const messages = problems.map((p) => p.message);
    expect(messages).to.include("contract column 'id' is declared twice");
    expect(messages.some((m) => /contract column 'price': type 'money': unknown type 'money'/.test(m))).to.equal(true);
    expect(messages.some((m) => /contract column 'tags': type 'array<string': expected '>'/.test(m))).to.equal(true);
    expect(messages).to.include("contract primaryKey names 'missing', which is not a column of raw/a");
    expect(messages).to.include("check 'not_null:nope' names column 'nope', which is not in the contract");
    expect(messages).to.include("check 'row_count' has min 5 above max 1");
  });

  it('rejects unknown compute kinds when a catalog is given, with a suggestion', () => {
    const kinds = kindCatalog([{ name: 'glue-sql', description: '', category: 'batch', backfill: { type: 'single_run' } }]);
    const [p] = problemsOf(() => defineGraph([defineAsset({ key: 'raw/a', compute: { kind: 'glue-sq' } })], { kinds }));
    expect(p.message).to.match(/unknown compute kind 'glue-sq'; did you mean 'glue-sql'\?/);
  });

  it('rejects source assets with deps, bad freshness and non-assets', () => {
    const problems = problemsOf(() =>
      defineGraph([
        asset('raw/a'),
        asset('source/b', { source: true, deps: ['raw/a'] }),
        asset('mart/c', { freshness: { maxLagMinutes: 0 } }),
        { key: 'raw/z' } as never,
      ]),
    );
    expect(problems.map((p) => p.message)).to.deep.equal([
      'is not an asset; create it with defineAsset({...})',
      'is a source asset (owned upstream) and cannot have deps',
      'freshness.maxLagMinutes must be a positive number of minutes',
    ]);
  });

  it('lists every problem at once, in one error message', () => {
    let error: GraphError | undefined;
    try {
      defineGraph([asset('raw/a'), asset('raw/a'), asset('Bad'), asset('mart/x', { deps: ['raw/b'] }), asset('x/p', { deps: ['x/q'] }), asset('x/q', { deps: ['x/p'] })]);
    } catch (e) {
      error = e as GraphError;
    }
    expect(error?.problems.map((p) => p.code)).to.have.members(['duplicate_key', 'invalid_key', 'unknown_dep', 'cycle']);
    expect(error?.message).to.match(/^the asset graph has 4 problems:\n {2}- /);
  });

  it('is fast enough to validate large graphs without quadratic work', () => {
    // A chain of 3,000: the worst case for naive cycle checks. Correctness, not timing: it must order them all.
    const chain = Array.from({ length: 3000 }, (_, i) => asset(`c/a${String(i).padStart(4, '0')}`, { deps: i ? [`c/a${String(i - 1).padStart(4, '0')}`] : [] }));
    const g = defineGraph(chain.reverse());
    expect(g.keys[0]).to.equal('c/a0000');
    expect(g.keys[2999]).to.equal('c/a2999');
  });
});
