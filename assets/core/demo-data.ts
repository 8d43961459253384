/**
 * Example data a graph module may export beside its graph (`export const demoData: DemoData`), so
 * that `assets source seed` and `npm run demo` fill the embedded environment of any graph, not
 * only the reference one: the source tables it generates and the events it puts on its stream.
 * Pure: generators build rows and events; the embedded runtime (jobs/embedded) loads them.
 * A graph without it still runs: its data comes in with `assets source load TABLE FILE`.
 */

/** One source table a dataset fills. */
export interface SourceDataTable {
  readonly name: string;
  /** Columns in the order `generate` writes them. */
  readonly columns: readonly string[];
  /** Its CREATE TABLE statement (Postgres). */
  readonly ddl: string;
  /** Statements run once the rows are in (primary keys, indexes): building them once is much faster. */
  readonly after: readonly string[];
}

/** Receives CSV chunks (no header, columns as the table declares them) for one table; awaited before the next chunk is built. */
export type CsvSink = (table: string, csv: string, rows: number) => Promise<void>;

/** A size a dataset takes (`assets source seed --<name> N`). */
export interface SourceDataSize {
  readonly name: string;
  /** What it sets, with its default, for `--help` and errors. */
  readonly description: string;
}

/** What `generate` is asked for: resolved sizes, days of history up to `untilMs`, the seed. */
export interface SourceDataOptions {
  readonly sizes: Readonly<Record<string, number>>;
  readonly days: number;
  readonly seed: number;
  /** Exclusive end of the data (epoch ms, on the hour): every timestamp is before it. */
  readonly untilMs: number;
}

/** A deterministic data set for some source tables: same options, same rows. */
export interface SourceDataset {
  /** In words, for `source seed`'s messages: 'classicmodels-like customers, products, ratings and orders'. */
  readonly description: string;
  readonly tables: readonly SourceDataTable[];
  readonly sizes: readonly SourceDataSize[];
  /** Fills in defaults and checks the sizes; throws a UserError naming the flag to change. */
  resolveSizes(given: Readonly<Record<string, number | undefined>>): Readonly<Record<string, number>>;
  /** Generates every table, streaming CSV chunks to `sink` in load order. */
  generate(options: SourceDataOptions, sink: CsvSink): Promise<void>;
}

/** The ids the stream's events draw on: those the user and item indexes hold (known users and items). */
export interface StreamEventIds {
  readonly users: readonly string[];
  readonly items: readonly string[];
}

/** Events for the graph's stream source, as its producers would put them. */
export interface StreamEvents {
  /** One event per call; `now` stamps it (the demo measures put -> lake latency by it). */
  generator(ids: StreamEventIds, options?: { readonly seed?: number; readonly now?: () => Date }): () => object;
  /** The stream record's partition key, as the producers choose it (e.g. the user id). @default a record counter */
  partitionKey?(event: object): string | undefined;
  /** The event's time (ISO text) in a delivered record, for the demo's end-to-end latency. @default none: no latency is shown */
  eventTime?(record: Record<string, unknown>): string | undefined;
  /** One line saying what a delivered record holds, for the demo's examples. @default the record's JSON, shortened */
  describe?(record: Record<string, unknown>): string;
  /** The API request (path and query) that a delivered record suggests trying, for the demo's `curl` line. @default none */
  apiExample?(record: Record<string, unknown>): string | undefined;
}

/** What a graph module may export as `demoData`. */
export interface DemoData {
  readonly source?: SourceDataset;
  readonly stream?: StreamEvents;
}

/** The `demoData` export of a loaded graph module, checked for shape (a typo there is said, not ignored). */
export function demoDataOf(mod: unknown, where: string): DemoData | undefined {
  const data = (mod as { demoData?: unknown } | null)?.demoData;
  if (data === undefined) return undefined;
  const d = data as DemoData;
  const problems: string[] = [];
  if (typeof data !== 'object' || data === null) problems.push('is not an object');
  else {
    if (d.source !== undefined && (typeof d.source.generate !== 'function' || !Array.isArray(d.source.tables) || typeof d.source.resolveSizes !== 'function')) {
      problems.push('`source` needs tables, sizes, resolveSizes() and generate() (see SourceDataset in assets/core/demo-data.ts)');
    }
    if (d.stream !== undefined && typeof d.stream.generator !== 'function') problems.push('`stream` needs generator() (see StreamEvents in assets/core/demo-data.ts)');
  }
  if (problems.length) throw new TypeError(`${where}: its demoData export ${problems.join('; ')}`);
  return d;
}
