/**
 * A dashboard declaration: how `assets ui` plots an asset for the people who read it (the
 * marketing team's sales per hour, a fork's own KPIs). Plain data on the asset, so the UI's
 * generic code never names an asset or a column: it reads them from here.
 */
import type { Contract } from './types';

/** One numeric column summed per time point. */
export interface DashboardMeasure {
  readonly column: string;
  /** Shown on the plot. @default the column name */
  readonly label?: string;
  /** Printed after values, e.g. `USD`. @default none */
  readonly unit?: string;
}

export interface DashboardSpec {
  /** The dashboard's heading, e.g. `Sales per hour`. */
  readonly title: string;
  /** The timestamp column a row belongs to: one point per value. */
  readonly time: string;
  /** Numeric columns summed per time point; the first is the headline plot. */
  readonly measures: readonly DashboardMeasure[];
  /** Text columns the headline measure is also broken down by, one plot each. @default none */
  readonly breakdowns?: readonly string[];
  /** Hours of history the dashboard shows. @default 48 */
  readonly windowHours?: number;
}

/** Default hours of history a dashboard shows. */
export const DEFAULT_DASHBOARD_WINDOW_HOURS = 48;

/** Mistakes in a dashboard declaration, checked against the asset's contract when it has one. */
export function dashboardProblems(dashboard: DashboardSpec, contract: Contract | undefined): string[] {
  const problems: string[] = [];
  if (!dashboard.title) problems.push('dashboard.title is empty; give the dashboard a heading');
  if (!dashboard.measures?.length) problems.push('dashboard.measures is empty; name at least one numeric column to plot');
  const hours = dashboard.windowHours;
  if (hours !== undefined && !(Number.isInteger(hours) && hours > 0)) problems.push(`dashboard.windowHours must be a positive whole number of hours (got ${hours})`);
  if (!contract) return problems;
  const types = new Map(contract.columns.map((c) => [c.name, c.type.toLowerCase()]));
  const need = (role: string, column: string, ok: (t: string) => boolean, what: string) => {
    const t = types.get(column);
    if (t === undefined) problems.push(`dashboard ${role} '${column}' is not a column of the contract`);
    else if (!ok(t)) problems.push(`dashboard ${role} '${column}' is ${t}; it must be ${what}`);
  };
  need('time', dashboard.time, (t) => t === 'timestamp' || t === 'date', 'a timestamp or date');
  for (const m of dashboard.measures ?? []) need('measure', m.column, (t) => /^(tinyint|smallint|int|integer|bigint|float|double|decimal)/.test(t), 'numeric');
  for (const b of dashboard.breakdowns ?? []) need('breakdown', b, (t) => t === 'string' || t.startsWith('varchar') || t.startsWith('char'), 'a string');
  return problems;
}
