/**
 * Postgres types in the contract vocabulary (Glue/Hive syntax), shared by live introspection
 * and by the migration parser so both describe a column the same way.
 */

/** The contract spelling of a Postgres type name (with its modifiers), e.g. `numeric(10,2)` -> `decimal(10,2)`. */
export function contractTypeOfPg(pgType: string): string {
  const t = pgType.trim().toLowerCase().replace(/\s+/g, ' ');
  const m = /^([a-z_ ]+?)\s*(?:\(\s*(\d+)\s*(?:,\s*(\d+)\s*)?\))?(\s*\[\])?$/.exec(t);
  if (!m) return t;
  const [, name, p, s, array] = m;
  if (array) return `array<${contractTypeOfPg(name + (p ? `(${p}${s ? `,${s}` : ''})` : ''))}>`;
  switch (name.trim()) {
    case 'integer':
    case 'int':
    case 'int4':
    case 'serial':
      return 'int';
    case 'smallint':
    case 'int2':
    case 'smallserial':
      return 'smallint';
    case 'bigint':
    case 'int8':
    case 'bigserial':
      return 'bigint';
    case 'text':
    case 'varchar':
    case 'character varying':
    case 'char':
    case 'character':
    case 'bpchar':
    case 'citext':
    case 'uuid':
      return 'string';
    case 'numeric':
    case 'decimal':
      // An unconstrained numeric has no fixed scale: not a decimal(p,s) any contract can promise.
      return p ? `decimal(${p},${s ?? 0})` : 'numeric';
    case 'real':
    case 'float4':
      return 'float';
    case 'double precision':
    case 'float8':
    case 'float':
      return 'double';
    case 'boolean':
    case 'bool':
      return 'boolean';
    case 'date':
      return 'date';
    case 'timestamp':
    case 'timestamp without time zone':
      return 'timestamp';
    case 'timestamptz':
    case 'timestamp with time zone':
      return 'timestamp with time zone';
    case 'bytea':
      return 'binary';
    default:
      return t;
  }
}

/** One row of information_schema.columns, as Postgres reports it. */
export interface InformationSchemaColumn {
  readonly column_name: string;
  readonly data_type: string;
  readonly is_nullable: string;
  readonly numeric_precision: number | null;
  readonly numeric_scale: number | null;
}

/** The contract type of an information_schema.columns row. */
export function contractTypeOfColumn(row: InformationSchemaColumn): string {
  if (row.data_type === 'numeric' && row.numeric_precision != null) {
    return `decimal(${row.numeric_precision},${row.numeric_scale ?? 0})`;
  }
  return contractTypeOfPg(row.data_type);
}

/**
 * The Postgres type declaring a column of a contract type (`decimal(10,2)` -> `numeric(10,2)`),
 * the inverse of `contractTypeOfPg` for the types a source table holds; nested types (arrays,
 * structs, maps) are stored as `jsonb`.
 */
export function pgTypeOfContract(contractType: string): string {
  const t = contractType.trim().toLowerCase();
  const dec = /^decimal\((\d+),\s*(\d+)\)$/.exec(t);
  if (dec) return `numeric(${dec[1]},${dec[2]})`;
  if (/^(array|struct|map)</.test(t)) return 'jsonb';
  const map: Record<string, string> = {
    tinyint: 'smallint',
    smallint: 'smallint',
    int: 'integer',
    bigint: 'bigint',
    string: 'text',
    numeric: 'numeric',
    float: 'real',
    double: 'double precision',
    boolean: 'boolean',
    date: 'date',
    timestamp: 'timestamp',
    'timestamp with time zone': 'timestamptz',
    binary: 'bytea',
  };
  const pg = map[t];
  if (!pg) throw new Error(`no Postgres type for the contract type '${contractType}'`);
  return pg;
}
