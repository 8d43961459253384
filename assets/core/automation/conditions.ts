/**
 * Automation conditions: when an asset should be materialized without anyone asking. Plain data
 * on the declaration (`automation: onCron('5 * * * *')`), so the same condition is evaluated by
 * `assets automate` on one machine and compiled into schedules and state machines on AWS.
 *
 * Semantics follow Dagster's declarative automation where it has them (see evaluate.ts).
 */
import { parseCron } from './cron';
import type { AssetKey } from '../types';

export type AutomationCondition =
  | {
      readonly type: 'on_cron';
      readonly cron: string;
      readonly timezone: string;
      /** Deps not waited for (e.g. a daily snapshot read by an hourly table). */
      readonly ignoreDeps: readonly AssetKey[];
    }
  | { readonly type: 'eager' }
  | { readonly type: 'on_missing' }
  | {
      readonly type: 'freshness';
      /** Extra minutes of lead on top of the asset's typical duration. */
      readonly marginMinutes: number;
    }
  | { readonly type: 'and'; readonly of: readonly AutomationCondition[] }
  | { readonly type: 'or'; readonly of: readonly AutomationCondition[] }
  | { readonly type: 'not'; readonly of: AutomationCondition };

export interface OnCronOptions {
  /**
   * IANA time zone the cron fields are read in.
   * @default 'UTC'
   */
  readonly timezone?: string;
  /**
   * Deps this asset does not wait for before running on the tick (Dagster's `.ignore()`).
   * @default [] (every dep that is not a source must have updated since the tick)
   */
  readonly ignoreDeps?: readonly AssetKey[];
}

/**
 * On each tick of `cron`, once every dep has updated since that tick (or is requested in the
 * same tick): the latest complete partition. Dagster's `on_cron`.
 */
export const onCron = (cron: string, opts: OnCronOptions = {}): AutomationCondition => ({
  type: 'on_cron',
  cron,
  timezone: opts.timezone ?? 'UTC',
  ignoreDeps: opts.ignoreDeps ?? [],
});

/**
 * As soon as any dep has new data (or the latest partition is newly missing), unless a dep is
 * missing, failed or running, or the asset itself is running. Dagster's `eager`.
 */
export const eager = (): AutomationCondition => ({ type: 'eager' });

/** When the latest partition is missing and every dep has data; once per partition. Dagster's `on_missing`. */
export const onMissing = (): AutomationCondition => ({ type: 'on_missing' });

export interface OnFreshnessOptions {
  /**
   * Minutes of lead beyond the asset's typical duration (the median of its recent runs).
   * @default 5
   */
  readonly marginMinutes?: number;
}

/**
 * Early enough that the asset's `freshness.maxLagMinutes` is never violated: when the data's
 * age plus the typical duration plus a margin reaches the limit, and newer data can be written.
 */
export const onFreshness = (opts: OnFreshnessOptions = {}): AutomationCondition => ({ type: 'freshness', marginMinutes: opts.marginMinutes ?? 5 });

/** All of the conditions. */
export const allOf = (...of: AutomationCondition[]): AutomationCondition => ({ type: 'and', of });
/** Any of the conditions. */
export const anyOf = (...of: AutomationCondition[]): AutomationCondition => ({ type: 'or', of });
/** The condition does not hold. */
export const not = (of: AutomationCondition): AutomationCondition => ({ type: 'not', of });

/** Every primitive condition in a tree, depth first. */
export function* primitives(c: AutomationCondition): IterableIterator<Exclude<AutomationCondition, { type: 'and' | 'or' | 'not' }>> {
  if (c.type === 'and' || c.type === 'or') for (const x of c.of) yield* primitives(x);
  else if (c.type === 'not') yield* primitives(c.of);
  else yield c;
}

/** The condition in words, as `assets show` and dry runs print it. */
export function describeCondition(c: AutomationCondition): string {
  switch (c.type) {
    case 'on_cron':
      return `on cron '${c.cron}'${c.timezone === 'UTC' ? '' : ` (${c.timezone})`}${c.ignoreDeps.length ? ` ignoring ${c.ignoreDeps.join(', ')}` : ''}`;
    case 'eager':
      return 'eagerly after deps update';
    case 'on_missing':
      return 'when missing';
    case 'freshness':
      return `to stay fresh (margin ${c.marginMinutes} min)`;
    case 'and':
      return c.of.map((x) => (x.type === 'or' ? `(${describeCondition(x)})` : describeCondition(x))).join(' and ');
    case 'or':
      return c.of.map(describeCondition).join(' or ');
    case 'not':
      return `not (${describeCondition(c.of)})`;
  }
}

/** What `defineGraph` needs to know about the asset carrying a condition. */
export interface ConditionSubject {
  readonly deps: readonly AssetKey[];
  readonly hasFreshness: boolean;
  readonly source: boolean;
}

/** Mistakes in an asset's condition, each saying how to fix it. */
export function conditionProblems(c: AutomationCondition, subject: ConditionSubject): string[] {
  const problems: string[] = [];
  if (subject.source) return ['is a source asset (observed, never materialized) and cannot have an automation condition'];
  const walk = (x: AutomationCondition): void => {
    switch (x.type) {
      case 'on_cron': {
        const s = parseCron(x.cron, x.timezone);
        if (typeof s === 'string') problems.push(`automation: ${s}`);
        for (const d of x.ignoreDeps) if (!subject.deps.includes(d)) problems.push(`automation: onCron ignores '${d}', which is not a dep of this asset`);
        return;
      }
      case 'freshness':
        if (!subject.hasFreshness) problems.push('automation: onFreshness() needs a freshness policy; declare freshness: { maxLagMinutes: N }');
        if (!(x.marginMinutes >= 0)) problems.push('automation: onFreshness marginMinutes must be zero or more');
        return;
      case 'and':
      case 'or':
        if (!x.of.length) problems.push(`automation: ${x.type === 'and' ? 'allOf' : 'anyOf'}() needs at least one condition`);
        x.of.forEach(walk);
        return;
      case 'not':
        walk(x.of);
        return;
      case 'eager':
      case 'on_missing':
        return;
      default:
        problems.push(`automation: unknown condition ${JSON.stringify(x)}; build conditions with onCron, eager, onMissing, onFreshness, allOf, anyOf, not`);
    }
  };
  walk(c);
  return problems;
}
