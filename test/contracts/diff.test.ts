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
});
