/** Exit codes of the `assets` CLI: scripts and CI rely on them. */
export const EXIT = { ok: 0, runFailed: 1, badInput: 2 } as const;

/**
 * A mistake the person running the CLI can fix: printed as one message, no stack trace.
 * The message says what is wrong, where, and how to fix it.
 */
export class UserError extends Error {
  override name = 'UserError';
  constructor(message: string, readonly exitCode: number = EXIT.badInput) {
    super(message);
  }
}
