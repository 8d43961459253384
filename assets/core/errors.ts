/** Exit codes of the `assets` CLI: scripts and CI rely on them. */
export const EXIT = { ok: 0, runFailed: 1, badInput: 2 } as const;

/**
 * The one base class for what a person can fix: bad input, a missing or damaged file, a busy
 * port, a failed run. Its message says what is wrong, where (the file, asset or line), and how to
 * fix it. The CLI catches it in one place and prints the message alone, exit `exitCode`; anything
 * that is not a UserError is a bug and is reported as an internal error with a log file.
 * Every layer may throw it (assets/ is pure, so it lives here).
 */
export class UserError extends Error {
  override name = 'UserError';
  constructor(message: string, readonly exitCode: number = EXIT.badInput) {
    super(message);
  }
}

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
export class GraphError extends UserError {
  override name = 'GraphError';
  constructor(readonly problems: readonly GraphProblem[]) {
    super(
      `the asset graph has ${problems.length} problem${problems.length === 1 ? '' : 's'}:\n` +
        problems.map((p) => `  - ${p.key}: ${p.message}`).join('\n'),
    );
  }
}
