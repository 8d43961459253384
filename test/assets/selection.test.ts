import { expect } from 'chai';
import graph from '../../assets';
import { defineAsset, defineGraph, parseSelection, selectAssets, SelectionError } from '../../assets/core';

/*
 * A small graph: two sources feeding a diamond into a model, two indexes and an API, plus one
 * isolated asset. Its topological order (ties broken by key) is:
 *
 *   analytics/orphan, source/items, raw/items, source/users, raw/users, training/set,
 *   model/rec, index/item_embeddings, index/user_embeddings, serving/api
 */
const g = defineGraph([
  defineAsset({
    key: 'source/users',
    source: true,
    compute: { kind: 'rds-table' },
    group: 'sources',
    owners: ['team:app'],
    tags: { pii: 'true', domain: 'commerce' },
  }),
  defineAsset({ key: 'source/items', source: true, compute: { kind: 'rds-table' }, group: 'sources', owners: ['team:app'], tags: { domain: 'commerce' } }),
  defineAsset({ key: 'raw/users', deps: ['source/users'], compute: { kind: 'glue-extract' }, group: 'ingestion', owners: ['team:data'], tags: { pii: 'true' } }),
  defineAsset({ key: 'raw/items', deps: ['source/items'], compute: { kind: 'glue-extract' }, group: 'ingestion', owners: ['team:data'], tags: { pii: 'false' } }),
  defineAsset({
    key: 'training/set',
    deps: ['raw/users', 'raw/items'],
    compute: { kind: 'glue-sql' },
    group: 'training',
    owners: ['team:data', 'team:ml'],
    tags: { consumer: 'data science' },
  }),
  defineAsset({ key: 'model/rec', deps: ['training/set'], compute: { kind: 'emr-spark' }, group: 'ml', owners: ['team:ml'] }),
  defineAsset({ key: 'index/item_embeddings', deps: ['model/rec'], compute: { kind: 'vector-index' }, group: 'serving', owners: ['team:ml'] }),
  defineAsset({
    key: 'index/user_embeddings',
    deps: ['model/rec'],
    compute: { kind: 'vector-index' },
    group: 'serving',
    owners: ['team:ml'],
    tags: { pii: 'true' },
  }),
  defineAsset({
    key: 'serving/api',
    deps: ['index/item_embeddings', 'index/user_embeddings'],
    compute: { kind: 'lambda-api' },
    group: 'serving',
    owners: ['team:ml'],
    tags: { slo: 'p99<1s' },
  }),
  defineAsset({ key: 'analytics/orphan', compute: { kind: 'glue-sql' }, group: 'analytics', owners: ['team:bi'] }),
]);

const select = (expression: string): string[] => selectAssets(g, expression);

/** Asserts `expression` fails with a reason matching `reason` and the caret under `position`. */
function expectError(expression: string, reason: RegExp, position: number, on = g): SelectionError {
  let error: unknown;
  try {
    selectAssets(on, expression);
  } catch (e) {
    error = e;
  }
  expect(error, `'${expression}' should fail`).to.be.instanceOf(SelectionError);
  const e = error as SelectionError;
  expect(e.reason).to.match(reason);
  expect(e.position, `caret position of '${expression}'`).to.equal(position);
  expect(e.expression).to.equal(expression);
  const shown = expression.replace(/\n/g, ' ');
  expect(e.message.split('\n')).to.deep.equal([e.reason, `  ${shown}`, `  ${' '.repeat(position)}^`]);
  return e;
}

describe('selectAssets', () => {
  describe('keys and wildcards', () => {
    it('selects one key exactly', () => {
      expect(select('model/rec')).to.deep.equal(['model/rec']);
      expect(select('  model/rec  ')).to.deep.equal(['model/rec']);
    });

    it('accepts key: and quoted keys', () => {
      expect(select('key:raw/users')).to.deep.equal(['raw/users']);
      expect(select('"raw/users"')).to.deep.equal(['raw/users']);
      expect(select("'raw/users'")).to.deep.equal(['raw/users']);
      expect(select('key:"raw/users"')).to.deep.equal(['raw/users']);
    });

    it('selects everything with *', () => {
      expect(select('*')).to.deep.equal([...g.keys]);
    });

    it('matches wildcards anywhere in the key, across the slash', () => {
      expect(select('raw/*')).to.deep.equal(['raw/items', 'raw/users']);
      expect(select('*_embeddings')).to.deep.equal(['index/item_embeddings', 'index/user_embeddings']);
      expect(select('*user*')).to.deep.equal(['source/users', 'raw/users', 'index/user_embeddings']);
      expect(select('*/*s')).to.deep.equal(['source/items', 'raw/items', 'source/users', 'raw/users', 'index/item_embeddings', 'index/user_embeddings']);
      expect(select('key:index/*')).to.deep.equal(['index/item_embeddings', 'index/user_embeddings']);
    });

    it('keeps a quoted * literal, so a quoted pattern is an unknown key', () => {
      expectError('"raw/*"', /unknown asset 'raw\/\*'/, 0);
    });

    it('returns an empty result for a wildcard that matches nothing', () => {
      expect(select('nothing/*')).to.deep.equal([]);
    });

    it('reads and/or/not in any case as operators, never as keys', () => {
      expect(select('raw/users OR raw/items')).to.deep.equal(['raw/items', 'raw/users']);
      expect(select('raw/* AND NOT raw/items')).to.deep.equal(['raw/users']);
    });
  });

  describe('graph traversal', () => {
    it('+key selects the key and everything upstream', () => {
      expect(select('+training/set')).to.deep.equal(['source/items', 'raw/items', 'source/users', 'raw/users', 'training/set']);
    });

    it('key+ selects the key and everything downstream', () => {
      expect(select('model/rec+')).to.deep.equal(['model/rec', 'index/item_embeddings', 'index/user_embeddings', 'serving/api']);
    });

    it('+key+ selects both directions from the key only', () => {
      expect(select('+model/rec+')).to.deep.equal(g.keys.filter((k) => k !== 'analytics/orphan'));
      // Not the upstream of its downstream: index/item_embeddings+ does not reach index/user_embeddings.
      expect(select('+index/item_embeddings+')).to.not.include('index/user_embeddings');
    });

    it('N+key and key+N stop after N levels', () => {
      expect(select('1+training/set')).to.deep.equal(['raw/items', 'raw/users', 'training/set']);
      expect(select('2+training/set')).to.deep.equal(['source/items', 'raw/items', 'source/users', 'raw/users', 'training/set']);
      expect(select('training/set+1')).to.deep.equal(['training/set', 'model/rec']);
      expect(select('training/set+2')).to.deep.equal(['training/set', 'model/rec', 'index/item_embeddings', 'index/user_embeddings']);
      expect(select('1+model/rec+1')).to.deep.equal(['training/set', 'model/rec', 'index/item_embeddings', 'index/user_embeddings']);
      expect(select('0+model/rec')).to.deep.equal(['model/rec']);
    });

    it('adds up stacked depths', () => {
      expect(select('1+1+model/rec')).to.deep.equal(select('2+model/rec'));
      expect(select('model/rec+1+1')).to.deep.equal(select('model/rec+2'));
    });

    it('applies to any sub-expression', () => {
      expect(select('+(group:serving)')).to.deep.equal(g.keys.filter((k) => k !== 'analytics/orphan'));
      expect(select('(raw/*)+1')).to.deep.equal(['raw/items', 'raw/users', 'training/set']);
      expect(select('+roots(index/*)')).to.deep.equal(select('+index/*'));
      expect(select('*_embeddings+')).to.deep.equal(['index/item_embeddings', 'index/user_embeddings', 'serving/api']);
    });

    it('binds tighter than not, and and or', () => {
      expect(select('not model/rec+')).to.deep.equal(['analytics/orphan', 'source/items', 'raw/items', 'source/users', 'raw/users', 'training/set']);
      expect(select('+raw/users or model/rec+1')).to.deep.equal(['source/users', 'raw/users', 'model/rec', 'index/item_embeddings', 'index/user_embeddings']);
    });
  });

  describe('filters', () => {
    it('tag:k=v selects by tag value, tag:k by having the tag', () => {
      expect(select('tag:pii=true')).to.deep.equal(['source/users', 'raw/users', 'index/user_embeddings']);
      expect(select('tag:pii')).to.deep.equal(['raw/items', 'source/users', 'raw/users', 'index/user_embeddings']);
      expect(select('tag:pii=false')).to.deep.equal(['raw/items']);
    });

    it('takes quoted tag values with blanks or operator characters', () => {
      expect(select('tag:consumer="data science"')).to.deep.equal(['training/set']);
      expect(select("tag:slo='p99<1s'")).to.deep.equal(['serving/api']);
      expect(select('tag:slo=p99<1s')).to.deep.equal(['serving/api']);
    });

    it('matches wildcards in filter values', () => {
      expect(select('tag:pii=t*')).to.deep.equal(['source/users', 'raw/users', 'index/user_embeddings']);
      expect(select('kind:glue-*')).to.deep.equal(['analytics/orphan', 'raw/items', 'raw/users', 'training/set']);
      expect(select('owner:team:*')).to.deep.equal([...g.keys]);
    });

    it('group:g selects by group', () => {
      expect(select('group:serving')).to.deep.equal(['index/item_embeddings', 'index/user_embeddings', 'serving/api']);
    });

    it('kind:k selects by compute kind', () => {
      expect(select('kind:glue-sql')).to.deep.equal(['analytics/orphan', 'training/set']);
    });

    it('owner:o matches one of the owners exactly', () => {
      expect(select('owner:team:ml')).to.deep.equal(['training/set', 'model/rec', 'index/item_embeddings', 'index/user_embeddings', 'serving/api']);
      expect(select('owner:team:m')).to.deep.equal([]);
    });

    it('category: uses the source flag, and batch when the graph has no kinds catalog', () => {
      expect(select('category:source')).to.deep.equal(['source/items', 'source/users']);
      expect(select('category:batch')).to.have.length(8);
      expect(select('category:service')).to.deep.equal([]);
    });

    it('returns an empty result for a filter that matches nothing', () => {
      expect(select('group:nope')).to.deep.equal([]);
      expect(select('tag:nope')).to.deep.equal([]);
      expect(select('kind:nope or owner:nope')).to.deep.equal([]);
    });

    it('reads filter names in any case', () => {
      expect(select('GROUP:ml')).to.deep.equal(['model/rec']);
    });
  });

  describe('and, or, not and parentheses', () => {
    it('and intersects, or unites, not complements', () => {
      expect(select('tag:pii and group:ingestion')).to.deep.equal(['raw/items', 'raw/users']);
      expect(select('group:ml or group:analytics')).to.deep.equal(['analytics/orphan', 'model/rec']);
      expect(select('not owner:team:ml')).to.deep.equal(['analytics/orphan', 'source/items', 'raw/items', 'source/users', 'raw/users']);
      expect(select('not not group:ml')).to.deep.equal(['model/rec']);
    });

    it('binds not tighter than and, and and tighter than or', () => {
      // (group:ml) or ((group:serving) and (not tag:pii))
      expect(select('group:ml or group:serving and not tag:pii')).to.deep.equal(['model/rec', 'index/item_embeddings', 'serving/api']);
      // ((not group:serving) and owner:team:ml) or group:analytics
      expect(select('not group:serving and owner:team:ml or group:analytics')).to.deep.equal(['analytics/orphan', 'training/set', 'model/rec']);
    });

    it('lets parentheses override precedence', () => {
      expect(select('(group:ml or group:serving) and not tag:pii')).to.deep.equal(['model/rec', 'index/item_embeddings', 'serving/api']);
      expect(select('not (group:serving and owner:team:ml)')).to.deep.equal(g.keys.filter((k) => !k.startsWith('index/') && k !== 'serving/api'));
      expect(select('((group:ml))')).to.deep.equal(['model/rec']);
      expect(select('not(group:ml or group:serving)and(owner:team:ml)')).to.deep.equal(['training/set']);
    });

    it('is empty when the sides of and do not meet', () => {
      expect(select('raw/* and group:serving')).to.deep.equal([]);
    });
  });

  describe('roots() and sinks()', () => {
    it('without an argument mean the whole graph', () => {
      expect(select('roots()')).to.deep.equal(['analytics/orphan', 'source/items', 'source/users']);
      expect(select('sinks()')).to.deep.equal(['analytics/orphan', 'serving/api']);
    });

    it('keep the assets with no upstream / downstream inside the selection', () => {
      expect(select('roots(model/rec+)')).to.deep.equal(['model/rec']);
      expect(select('sinks(+training/set)')).to.deep.equal(['training/set']);
      expect(select('roots(raw/* or training/set)')).to.deep.equal(['raw/items', 'raw/users']);
      expect(select('sinks(index/* or source/*)')).to.deep.equal(['source/items', 'source/users', 'index/item_embeddings', 'index/user_embeddings']);
      expect(select('roots(group:nope)')).to.deep.equal([]);
    });

    it('compose with operators and traversals', () => {
      expect(select('roots() and not category:source')).to.deep.equal(['analytics/orphan']);
      expect(select('sinks(+model/rec)+1')).to.deep.equal(['model/rec', 'index/item_embeddings', 'index/user_embeddings']);
    });
  });

  describe('results', () => {
    it('come in the graph topological order, whatever the order of the expression', () => {
      expect(select('serving/api or source/items or model/rec')).to.deep.equal(['source/items', 'model/rec', 'serving/api']);
      const all = select('serving/api+ or +serving/api');
      expect(all).to.deep.equal(g.keys.filter((k) => all.includes(k)));
    });

    it('are deduplicated', () => {
      expect(select('raw/users or raw/users or raw/* or +raw/users')).to.deep.equal(['raw/items', 'source/users', 'raw/users']);
    });
  });

  describe('errors', () => {
    it('an empty expression', () => {
      expectError('', /empty selection/, 0);
      expectError('   ', /empty selection/, 0);
    });

    it('an unknown plain key, with a did-you-mean hint', () => {
      expectError('raw/usres', /unknown asset 'raw\/usres': did you mean 'raw\/users'\?/, 0);
      expectError('model/rec or raw/usrs', /did you mean 'raw\/users'/, 13);
      expectError('key:raw/usres', /unknown asset 'raw\/usres'/, 4);
      expectError('zzz/qqqqqqqq', /unknown asset 'zzz\/qqqqqqqq': no key is close/, 0);
    });

    it('a bare name that exists in several zones lists them', () => {
      expectError('users', /did you mean 'source\/users' or 'raw\/users'\? \('\*\/users' selects all of them\)/, 0);
    });

    it('an unexpected token after a selection', () => {
      expectError('raw/users raw/items', /unexpected 'raw\/items': join selections with 'and' or 'or'/, 10);
      expectError('raw/users, raw/items', /unexpected ',': join selections with 'or'/, 9);
      expectError('raw/users (model/rec)', /unexpected '\(': only roots\(\.\.\.\) and sinks\(\.\.\.\) take parentheses/, 10);
      expectError('raw/users 2+model/rec', /unexpected '2\+'/, 10);
    });

    it('an operator where a selection should start', () => {
      expectError('and raw/users', /unexpected 'and': expected a key, filter or '\(' here/, 0);
      expectError('raw/users or or raw/items', /unexpected 'or'/, 13);
      expectError('raw/users and', /incomplete selection: expected a key, filter or '\(' after 'and'/, 13);
      expectError('not', /after 'not'/, 3);
      expectError('+', /after '\+'/, 1);
      expectError('+not raw/users', /unexpected 'not'/, 1);
    });

    it('an unclosed parenthesis, with the caret on the (', () => {
      expectError('(raw/users or raw/items', /unclosed '\(': add a '\)'/, 0);
      expectError('group:ml and (raw/users or (raw/items)', /unclosed '\('/, 13);
      expectError('roots(raw/*', /unclosed '\('/, 5);
    });

    it('an unmatched closing parenthesis', () => {
      expectError('raw/users)', /unmatched '\)'/, 9);
      expectError(')', /unexpected '\)'/, 0);
    });

    it('empty parentheses', () => {
      expectError('()', /empty parentheses/, 1);
    });

    it('an unknown function', () => {
      expectError('leaves(raw/*)', /unknown function 'leaves': the functions are roots\(\.\.\.\) and sinks\(\.\.\.\)/, 0);
      expectError('model/rec or descendants (raw/*)', /unknown function 'descendants'/, 13);
    });

    it('roots and sinks without parentheses, or with two arguments', () => {
      expectError('roots', /roots needs parentheses/, 5);
      expectError('sinks or raw/*', /sinks needs parentheses/, 5);
      expectError('roots(raw/users, raw/items)', /roots\(\) takes one selection: join several with 'or'/, 15);
    });

    it('a filter without a name or value', () => {
      expectError('tag:', /'tag:' needs a tag name right after the colon/, 4);
      expectError('tag: pii', /'tag:' needs a tag name/, 4);
      expectError('group: serving', /'group:' needs a group name right after the colon, e.g. group:analytics/, 6);
      expectError('raw/* and kind:', /'kind:' needs a compute kind/, 15);
      expectError('owner:', /'owner:' needs an owner/, 6);
      expectError('key:', /'key:' needs a key/, 4);
      expectError('category:', /'category:' needs a category/, 9);
      expectError('tag:=true', /'tag:' needs a tag name before '='/, 4);
      expectError('tag:pii=', /'tag:pii=' needs a value after '='/, 8);
    });

    it('an unknown filter or category', () => {
      expectError('model/rec or team:ml', /unknown filter 'team:': use one of key:, tag:, group:, kind:, owner:, category:/, 13);
      expectError('category:batchy', /unknown category 'batchy': use source, batch, service or stream/, 9);
    });

    it('a depth on the wrong side of +, or without +', () => {
      expectError('+2 model/rec', /'\+2' walks downstream and goes after a selection; for 2 levels upstream write '2\+key'/, 0);
      expectError('2', /'2' is not a selection; a depth goes with '\+'/, 0);
    });

    it('an unterminated quote, with the caret on the quote', () => {
      expectError('raw/* or "raw/users', /unterminated quote: add a closing "/, 9);
      expectError("tag:slo='p99", /unterminated quote: add a closing '/, 8);
    });

    it('reports syntax errors before unknown keys', () => {
      expectError('raw/usres (', /unexpected '\('/, 10);
    });

    it('keeps the caret aligned when the expression spans lines', () => {
      const e = expectError('raw/users or\nraw/itmes', /unknown asset 'raw\/itmes'/, 13);
      expect(e.message).to.contain('  raw/users or raw/itmes\n');
    });
  });

  describe('parseSelection', () => {
    it('returns the tree without a graph', () => {
      expect(parseSelection('2+raw/users+')).to.deep.equal({ type: 'traverse', operand: { type: 'key', key: 'raw/users', pos: 2 }, up: 2, down: Infinity });
      expect(parseSelection('a/b or c/d and not e/f')).to.have.property('type', 'or');
    });
  });

  describe('on the reference graph', () => {
    it('selects the training set and everything it needs', () => {
      expect(selectAssets(graph, '+training/ratings_ml_training')).to.deep.equal([
        'source/customers',
        'raw/customers',
        'source/products',
        'raw/products',
        'source/ratings',
        'raw/ratings',
        'training/ratings_ml_training',
      ]);
    });

    it('finds what consumes the model, and the PII outside the sources', () => {
      expect(selectAssets(graph, 'model/recommender+1')).to.deep.equal([
        'model/recommender',
        'index/item_embeddings',
        'index/user_embeddings',
        'serving/recommendations',
        'serving/recommender_api',
      ]);
      expect(selectAssets(graph, 'tag:pii=true and not category:source')).to.deep.equal(['raw/customers', 'index/user_embeddings']);
    });

    it('uses the kinds catalog for categories', () => {
      expect(selectAssets(graph, 'category:service or category:stream')).to.deep.equal(['serving/recommendations', 'serving/recommender_api']);
      expect(selectAssets(graph, 'category:source')).to.include('stream/user_events');
    });

    it('runs roots, sinks and filters over the whole graph', () => {
      expect(selectAssets(graph, 'roots()')).to.deep.equal(graph.keys.filter((k) => graph.upstream(k).length === 0));
      expect(selectAssets(graph, 'sinks()')).to.deep.equal(['analytics/sales_hourly', 'serving/recommendations', 'serving/recommender_api']);
      expect(selectAssets(graph, 'kind:glue-sql and owner:team:data-platform')).to.deep.equal([
        'analytics/sales_hourly',
        'analytics/popular_products',
        'training/ratings_ml_training',
      ]);
      expect(selectAssets(graph, '*_embeddings')).to.deep.equal(['index/item_embeddings', 'index/user_embeddings']);
    });

    it('suggests reference keys for typos', () => {
      expectError('model/recomender', /did you mean 'model\/recommender'/, 0, graph);
    });
  });
});
