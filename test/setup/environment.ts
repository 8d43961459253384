/** Changes to the process that tests make and must undo: environment variables and the clock. */

/** Sets (or, for undefined, removes) environment variables; returns the undo. */
export function withEnv(vars: Record<string, string | undefined>): () => void {
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  const apply = (v: Record<string, string | undefined>) => {
    for (const [k, x] of Object.entries(v)) {
      if (x === undefined) delete process.env[k];
      else process.env[k] = x;
    }
  };
  apply(vars);
  return () => apply(saved);
}

/**
 * Moves this process's clock to `atMs`, from where it keeps running at real speed (`new Date()`,
 * `Date.now()`); returns the undo. Code that reads "today" in-process then sees one stable day
 * however long the test takes and whenever it runs (a real midnight cannot fall inside it).
 */
export function shiftClock(atMs: number): () => void {
  const RealDate = Date;
  const offset = atMs - RealDate.now();
  class ShiftedDate extends RealDate {
    constructor(...args: unknown[]) {
      if (args.length === 0) super(RealDate.now() + offset);
      else super(...(args as [string | number]));
    }
    static override now(): number {
      return RealDate.now() + offset;
    }
  }
  globalThis.Date = ShiftedDate as DateConstructor;
  return () => {
    globalThis.Date = RealDate;
  };
}

/** Remembers environment variables as they are now; returns the undo of any later change to them. */
export function saveEnv(names: readonly string[]): () => void {
  return withEnv(Object.fromEntries(names.map((n) => [n, process.env[n]])));
}
