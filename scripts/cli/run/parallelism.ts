import { ENGINE_NAMES, isEngineName, type EngineName } from '../../../jobs/embedded/engine-names';
import { UserError } from '../errors';

/** Parses `--max-parallel`: runs executed at the same time (default 1). */
export function maxParallel(value: string | undefined): number {
  if (value === undefined) return 1;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 64) throw new UserError(`--max-parallel must be a whole number from 1 to 64 (got '${value}')`);
  return n;
}

/** Parses `--engine`: which engine runs the Glue and EMR kinds embedded (undefined: the default). */
export function engineOption(value: string | undefined): EngineName | undefined {
  if (value === undefined) return undefined;
  if (!isEngineName(value)) throw new UserError(`--engine must be one of ${ENGINE_NAMES.join(', ')} (got '${value}'): spark runs the Glue and EMR scripts on local Spark (after \`npm run spark:setup\`)`);
  return value;
}
