/**
 * Layered layout of a DAG (Sugiyama-style, kept small): layers by longest path from the roots,
 * order within a layer by a few barycenter sweeps to shorten edges, then a grid of positions.
 * Linear in nodes + edges per sweep, so 2,000 assets lay out in milliseconds.
 */
export interface LayoutInput {
  readonly ids: readonly string[];
  /** [from, to]: from is upstream. */
  readonly edges: readonly (readonly [string, string])[];
  /** Initial order within a layer (e.g. by group), lower first. */
  readonly rank?: (id: string) => string;
}

export interface Layout {
  readonly x: Map<string, number>;
  readonly y: Map<string, number>;
  readonly layers: string[][];
  readonly layerOf: Map<string, number>;
  readonly width: number;
  readonly height: number;
}

export const NODE_W = 200;
export const NODE_H = 34;
const GAP_X = 90;
const GAP_Y = 14;

export function layeredLayout(input: LayoutInput): Layout {
  const up = new Map<string, string[]>(input.ids.map((id) => [id, []]));
  const down = new Map<string, string[]>(input.ids.map((id) => [id, []]));
  for (const [a, b] of input.edges) {
    if (!up.has(a) || !up.has(b) || a === b) continue;
    up.get(b)!.push(a);
    down.get(a)!.push(b);
  }
  // Longest path from the roots (Kahn's order): each node sits one layer right of its deepest dep.
  const layerOf = new Map<string, number>();
  const indegree = new Map(input.ids.map((id) => [id, up.get(id)!.length]));
  const queue = input.ids.filter((id) => indegree.get(id) === 0);
  for (const id of queue) layerOf.set(id, 0);
  for (let i = 0; i < queue.length; i++) {
    const id = queue[i];
    for (const d of down.get(id)!) {
      layerOf.set(d, Math.max(layerOf.get(d) ?? 0, layerOf.get(id)! + 1));
      indegree.set(d, indegree.get(d)! - 1);
      if (indegree.get(d) === 0) queue.push(d);
    }
  }
  for (const id of input.ids) if (!layerOf.has(id)) layerOf.set(id, 0); // a cycle cannot reach here (the graph validates), but stay total
  const layers: string[][] = [];
  for (const id of input.ids) (layers[layerOf.get(id)!] ??= []).push(id);
  const rank = input.rank ?? ((id: string) => id);
  for (const l of layers) l.sort((a, b) => (rank(a) < rank(b) ? -1 : rank(a) > rank(b) ? 1 : 0));
  const pos = new Map<string, number>();
  const place = () => layers.forEach((l) => l.forEach((id, i) => pos.set(id, i)));
  place();
  const sweep = (neighbours: Map<string, string[]>, from: number, to: number, step: number) => {
    for (let li = from; li !== to; li += step) {
      const l = layers[li];
      if (!l) continue;
      const bary = new Map<string, number>();
      for (const id of l) {
        const ns = neighbours.get(id)!;
        bary.set(id, ns.length ? ns.reduce((s, n) => s + pos.get(n)!, 0) / ns.length : pos.get(id)!);
      }
      l.sort((a, b) => bary.get(a)! - bary.get(b)!);
      l.forEach((id, i) => pos.set(id, i));
    }
  };
  for (let i = 0; i < 3; i++) {
    sweep(up, 1, layers.length, 1);
    sweep(down, layers.length - 2, -1, -1);
  }
  const tallest = Math.max(1, ...layers.map((l) => l.length));
  const x = new Map<string, number>();
  const y = new Map<string, number>();
  layers.forEach((l, li) => {
    // Centre short layers against the tallest so edges stay short.
    const offset = ((tallest - l.length) * (NODE_H + GAP_Y)) / 2;
    l.forEach((id, i) => {
      x.set(id, li * (NODE_W + GAP_X));
      y.set(id, offset + i * (NODE_H + GAP_Y));
    });
  });
  return { x, y, layers, layerOf, width: Math.max(NODE_W, layers.length * (NODE_W + GAP_X) - GAP_X), height: tallest * (NODE_H + GAP_Y) - GAP_Y };
}
