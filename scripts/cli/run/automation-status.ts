/**
 * The automation part of `assets status`: the daemon's last tick and its outcome, when it meant
 * to tick next, and the next cron tick the graph declares (even with no daemon running).
 */
import { nextScheduledTick, type AssetGraph, type AssetKey, type RunLog } from '../../../assets/core';
import { color } from '../output';

export interface AutomationStatus {
  /** Assets with an automation condition. */
  readonly automated: number;
  readonly lastTick?: {
    readonly tickId: string;
    readonly at: string;
    readonly status: 'ok' | 'failed';
    readonly owner: string;
    readonly requested: readonly { readonly runId: string; readonly keys: readonly AssetKey[] }[];
    readonly error?: string;
  };
  /** When the daemon meant to tick next; past it by more than a minute, the daemon is not running. */
  readonly nextTickAt?: string;
  readonly daemonRunning: boolean;
  readonly nextCron?: { readonly at: string; readonly keys: readonly AssetKey[] };
}

/** Reads the last tick and computes the next cron tick. */
export async function automationStatus(graph: AssetGraph, runLog: RunLog, nowMs: number): Promise<AutomationStatus> {
  const [last] = await runLog.listTicks(1);
  const cron = nextScheduledTick(graph, nowMs);
  return {
    automated: graph.keys.filter((k) => graph.get(k).automation).length,
    ...(last
      ? {
          lastTick: { tickId: last.tickId, at: last.at, status: last.status, owner: last.owner, requested: last.requests.map((r) => ({ runId: r.runId, keys: r.keys })), ...(last.error ? { error: last.error } : {}) },
          ...(last.nextTickAt ? { nextTickAt: last.nextTickAt } : {}),
        }
      : {}),
    daemonRunning: Boolean(last?.nextTickAt && Date.parse(last.nextTickAt) + 60_000 >= nowMs),
    ...(cron ? { nextCron: { at: new Date(cron.at).toISOString(), keys: cron.keys } } : {}),
  };
}

const when = (iso: string, nowMs: number) => {
  const s = Math.round((Date.parse(iso) - nowMs) / 1000);
  const span = Math.abs(s) < 120 ? `${Math.abs(s)}s` : Math.abs(s) < 7200 ? `${Math.round(Math.abs(s) / 60)}m` : `${Math.round(Math.abs(s) / 3600)}h`;
  return `${iso.slice(0, 16).replace('T', ' ')}Z (${s >= 0 ? `in ${span}` : `${span} ago`})`;
};

/** The lines `status` prints. */
export function describeAutomationStatus(a: AutomationStatus, nowMs: number): string[] {
  if (!a.automated) return [];
  const lines: string[] = [];
  const t = a.lastTick;
  if (!t) lines.push(`automation: ${a.automated} automated asset(s); no tick yet (start it with \`assets automate\`)`);
  else {
    const outcome = t.status === 'failed' ? color.red(`failed: ${t.error}`) : t.requested.length ? `${t.requested.length} run(s) requested (${t.requested.map((r) => r.runId).join(', ')})` : 'nothing to do';
    lines.push(`automation: last tick ${when(t.at, nowMs)} by ${t.owner}: ${outcome}`);
    if (a.nextTickAt) lines.push(a.daemonRunning ? `automation: next tick by ${when(a.nextTickAt, nowMs)}` : color.yellow(`automation: the daemon meant to tick by ${when(a.nextTickAt, nowMs)} and has not: it is not running (start it with \`assets automate\`)`));
  }
  if (a.nextCron) lines.push(`automation: next cron tick ${when(a.nextCron.at, nowMs)} for ${a.nextCron.keys.join(', ')}`);
  return lines;
}
