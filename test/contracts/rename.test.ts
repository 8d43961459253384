/**
 * The rename heuristic of the contract diff: a dropped column and an added one are called a
 * rename only when their types agree (a rename that also changes the type would hide a retype
 * behind a friendlier word), and among same-typed candidates the closest name wins.
 */
import { expect } from 'chai';
import { diffContract, formatContractDiff, type Contract, type FoundColumn } from '../../assets/core';

const contract: Contract = {
  columns: [
    { name: 'id', type: 'int', nullable: false },
    { name: 'city', type: 'string', nullable: false },
    { name: 'credit', type: 'decimal(10,2)', nullable: true },
  ],
};
const id: FoundColumn = { name: 'id', type: 'int', nullable: false };
const city: FoundColumn = { name: 'city', type: 'string', nullable: false };
const credit: FoundColumn = { name: 'credit', type: 'decimal(10,2)', nullable: true };
const diff = (found: FoundColumn[]) => diffContract(contract, found, { subject: 'source/x', against: 'test' });
const summary = (found: FoundColumn[]) => diff(found).changes.map((c) => (c.kind === 'renamed' ? `renamed ${c.column} -> ${c.to}` : `${c.kind} ${c.column}`));

describe('contract diff: the rename heuristic', () => {
  it('does not call a dropped column and an added column of another type a rename', () => {
    const found = [id, { name: 'population', type: 'bigint', nullable: false }, credit];
    expect(summary(found)).to.deep.equal(['dropped city', 'added population']);
    const text = formatContractDiff(diff(found));
    expect(text).to.contain("BREAKING  column 'city' was dropped: expected string not null, found no such column");
    expect(text).to.contain("ok        column 'population' was added (bigint not null)");
    expect(text).not.to.match(/renamed/);
  });

  it('pairs the dropped column with the added one of its type even when a closer name has another type', () => {
    const found = [id, { name: 'cty', type: 'int', nullable: false }, { name: 'town', type: 'string', nullable: false }, credit];
    expect(summary(found)).to.deep.equal(['renamed city -> town', 'added cty']);
  });

  it('takes the closest name among same-typed candidates, and each added column at most once', () => {
    const found = [id, { name: 'region', type: 'string', nullable: false }, { name: 'citi', type: 'string', nullable: false }, credit];
    expect(summary(found)).to.deep.equal(['renamed city -> citi', 'added region']);
    // Two dropped columns of one type and one candidate: the first takes it, the second is dropped.
    const twoStrings: Contract = { columns: [...contract.columns, { name: 'country', type: 'string', nullable: false }] };
    const d = diffContract(twoStrings, [id, credit, { name: 'town', type: 'string', nullable: false }], { subject: 's', against: 't' });
    expect(d.changes.map((c) => `${c.kind} ${c.column}`)).to.deep.equal(['renamed city', 'dropped country']);
  });

  it('compares types by their canonical spelling when pairing', () => {
    const found = [id, city, { name: 'credit_limit', type: 'DECIMAL(10, 2)', nullable: true }];
    expect(summary(found)).to.deep.equal(['renamed credit -> credit_limit']);
    const otherScale = [id, city, { name: 'credit_limit', type: 'decimal(12,2)', nullable: true }];
    expect(summary(otherScale)).to.deep.equal(['dropped credit', 'added credit_limit']);
  });
});
