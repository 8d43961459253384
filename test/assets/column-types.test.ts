/**
 * Column types (assets/core/column-types.ts), the contracts' one type vocabulary: what parses,
 * its canonical spelling, and the exact reason for what does not.
 */
import { expect } from 'chai';
import { PRIMITIVES, formatColumnType, parseColumnType } from '../../assets/core';

describe('column types', () => {
  it('parses every spelling to one canonical form', () => {
    const cases: [string, string][] = [
      ...PRIMITIVES.map((p): [string, string] => [p.toUpperCase(), p]),
      ['  BigInt ', 'bigint'],
      ['decimal', 'decimal(10,0)'],
      ['DECIMAL( 12 , 3 )', 'decimal(12,3)'],
      ['decimal(38,38)', 'decimal(38,38)'],
      ['decimal(1,0)', 'decimal(1,0)'],
      ['varchar(20)', 'varchar(20)'],
      ['char( 3 )', 'varchar(3)'],
      ['array<int>', 'array<int>'],
      ['array < array<string> >', 'array<array<string>>'],
      ['struct<a:int>', 'struct<a:int>'],
      ['struct< a : int , b_2 : array<decimal(5,2)> >', 'struct<a:int,b_2:array<decimal(5,2)>>'],
      ['STRUCT<Name:STRING,tags:ARRAY<STRING>>', 'struct<name:string,tags:array<string>>'],
    ];
    for (const [text, canonical] of cases) {
      const t = parseColumnType(text);
      expect(typeof t, text).to.equal('object');
      expect(formatColumnType(t as Exclude<typeof t, string>), text).to.equal(canonical);
    }
    expect(parseColumnType('decimal')).to.deep.equal({ kind: 'decimal', precision: 10, scale: 0 });
    expect(parseColumnType('struct<a:int,b:string>')).to.deep.equal({
      kind: 'struct',
      fields: [
        { name: 'a', type: { kind: 'primitive', name: 'int' } },
        { name: 'b', type: { kind: 'primitive', name: 'string' } },
      ],
    });
  });

  it('names the problem and where it is', () => {
    const known = `use one of ${PRIMITIVES.join(', ')}, decimal(p,s), varchar(n), array<...>, struct<...>`;
    const cases: [string, string][] = [
      ['integer', `type 'integer': unknown type 'integer' (${known})`],
      ['', "type '': expected a name at position 1"],
      ['9lives', "type '9lives': expected a name at position 1"],
      ['decimal(10)', "type 'decimal(10)': expected ',' at position 11"],
      ['decimal(10,2', "type 'decimal(10,2': expected ')' at position 13"],
      ['decimal(x,2)', "type 'decimal(x,2)': expected a number at position 9"],
      ['decimal(0,0)', "type 'decimal(0,0)': decimal(0,0) needs 1 <= precision <= 38 and scale <= precision"],
      ['decimal(39,2)', "type 'decimal(39,2)': decimal(39,2) needs 1 <= precision <= 38 and scale <= precision"],
      ['decimal(5,6)', "type 'decimal(5,6)': decimal(5,6) needs 1 <= precision <= 38 and scale <= precision"],
      ['varchar', "type 'varchar': expected '(' at position 8"],
      ['varchar(n)', "type 'varchar(n)': expected a number at position 9"],
      ['array(int)', "type 'array(int)': expected '<' at position 6"],
      ['array<int', "type 'array<int': expected '>' at position 10"],
      ['struct<a int>', "type 'struct<a int>': expected ':' at position 10"],
      ['struct<a:int;b:int>', "type 'struct<a:int;b:int>': expected '>' at position 13"],
      ['int int', "type 'int int': unexpected 'int' at position 5"],
      ['array<int>>', "type 'array<int>>': unexpected '>' at position 11"],
    ];
    for (const [text, reason] of cases) expect(parseColumnType(text), text).to.equal(reason);
  });
});
