import { expect } from 'chai';
import { diffContract, formatContractDiff, type Contract, type FoundColumn } from '../../assets/core';

const contract: Contract = {
  columns: [
    { name: 'id', type: 'int', nullable: false },
    { name: 'city', type: 'string', nullable: false },
    { name: 'credit', type: 'decimal(10,2)', nullable: true },
  ],
};
const live: FoundColumn[] = [
  { name: 'id', type: 'int', nullable: false },
  { name: 'city', type: 'string', nullable: false },
  { name: 'credit', type: 'decimal(10,2)', nullable: true },
];
const diff = (found: FoundColumn[], c: Contract = contract, nullCounts?: Record<string, number>) =>
  diffContract(c, found, { subject: 'source/x', against: 'test', nullCounts });

describe('contract diff', () => {
  it('matches an identical schema', () => {
    const d = diff(live);
    expect(d.breaking).to.equal(false);
    expect(d.changes).to.deep.equal([]);
  });

  it('reports a dropped column as breaking, naming it', () => {
    const d = diff(live.filter((c) => c.name !== 'credit'));
    expect(d.breaking).to.equal(true);
    expect(d.changes.map((c) => [c.kind, c.column])).to.deep.equal([['dropped', 'credit']]);
    expect(formatContractDiff(d)).to.match(/BREAKING.*'credit' was dropped: expected decimal\(10,2\) null/);
  });

  it('pairs a dropped and an added column of the same type as a rename', () => {
    const d = diff([live[0], { name: 'town', type: 'string', nullable: false }, live[2]]);
    expect(d.changes).to.have.length(1);
    expect(d.changes[0]).to.include({ kind: 'renamed', column: 'city', to: 'town', breaking: true });
  });

  it('reports a retype, a loosened nullability and NULLs in a not-null column', () => {
    const d = diff([{ name: 'id', type: 'bigint', nullable: false }, { name: 'city', type: 'string', nullable: true }, live[2]], contract, { city: 3 });
    expect(d.changes.map((c) => [c.kind, c.column])).to.deep.equal([
      ['retyped', 'id'],
      ['nullable', 'city'],
      ['nulls', 'city'],
    ]);
    expect(formatContractDiff(d)).to.contain("column 'id' changed type: expected int, found bigint").and.contain("'city' holds 3 NULLs");
  });

  it('accepts added columns unless the contract is strict', () => {
    const extra = [...live, { name: 'tier', type: 'string', nullable: true }];
    expect(diff(extra).breaking).to.equal(false);
    expect(diff(extra).changes[0]).to.include({ kind: 'added', column: 'tier' });
    expect(diff(extra, { ...contract, evolution: 'strict' }).breaking).to.equal(true);
  });

  it('treats a tightened nullability as compatible and spellings of one type as equal', () => {
    const d = diff([live[0], live[1], { name: 'credit', type: 'DECIMAL(10, 2)', nullable: false }]);
    expect(d.breaking).to.equal(false);
    expect(d.changes.map((c) => c.kind)).to.deep.equal(['tightened']);
  });

  it('reports a missing table', () => {
    const d = diffContract(contract, [], { subject: 'source/x', against: 'test', tableFound: false });
    expect(d.breaking).to.equal(true);
    expect(formatContractDiff(d)).to.contain('the table does not exist');
  });

  it('marks each change breaking or not by its kind, and orders changes as the contract lists its columns', () => {
    const c: Contract = {
      columns: [
        { name: 'a', type: 'int', nullable: false },
        { name: 'b', type: 'string', nullable: false },
        { name: 'c', type: 'string', nullable: true },
        { name: 'd', type: 'date', nullable: false },
      ],
    };
    // Found in another order than the contract's, with an extra column first.
    const d = diff([{ name: 'x', type: 'boolean', nullable: true }, { name: 'c', type: 'string', nullable: false }, { name: 'b', type: 'string', nullable: true }, { name: 'a', type: 'bigint', nullable: false }], c, { a: 1 });
    expect(d.changes.map((ch) => [ch.kind, ch.column, ch.breaking])).to.deep.equal([
      ['retyped', 'a', true],
      ['nulls', 'a', true],
      ['nullable', 'b', true],
      ['tightened', 'c', false],
      ['dropped', 'd', true],
      ['added', 'x', false],
    ]);
  });

  it('writes every kind of change as one line naming the column, what was expected and what was found', () => {
    const c: Contract = {
      columns: [
        { name: 'id', type: 'INT', nullable: false },
        { name: 'city', type: 'string', nullable: false },
        { name: 'zip', type: 'string', nullable: false },
        { name: 'note', type: 'string', nullable: true },
        { name: 'day', type: 'date', nullable: false },
      ],
      evolution: 'strict',
    };
    const found: FoundColumn[] = [
      { name: 'id', type: 'bigint', nullable: false },
      { name: 'town', type: 'String', nullable: false },
      { name: 'zip', type: 'string', nullable: true },
      { name: 'note', type: 'string', nullable: false },
      { name: 'extra', type: 'Geometry', nullable: true },
    ];
    const d = diff(found, c, { zip: 1, day: 2 });
    expect(formatContractDiff(d).split('\n')).to.deep.equal([
      'source/x vs test: BREAKING',
      "  BREAKING  column 'id' changed type: expected int, found bigint",
      "  BREAKING  column 'city' looks renamed to 'town': expected 'city' string not null, found 'town' string not null",
      "  BREAKING  column 'zip' became nullable: expected not null, found nullable",
      "  BREAKING  column 'zip' holds 1 NULL: expected not null",
      "  ok        column 'note' became not null (the contract allows NULLs; consumers are unaffected)",
      "  BREAKING  column 'day' was dropped: expected date not null, found no such column",
      "  BREAKING  column 'extra' was added (geometry null): the contract is strict, so any new column is breaking",
    ]);
    const loose = diff([...live, { name: 'tier', type: 'string', nullable: true }]);
    expect(formatContractDiff(loose).split('\n')).to.deep.equal(['source/x vs test: compatible', "  ok        column 'tier' was added (string null)"]);
    expect(formatContractDiff(diff(live))).to.equal('source/x vs test: matches');
    expect(formatContractDiff(diffContract(contract, [], { subject: 's', against: 'live', tableFound: false })).split('\n')[0]).to.equal('s vs live: BREAKING (the table does not exist)');
    expect(diff(live).tableFound).to.equal(true);
  });

  it('pairs a rename by the closest name ignoring case, the first found on a tie', () => {
    const c: Contract = { columns: [{ name: 'Email', type: 'string', nullable: true }] };
    // Case-blind, EMAIL is at distance 0 and wins although Emaik comes first and differs in one letter.
    expect(diff([{ name: 'Emaik', type: 'string', nullable: true }, { name: 'EMAIL', type: 'string', nullable: true }], c).changes[0]).to.include({ kind: 'renamed', to: 'EMAIL' });
    expect(diff([{ name: 'emaik', type: 'string', nullable: true }, { name: 'emaij', type: 'string', nullable: true }], c).changes[0]).to.include({ kind: 'renamed', to: 'emaik' });
  });
});

