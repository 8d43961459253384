/**
 * The convention every transform SQL file follows, shared by DuckDB (embedded) and Spark SQL
 * (the Glue job). Keep the SQL to the dialect both engines speak: unquoted identifiers (both
 * resolve them case-insensitively), CAST(x AS INT|BIGINT|DOUBLE|STRING|TIMESTAMP),
 * `INTERVAL 7 DAYS`, date_trunc('hour', ts), window functions; no `::`, no double-quoted names.
 *
 * Inputs
 *   - every dep is a table named by its key with `/` -> `__` (`raw__ratings`, `source__orders`),
 *     holding all of the dep's committed data (the SQL filters by time itself);
 *   - `partitions`: one row per partition the run computes, (partition_start, partition_end);
 *   - `{{partition_start}}` / `{{partition_end}}`: the run's whole window, replaced by
 *     `TIMESTAMP 'YYYY-MM-DD HH:MM:SS'` literals.
 * Output
 *   - exactly the asset's contract columns, typed as the contract says, plus, for a
 *     time-partitioned asset, `partition_start` (TIMESTAMP): the start of the partition the row
 *     belongs to. The runner writes each partition's rows to its own folder and drops that column
 *     (Hive style: the partition lives in the path).
 * Directives (comment lines, read by the runners, ignored by the engines)
 *   - `-- lookback: 7 days`: source deps are read from `partition_start - 7 days`, not from
 *     `partition_start` (a trailing window needs older rows);
 *   - `-- source_filter <dep key>: <Postgres predicate>`: how to select a source table's rows for
 *     the window when it has no timestamp column of its own; may use `{{read_start}}`,
 *     `{{partition_start}}`, `{{partition_end}}`.
 */

/** The table name a dep has inside the SQL: `raw/ratings` -> `raw__ratings`. */
export const depTableName = (key: string): string => key.replace('/', '__');

/** The column that places an output row in its partition. */
export const PARTITION_COLUMN = 'partition_start';

/** The directives of a SQL file. */
export interface SqlDirectives {
  readonly lookbackMs: number;
  readonly sourceFilters: Readonly<Record<string, string>>;
}

const UNIT_MS: Record<string, number> = { hour: 3_600_000, day: 86_400_000 };

/** Reads the `-- lookback:` and `-- source_filter` comment lines of a SQL file. */
export function parseDirectives(sql: string, where: string): SqlDirectives {
  let lookbackMs = 0;
  const sourceFilters: Record<string, string> = {};
  for (const line of sql.split('\n')) {
    const lookback = /^\s*--\s*lookback:\s*(.*)$/i.exec(line);
    if (lookback) {
      const m = /^(\d+)\s*(hour|day)s?\s*$/i.exec(lookback[1]);
      if (!m) throw new Error(`${where}: '-- lookback: ${lookback[1]}' is not understood; write for example '-- lookback: 7 days' or '-- lookback: 6 hours'`);
      lookbackMs = Number(m[1]) * UNIT_MS[m[2].toLowerCase()];
    }
    const filter = /^\s*--\s*source_filter\s+([a-z0-9_]+\/[a-z0-9_]+)\s*:\s*(.+)$/i.exec(line);
    if (filter) sourceFilters[filter[1]] = filter[2].trim();
  }
  return { lookbackMs, sourceFilters };
}

/** Replaces `{{name}}` placeholders; an unknown placeholder is an error naming it. */
export function renderTemplate(sql: string, values: Readonly<Record<string, string>>, where: string): string {
  return sql.replace(/\{\{\s*([a-z_]+)\s*\}\}/g, (_, name: string) => {
    const v = values[name];
    if (v === undefined) throw new Error(`${where}: unknown placeholder {{${name}}}; available: ${Object.keys(values).map((k) => `{{${k}}}`).join(', ')}`);
    return v;
  });
}
