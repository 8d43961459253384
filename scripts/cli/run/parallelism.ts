import { UserError } from '../errors';

/** Parses `--max-parallel`: runs executed at the same time (default 1). */
export function maxParallel(value: string | undefined): number {
  if (value === undefined) return 1;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 64) throw new UserError(`--max-parallel must be a whole number from 1 to 64 (got '${value}')`);
  return n;
}
