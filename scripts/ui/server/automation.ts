/**
 * The automation page: what `assets status` says of automation (last tick, when the daemon meant
 * to tick next, the next cron tick; `automationStatus`), and the recent ticks with the runs they
 * requested and why, from the run log's ticks.
 */
import type { AssetGraph, AutomationTick, RunLog } from '../../../assets/core';
import { automationStatus, type AutomationStatus } from '../../cli/run/automation-status';

export interface AutomationPage {
  readonly status: AutomationStatus;
  readonly ticks: readonly Pick<AutomationTick, 'tickId' | 'at' | 'status' | 'owner' | 'durationMs' | 'evaluated' | 'requests' | 'error'>[];
}

export async function automationPage(graph: AssetGraph, runLog: RunLog, nowMs: number): Promise<AutomationPage> {
  const [status, ticks] = await Promise.all([automationStatus(graph, runLog, nowMs), runLog.listTicks(50)]);
  return { status, ticks: ticks.map(({ tickId, at, status: s, owner, durationMs, evaluated, requests, error }) => ({ tickId, at, status: s, owner, durationMs, evaluated, requests, ...(error ? { error } : {}) })) };
}
