/**
 * A dashboard (an asset's `dashboard` declaration): the headline measure per hour, the other
 * measures, each breakdown over time, and the freshness in words, red past the declared limit.
 * Live updates re-render it when a new partition lands.
 */
import { api } from '../api';
import { timeChart } from '../charts';
import { fmt, h } from '../dom';

export async function renderDashboards(main: HTMLElement): Promise<void> {
  const meta = await api.meta();
  if (meta.dashboards.length === 1) {
    location.replace(`#/dashboard/${encodeURIComponent(meta.dashboards[0].key)}`);
    return;
  }
  main.replaceChildren(h('section', { class: 'card' }, h('h1', {}, 'Dashboards'), meta.dashboards.length
    ? h('ul', {}, meta.dashboards.map((d) => h('li', {}, h('a', { href: `#/dashboard/${encodeURIComponent(d.key)}` }, d.title), ` (${d.key})`)))
    : h('p', { class: 'muted' }, 'No asset declares a dashboard. Add `dashboard: { title, time, measures, breakdowns }` to an asset declaration.')));
  main.setAttribute('data-rendered', 'dashboards');
}

export async function renderDashboard(main: HTMLElement, key: string): Promise<void> {
  const d = await api.dashboard(key);
  const f = d.freshness;
  const late = Boolean(f?.violated);
  const headline = d.measures[0];
  const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
  main.replaceChildren(
    h('article', { class: 'dashboard' },
      h('header', { class: 'page-head' }, h('h1', {}, d.title), h('a', { href: `#/asset/${encodeURIComponent(key)}`, class: 'muted' }, key)),
      f ? h('p', { id: 'freshness', class: `freshness ${late ? 'late' : 'ok'}`, role: 'status' }, f.words) : null,
      h('div', { class: 'tiles' }, d.measures.map((m, i) => h('div', { class: 'tile' }, h('div', { class: 'muted small' }, `${m.label}, last ${d.windowHours} h`), h('div', { class: 'big' }, `${fmt(sum(d.totals[i]))}${m.unit ? ` ${m.unit}` : ''}`)))),
      d.times.length === 0 ? h('p', { class: 'muted' }, `No partition in the last ${d.windowHours} hours yet.`) : null,
      h('div', { class: 'charts' },
        timeChart(`${headline.label} per hour${headline.unit ? ` (${headline.unit})` : ''}`, [{ name: headline.label, points: d.times.map((t, i) => ({ x: t, y: d.totals[0][i] })) }], { unit: headline.unit, bars: true }),
        d.breakdowns.map((b) => timeChart(`${b.measure} by ${b.column}`, b.series.map((x) => ({ name: x.name, points: d.times.map((t, i) => ({ x: t, y: x.values[i] })) })), { unit: headline.unit })),
        d.measures.slice(1).map((m, i) => timeChart(`${m.label} per hour`, [{ name: m.label, points: d.times.map((t, j) => ({ x: t, y: d.totals[i + 1][j] })) }], { unit: m.unit })),
      ),
      h('p', { class: 'muted small', id: 'latest-partition' }, d.latestPartition ? `newest partition ${d.latestPartition}; ${d.partitions} partitions shown` : ''),
    ),
  );
  main.setAttribute('data-rendered', 'dashboard');
}
