/** One thing wrong with a graph declaration: what, where (the asset key), and how to fix it. */
export interface GraphProblem {
  readonly code:
    | 'invalid_key'
    | 'duplicate_key'
    | 'unknown_dep'
    | 'cycle'
    | 'incompatible_partitions'
    | 'invalid_contract'
    | 'invalid_check'
    | 'invalid_automation'
    | 'invalid_asset';
  readonly key: string;
  readonly message: string;
}

/** Thrown by `defineGraph`: lists every problem found, not only the first. */
export class GraphError extends Error {
  override name = 'GraphError';
  constructor(readonly problems: readonly GraphProblem[]) {
    super(
      `the asset graph has ${problems.length} problem${problems.length === 1 ? '' : 's'}:\n` +
        problems.map((p) => `  - ${p.key}: ${p.message}`).join('\n'),
    );
  }
}
