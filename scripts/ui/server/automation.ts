/**
 * The automation page: the last and next ticks and what they launched. Automation conditions and
 * `assets automate` are the automation issue's (not in this tree yet). The hook: once its run log
 * records ticks, read them here through the run log's query API and return them as `ticks`;
 * the page already renders `ticks` and `next` when present.
 */
import type { Environment } from '../../../jobs/engine';

export interface AutomationTick {
  readonly at: string;
  readonly outcome: string;
  readonly launched: readonly { readonly runId: string; readonly selection: string; readonly reason: string }[];
}

export interface AutomationPage {
  readonly available: boolean;
  readonly message: string;
  readonly ticks: readonly AutomationTick[];
  readonly next: string | null;
}

/** Ticks recorded by `assets automate`, when the run log offers them. */
export async function automationPage(env: Environment): Promise<AutomationPage> {
  const log = env.runLog as { listTicks?: (limit: number) => Promise<AutomationTick[]>; nextTick?: () => Promise<string | null> };
  if (typeof log.listTicks !== 'function') {
    return { available: false, message: 'Automation is not part of this build yet: once `assets automate` records its ticks in the run log, their times and the runs they launched appear here.', ticks: [], next: null };
  }
  return { available: true, message: '', ticks: await log.listTicks(50), next: (await log.nextTick?.()) ?? null };
}
