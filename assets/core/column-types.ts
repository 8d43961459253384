/**
 * Column types in Glue/Hive syntax, the one vocabulary contracts use. The Glue Catalog takes them
 * as they are; engines map them to Postgres or DuckDB types.
 */

export type ColumnType =
  | { readonly kind: 'primitive'; readonly name: PrimitiveName }
  | { readonly kind: 'decimal'; readonly precision: number; readonly scale: number }
  | { readonly kind: 'varchar'; readonly length: number }
  | { readonly kind: 'array'; readonly element: ColumnType }
  | { readonly kind: 'struct'; readonly fields: readonly { readonly name: string; readonly type: ColumnType }[] };

export const PRIMITIVES = ['string', 'tinyint', 'smallint', 'int', 'bigint', 'float', 'double', 'boolean', 'date', 'timestamp', 'binary'] as const;
export type PrimitiveName = (typeof PRIMITIVES)[number];

class TypeSyntaxError extends Error {}

/** Parses a Glue/Hive type string, or returns an error message naming the problem. */
export function parseColumnType(text: string): ColumnType | string {
  let pos = 0;
  const src = text.trim().toLowerCase();
  const skip = () => {
    while (src[pos] === ' ') pos++;
  };
  const ident = (): string => {
    skip();
    const m = /^[a-z_][a-z0-9_]*/.exec(src.slice(pos));
    if (!m) throw new TypeSyntaxError(`expected a name at position ${pos + 1}`);
    pos += m[0].length;
    return m[0];
  };
  const expect = (ch: string) => {
    skip();
    if (src[pos] !== ch) throw new TypeSyntaxError(`expected '${ch}' at position ${pos + 1}`);
    pos++;
  };
  const int = (): number => {
    skip();
    const m = /^\d+/.exec(src.slice(pos));
    if (!m) throw new TypeSyntaxError(`expected a number at position ${pos + 1}`);
    pos += m[0].length;
    return Number(m[0]);
  };
  const parse = (): ColumnType => {
    const name = ident();
    skip();
    if (name === 'decimal') {
      if (src[pos] !== '(') return { kind: 'decimal', precision: 10, scale: 0 };
      expect('(');
      const precision = int();
      expect(',');
      const scale = int();
      expect(')');
      if (precision < 1 || precision > 38 || scale > precision) throw new TypeSyntaxError(`decimal(${precision},${scale}) needs 1 <= precision <= 38 and scale <= precision`);
      return { kind: 'decimal', precision, scale };
    }
    if (name === 'varchar' || name === 'char') {
      expect('(');
      const length = int();
      expect(')');
      return { kind: 'varchar', length };
    }
    if (name === 'array') {
      expect('<');
      const element = parse();
      expect('>');
      return { kind: 'array', element };
    }
    if (name === 'struct') {
      expect('<');
      const fields: { name: string; type: ColumnType }[] = [];
      for (;;) {
        const fieldName = ident();
        expect(':');
        fields.push({ name: fieldName, type: parse() });
        skip();
        if (src[pos] === ',') {
          pos++;
          continue;
        }
        break;
      }
      expect('>');
      return { kind: 'struct', fields };
    }
    if ((PRIMITIVES as readonly string[]).includes(name)) return { kind: 'primitive', name: name as PrimitiveName };
    throw new TypeSyntaxError(`unknown type '${name}' (use one of ${PRIMITIVES.join(', ')}, decimal(p,s), varchar(n), array<...>, struct<...>)`);
  };
  try {
    const t = parse();
    skip();
    if (pos !== src.length) throw new TypeSyntaxError(`unexpected '${src.slice(pos)}' at position ${pos + 1}`);
    return t;
  } catch (e) {
    if (e instanceof TypeSyntaxError) return `type '${text}': ${e.message}`;
    throw e;
  }
}

/** The canonical spelling of a type, e.g. `decimal(10,2)`, `array<struct<a:string>>`. */
export function formatColumnType(t: ColumnType): string {
  switch (t.kind) {
    case 'primitive':
      return t.name;
    case 'decimal':
      return `decimal(${t.precision},${t.scale})`;
    case 'varchar':
      return `varchar(${t.length})`;
    case 'array':
      return `array<${formatColumnType(t.element)}>`;
    case 'struct':
      return `struct<${t.fields.map((f) => `${f.name}:${formatColumnType(f.type)}`).join(',')}>`;
  }
}
