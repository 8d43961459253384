/** Subject identifiers: lineage discovery, declaration checks, who-to-erase parsing, the register's hash. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import graph from '../../assets';
import { defineAsset, defineGraph, deliveredSubjectFields, GraphError, subjectMap, subjectsOf, type Contract } from '../../assets/core';
import { REFERENCE_KINDS } from '../../assets/kinds';
import { glueSql, rdsTable } from '../../assets/kinds';
import { queryRows, withDuckDb } from '../../jobs/embedded/lake/duckdb';
import { DeletionRegister, subjectHash } from '../../jobs/erasure/register';
import { subjectHashSql } from '../../jobs/erasure/register-sql';
import { parseSubjectRequest } from '../../jobs/erasure/requests';

const people: Contract = { columns: [{ name: 'person_id', type: 'int', nullable: false, subject: 'person' }, { name: 'city', type: 'string', nullable: true }] };
const src = defineAsset({ key: 'source/people', source: true, compute: rdsTable({ table: 'people' }), storage: { kind: 'rds' }, contract: people });
const lake = { kind: 'lake', zone: 'raw', format: 'parquet' } as const;

describe('erasure: subjects in contracts and lineage', () => {
  it('finds every asset of the reference graph that can hold a customer, and why the others cannot', () => {
    const m = subjectMap(graph, 'customer');
    expect(m.holders.map((h) => `${h.key}:${h.role}`)).to.have.members([
      'source/customers:source', 'source/orders:source', 'source/ratings:source', 'stream/user_events:source',
      'raw/customers:derived', 'raw/ratings:derived', 'training/ratings_ml_training:derived',
      'model/recommender:derived', 'index/user_embeddings:derived', 'serving/recommendations:derived',
    ]);
    expect(m.holders.find((h) => h.key === 'model/recommender')!.fields).to.deep.equal([{ field: 'customer_number', file: 'user_embeddings.parquet', from: 'declaration' }]);
    expect(m.aggregates).to.have.members(['analytics/popular_products', 'analytics/sales_hourly', 'index/item_embeddings']);
    expect(m.stateless).to.deep.equal(['serving/recommender_api']);
    expect(m.gaps).to.deep.equal([]);
    expect(subjectsOf(graph)).to.deep.equal(['customer']);
    expect(deliveredSubjectFields(graph)).to.deep.equal([{ subject: 'customer', field: 'customer_number' }]);
  });

  it('names an asset downstream of a subject that says nothing about it as a gap, with the ways to fix it', () => {
    const copy = defineAsset({ key: 'raw/people', deps: [src], compute: glueSql({ sql: 'x.sql' }), storage: lake });
    const m = subjectMap(defineGraph([src, copy]), 'person');
    expect(m.gaps.map((g) => [g.key, g.from])).to.deep.equal([['raw/people', 'source/people']]);
    expect(m.gaps[0].message).to.match(/subject: 'person'/).and.match(/subjects: 'none'/);
    // Declaring it an aggregate closes the gap, and nothing downstream of an aggregate is a gap.
    const agg = defineAsset({ key: 'raw/people', deps: [src], compute: glueSql({ sql: 'x.sql' }), storage: lake, subjects: 'none' });
    const below = defineAsset({ key: 'analytics/more', deps: [agg], compute: glueSql({ sql: 'y.sql' }), storage: lake });
    const m2 = subjectMap(defineGraph([src, agg, below]), 'person');
    expect(m2).to.deep.include({ aggregates: ['raw/people'], gaps: [] });
  });

  it('rejects malformed subject declarations when the graph is defined', () => {
    const bad = defineAsset({
      key: 'raw/people',
      deps: [src],
      compute: glueSql({ sql: 'x.sql' }),
      storage: lake,
      contract: { columns: [{ name: 'id', type: 'int', nullable: false, subject: 'Person!' }] },
      subjects: [{ subject: 'person', field: 'id' }, { subject: '', field: '', file: '../x' }],
    });
    expect(() => defineGraph([src, bad], { kinds: REFERENCE_KINDS })).to.throw(GraphError)
      .with.property('message').that.matches(/subject must be a lower-case name/).and.matches(/'id' is a contract column; mark it there/)
      .and.matches(/subjects\[1\]\.field must name/).and.matches(/subjects\[1\]\.file must be a file name inside/);
  });
});

describe('erasure: who to erase', () => {
  let dir: string;
  before(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hw-erase-ids-'))));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, text: string) => {
    fs.writeFileSync(path.join(dir, name), text);
    return path.join(dir, name);
  };

  it('reads --subject pairs and both CSV forms, deduplicated', () => {
    const r = parseSubjectRequest(['customer=103', 'customer=103'], file('a.csv', 'customer\n112\n\n"141"\n'), ['customer']);
    expect([...r]).to.deep.equal([['customer', ['103', '112', '141']]]);
    const pairs = parseSubjectRequest([], file('b.csv', 'subject,id\r\ncustomer,7\r\n'), ['customer']);
    expect([...pairs]).to.deep.equal([['customer', ['7']]]);
  });

  it('reports every bad argument and line, with the file and line number', () => {
    expect(() => parseSubjectRequest(['customer', 'person=1'], file('c.csv', 'subject,id\ncustomer\n'), ['customer']))
      .to.throw()
      .with.property('message')
      .that.matches(/--subject customer: expected <subject>=<id>/)
      .and.matches(/--subject person=1: unknown subject 'person'; the graph's contracts name 'customer'/)
      .and.matches(/c\.csv:2: expected '<subject>,<id>'/);
    expect(() => parseSubjectRequest([], file('d.csv', '103\n'), ['customer'])).to.throw(/d\.csv:1: expected a header naming the subject/);
    expect(() => parseSubjectRequest([], path.join(dir, 'missing.csv'), ['customer'])).to.throw(/cannot read it \(ENOENT\)/);
    expect(() => parseSubjectRequest([], undefined, ['customer'])).to.throw(/name who to erase/);
  });
});

describe('erasure: the deletion register', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hw-register-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('hashes with a secret salt made once, the same in JavaScript and in DuckDB', async () => {
    const r = DeletionRegister.open(dir);
    expect(fs.statSync(path.join(dir, 'salt')).mode & 0o777).to.equal(0o600);
    expect(DeletionRegister.open(dir).salt).to.equal(r.salt);
    const [{ h }] = await withDuckDb((con) => queryRows<{ h: string }>(con, `SELECT ${subjectHashSql(r.salt, 'customer', 'CAST(103 AS INTEGER)')} AS h`));
    expect(h).to.equal(subjectHash(r.salt, 'customer', '103')).and.to.equal(r.hash('customer', '103'));
    expect(r.hash('customer', '103')).to.not.equal(subjectHash('another salt', 'customer', '103'));
  });

  it('keeps entries across opens, never an id in clear, and refuses a damaged file', () => {
    const r = DeletionRegister.open(dir);
    r.upsert([{ subject: 'customer', hash: r.hash('customer', '103'), erasureId: 'e1', erasedAt: 'a', pendingSources: ['source/x'], checkedAt: 'a' }]);
    r.upsert([{ subject: 'customer', hash: r.hash('customer', '103'), erasureId: 'e2', erasedAt: 'b', pendingSources: [], checkedAt: 'b' }]);
    const again = DeletionRegister.open(dir);
    expect(again.list()).to.deep.equal([{ subject: 'customer', hash: r.hash('customer', '103'), erasureId: 'e1', erasedAt: 'a', pendingSources: [], checkedAt: 'b' }]);
    expect(again.has('customer', '103')).to.equal(true);
    expect(fs.readFileSync(path.join(dir, 'register.json'), 'utf8')).to.not.match(/103/);
    fs.writeFileSync(path.join(dir, 'register.json'), '{');
    expect(() => DeletionRegister.open(dir)).to.throw(/deletion register .* is damaged/);
    expect(DeletionRegister.peek(path.join(dir, 'none'))).to.equal(undefined);
  });
});
