/**
 * Popular products: the fallback list the batch side writes hourly to
 * `<lake>/analytics/popular_products/latest.json` (same key in the S3 lake on AWS).
 */

export const POPULAR_KEY = 'analytics/popular_products/latest.json';

export interface PopularProduct {
  readonly rank: number;
  readonly productCode: string;
  readonly productName: string;
  readonly productLine: string;
  readonly score: number;
}

export interface PopularProducts {
  readonly asOf: string;
  readonly partition: string;
  readonly products: readonly PopularProduct[];
}

/** Parses latest.json, returning the list or a message that says what is wrong with it. */
export function parsePopular(text: string, where: string): PopularProducts | { problem: string } {
  let x: unknown;
  try {
    x = JSON.parse(text);
  } catch (e) {
    return { problem: `${where} is not valid JSON (${(e as Error).message}); rematerialize analytics/popular_products` };
  }
  const p = x as Partial<PopularProducts>;
  if (!p || typeof p !== 'object' || !Array.isArray(p.products)) {
    return { problem: `${where} has no 'products' array; expected { asOf, partition, products: [{ rank, productCode, ... }] }` };
  }
  const products = p.products.filter((r): r is PopularProduct => !!r && typeof r.productCode === 'string');
  return { asOf: String(p.asOf ?? ''), partition: String(p.partition ?? ''), products: [...products].sort((a, b) => a.rank - b.rank) };
}
