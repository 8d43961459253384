/** Calls to the `assets ui` server and its live-update stream. */
import type { AutomationPage } from '../server/automation';
import type { dashboardPage } from '../server/dashboard';
import type { assetPage, GraphNode, runPage } from '../server/views';
import type { RunRecord } from '../../../assets/core';

export type AssetPageData = Awaited<ReturnType<typeof assetPage>>;
export type RunPageData = ReturnType<typeof runPage> & { outcome: RunOutcome | null };
export type DashboardData = Awaited<ReturnType<typeof dashboardPage>>;
export type RunOutcome = { runId: string; exitCode: number; message: string | null };
export type { AutomationPage, GraphNode };

export interface Meta {
  env: string;
  graph: string;
  assets: number;
  states: string[];
  dashboards: { key: string; title: string }[];
  version: number;
}

/** An error the server explained (bad selection, refused run...). */
export class ApiError extends Error {
  constructor(message: string, readonly status: number, readonly body: Record<string, unknown>) {
    super(message);
  }
}

async function call<T>(path: string, init?: RequestInit): Promise<T> {
  const res = await fetch(path, init);
  const body = (await res.json()) as Record<string, unknown>;
  if (!res.ok) throw new ApiError(String(body.error ?? body.message ?? res.statusText), res.status, body);
  return body as T;
}

const q = encodeURIComponent;

export const api = {
  meta: () => call<Meta>('/api/meta'),
  graph: () => call<{ at: string; version: number; nodes: GraphNode[] }>('/api/graph'),
  select: (expr: string) => call<{ keys: string[] | null; problem?: { reason: string; position: number; message: string } }>(`/api/select?q=${q(expr)}`),
  asset: (key: string) => call<AssetPageData>(`/api/asset?key=${q(key)}`),
  runs: (limit = 50) => call<{ runs: (RunRecord & { outcome: RunOutcome | null })[] }>(`/api/runs?limit=${limit}`),
  run: (id: string) => call<RunPageData>(`/api/run?id=${q(id)}`),
  startRun: (body: Record<string, unknown>) => call<{ runId: string }>('/api/runs', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  dashboard: (key: string) => call<DashboardData>(`/api/dashboard?key=${q(key)}`),
  automation: () => call<AutomationPage>('/api/automation'),
};

/** Calls `onChange` whenever the server says the run log moved; shows the connection state in `dot`. */
export function watchChanges(onChange: () => void, dot: HTMLElement | null): void {
  const source = new EventSource('/api/events');
  source.addEventListener('change', () => onChange());
  source.addEventListener('hello', () => dot?.classList.add('on'));
  source.onerror = () => dot?.classList.remove('on');
}
