/**
 * Evaluates a parsed selection over a graph. A set of assets is a byte per asset indexed by its
 * position in `graph.keys`, so set algebra is a linear scan, traversals are a BFS over integer
 * adjacency lists, and the result comes out in topological order with no sort.
 */
import type { AssetGraph } from '../graph';
import { categoryOf } from '../kinds';
import { suggestKey } from '../keys';
import { matchesText, type SelectionNode } from './ast';
import { SelectionError } from './error';

type AssetSet = Uint8Array;

/** The graph as integer adjacency lists, built once per graph. */
interface Adjacency {
  readonly up: readonly (readonly number[])[];
  readonly down: readonly (readonly number[])[];
}

const adjacencyCache = new WeakMap<AssetGraph, Adjacency>();

function adjacencyOf(graph: AssetGraph): Adjacency {
  let adjacency = adjacencyCache.get(graph);
  if (!adjacency) {
    const index = new Map(graph.keys.map((k, i) => [k, i]));
    const up: number[][] = graph.keys.map((k) => graph.upstream(k).map((d) => index.get(d)!));
    const down: number[][] = graph.keys.map(() => []);
    up.forEach((deps, i) => deps.forEach((d) => down[d].push(i)));
    adjacency = { up, down };
    adjacencyCache.set(graph, adjacency);
  }
  return adjacency;
}

/** Adds to `set` everything within `depth` steps of it along `edges` (multi-source BFS). */
function expand(set: AssetSet, edges: Adjacency['up'], depth: number): AssetSet {
  const out = set.slice();
  let frontier: number[] = [];
  for (let i = 0; i < out.length; i++) if (out[i]) frontier.push(i);
  for (let level = 0; level < depth && frontier.length > 0; level++) {
    const nextFrontier: number[] = [];
    for (const i of frontier) {
      for (const j of edges[i]) {
        if (!out[j]) {
          out[j] = 1;
          nextFrontier.push(j);
        }
      }
    }
    frontier = nextFrontier;
  }
  return out;
}

/** The members of `set` with no neighbour (along `edges`) inside `set`. */
function extremes(set: AssetSet, edges: Adjacency['up']): AssetSet {
  const out = new Uint8Array(set.length);
  for (let i = 0; i < set.length; i++) {
    if (set[i] && !edges[i].some((j) => set[j])) out[i] = 1;
  }
  return out;
}

function unknownKeyReason(graph: AssetGraph, key: string): string {
  if (!key.includes('/')) {
    const same = graph.keys.filter((k) => k.slice(k.indexOf('/') + 1) === key);
    if (same.length > 1) {
      return `unknown asset '${key}': keys are zone/name; did you mean ${same.map((k) => `'${k}'`).join(' or ')}? ('*/${key}' selects all of them)`;
    }
  }
  const hint = suggestKey(key, graph.keys);
  if (hint) return `unknown asset '${key}': did you mean '${hint}'?`;
  const example = graph.keys[0] ? `, e.g. '${graph.keys[0]}'` : '';
  return `unknown asset '${key}': no key is close; keys are zone/name${example}, and '*' matches any text`;
}

/** The set `node` selects in `graph`; throws a `SelectionError` (caret on the key) for an unknown key. */
export function evaluateSelection(graph: AssetGraph, node: SelectionNode, expression: string): AssetSet {
  const { keys } = graph;
  const n = keys.length;
  const where = (test: (key: string) => boolean): AssetSet => {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) if (test(keys[i])) out[i] = 1;
    return out;
  };
  const combine = (a: AssetSet, b: AssetSet, op: (x: number, y: number) => number): AssetSet => {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = op(a[i], b[i]);
    return out;
  };

  const visit = (node: SelectionNode): AssetSet => {
    switch (node.type) {
      case 'key': {
        if (!graph.has(node.key)) throw new SelectionError(expression, node.pos, unknownKeyReason(graph, node.key));
        const out = new Uint8Array(n);
        out[graph.order(node.key)] = 1;
        return out;
      }
      case 'pattern':
        return where((k) => matchesText(node.pattern, k));
      case 'tag':
        return where((k) =>
          Object.entries(graph.get(k).tags).some(([name, value]) => matchesText(node.name, name) && (!node.value || matchesText(node.value, value))),
        );
      case 'filter':
        return where((k) => {
          const asset = graph.get(k);
          switch (node.field) {
            case 'group':
              return asset.group !== undefined && matchesText(node.value, asset.group);
            case 'kind':
              return matchesText(node.value, asset.compute.kind);
            case 'owner':
              return asset.owners.some((o) => matchesText(node.value, o));
            case 'category':
              return matchesText(node.value, categoryOf(asset, graph.kinds));
          }
        });
      case 'and':
        return combine(visit(node.left), visit(node.right), (x, y) => x & y);
      case 'or':
        return combine(visit(node.left), visit(node.right), (x, y) => x | y);
      case 'not':
        return visit(node.operand).map((x) => x ^ 1);
      case 'traverse': {
        const base = visit(node.operand);
        const { up, down } = adjacencyOf(graph);
        const upstream = node.up > 0 ? expand(base, up, node.up) : base;
        const downstream = node.down > 0 ? expand(base, down, node.down) : base;
        return combine(upstream, downstream, (x, y) => x | y);
      }
      case 'roots':
      case 'sinks': {
        const set = node.operand ? visit(node.operand) : new Uint8Array(n).fill(1);
        const { up, down } = adjacencyOf(graph);
        return extremes(set, node.type === 'roots' ? up : down);
      }
    }
  };
  return visit(node);
}
