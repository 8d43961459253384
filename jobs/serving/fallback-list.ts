/**
 * The fallback list: what a `glue-sql` asset declaring `fallback` publishes as `latest.json` at
 * the root of its folder (jobs/embedded/executors/glue-sql.ts and jobs/glue/sql_runner.py write
 * it), and what serving answers from when the model or the indexes cannot.
 */

/** One entry: the entity id (as text), its score (the `orderBy` column) and the declared extra columns. */
export interface FallbackItem {
  readonly id: string;
  readonly score: number;
  readonly [column: string]: unknown;
}

export interface FallbackList {
  /** The asset that wrote it. */
  readonly asset: string;
  readonly asOf: string;
  /** The partition it was taken from ('' for an unpartitioned asset). */
  readonly partition: string;
  /** Best first. */
  readonly items: readonly FallbackItem[];
}

/** Parses latest.json, returning the list or a message that says what is wrong with it. */
export function parseFallbackList(text: string, where: string): FallbackList | { problem: string } {
  let x: unknown;
  try {
    x = JSON.parse(text);
  } catch (e) {
    return { problem: `${where} is not valid JSON (${(e as Error).message}); rematerialize the asset that writes it` };
  }
  const p = x as Partial<FallbackList>;
  if (!p || typeof p !== 'object' || !Array.isArray(p.items)) {
    return { problem: `${where} has no 'items' array; expected { asset, asOf, partition, items: [{ id, score, ... }] } (written before the fallback was a declared setting? rematerialize the asset)` };
  }
  const items = p.items.filter((r): r is FallbackItem => !!r && typeof r === 'object' && (typeof r.id === 'string' || typeof r.id === 'number') && typeof r.score === 'number');
  return {
    asset: String(p.asset ?? ''),
    asOf: String(p.asOf ?? ''),
    partition: String(p.partition ?? ''),
    items: items.map((r) => ({ ...r, id: String(r.id) })),
  };
}
