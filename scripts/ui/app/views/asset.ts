/**
 * The asset page: its declaration and contract, its checks, its partitions as a heat map, its
 * materialization history and plots of its metadata over time; and buttons that materialize or
 * backfill it through the same engine and messages as the CLI.
 */
import { api, type AssetPageData } from '../api';
import { heatMap, timeChart } from '../charts';
import { ago, badge, duration, h } from '../dom';
import { runForm } from './run-form';

const kv = (rows: [string, Node | string | null][]) => h('dl', { class: 'kv' }, rows.filter(([, v]) => v !== null && v !== '').flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
const link = (key: string) => h('a', { href: `#/asset/${encodeURIComponent(key)}` }, key);

export async function renderAsset(main: HTMLElement, key: string): Promise<void> {
  const d: AssetPageData = await api.asset(key);
  const decl = d.declaration;
  const st = d.status;
  const sections: HTMLElement[] = [];
  sections.push(
    h('header', { class: 'page-head' }, h('h1', {}, key), badge(d.state.state), d.dashboard ? h('a', { class: 'button', href: `#/dashboard/${encodeURIComponent(key)}` }, 'Open dashboard') : null),
    decl.description ? h('p', { class: 'lead' }, decl.description) : h('span'),
  );
  if (d.state.reasons.length) sections.push(h('ul', { class: 'reasons' }, d.state.reasons.map((r) => h('li', {}, r))));
  const freshness = st.freshness ? `${st.freshness.lagMinutes === null ? 'never materialized' : `${st.freshness.lagMinutes} min old`} (at most ${st.freshness.maxLagMinutes} allowed)` : null;
  sections.push(
    h('section', { class: 'card' }, h('h2', {}, 'Declaration'),
      kv([
        ['kind', `${decl.kind} (${decl.category})`],
        ['settings', Object.keys(decl.settings).length ? h('code', {}, JSON.stringify(decl.settings)) : null],
        ['partitions', decl.partitions],
        ['backfill', decl.backfill.type],
        ['deps', decl.deps.length ? h('span', {}, decl.deps.flatMap((x, i) => [i ? ', ' : '', link(x.key), x.mapping === 'default' ? '' : ` (${x.mapping})`])) : '(none)'],
        ['dependents', decl.dependents.length ? h('span', {}, decl.dependents.flatMap((x, i) => [i ? ', ' : '', link(x)])) : '(none)'],
        ['owners', decl.owners.join(', ')],
        ['group', decl.group],
        ['tags', Object.entries(decl.tags).map(([k, v]) => `${k}=${v}`).join(', ')],
        ['freshness', freshness],
        ['last materialized', st.lastMaterialization ? `${ago(st.lastMaterialization.at)} (${st.lastMaterialization.at})${st.lastMaterialization.partition ? ` [${st.lastMaterialization.partition}]` : ''}` : 'never'],
        ['partitions done', st.partitions ? `${st.partitions.done} of ${st.partitions.total}` : null],
        ['code', decl.code.join(', ')],
      ]),
    ),
  );
  if (decl.category === 'batch') sections.push(h('section', { class: 'card' }, h('h2', {}, 'Run it'), runForm({ selection: key, partitioned: Boolean(st.partitions) })));
  if (decl.contract) {
    sections.push(h('section', { class: 'card' }, h('h2', {}, 'Contract'), h('table', {}, h('thead', {}, h('tr', {}, h('th', {}, 'column'), h('th', {}, 'type'), h('th', {}, 'nullable'), h('th', {}, 'PII'))), h('tbody', {}, decl.contract.columns.map((c) => h('tr', {}, h('td', {}, c.name), h('td', {}, h('code', {}, c.type)), h('td', {}, c.nullable ? 'yes' : 'no'), h('td', {}, c.pii ? 'PII' : '')))))));
  }
  if (d.checks.length) {
    sections.push(h('section', { class: 'card' }, h('h2', {}, 'Checks'), h('table', {}, h('thead', {}, h('tr', {}, h('th', {}, 'check'), h('th', {}, 'type'), h('th', {}, 'blocking'), h('th', {}, 'last result'), h('th', {}, 'message'))),
      h('tbody', {}, d.checks.map((c) => h('tr', {}, h('td', {}, c.check), h('td', {}, c.type), h('td', {}, c.blocking ? 'yes' : 'warn'), h('td', {}, c.last ? badge(c.last.passed ? 'passed' : 'check_failed') : h('span', { class: 'muted' }, 'never run')), h('td', {}, c.last ? `${c.last.message}${c.last.partition ? ` [${c.last.partition}]` : ''}` : '')))))));
  }
  if (d.partitions) sections.push(h('section', { class: 'card', id: 'partitions' }, h('h2', {}, `Partitions (${d.partitions.total} in all)`), heatMap(d.partitions.cadence, d.partitions.cells)));
  if (d.plots.length) {
    sections.push(h('section', { class: 'card' }, h('h2', {}, 'Metadata over time'), h('p', { class: 'muted small' }, `from the last ${d.historyRuns} runs`), h('div', { class: 'charts' }, d.plots.map((p) => timeChart(p.title, p.series.map((x) => ({ name: x.name, points: x.points.map((pt) => ({ x: Date.parse(pt.at), y: pt.value })) })))))));
  }
  sections.push(
    h('section', { class: 'card' }, h('h2', {}, 'History'), d.history.length
      ? h('table', { id: 'history' }, h('thead', {}, h('tr', {}, h('th', {}, 'when'), h('th', {}, 'run'), h('th', {}, 'partitions'), h('th', {}, 'outcome'), h('th', {}, 'took'), h('th', {}, 'detail'))),
          h('tbody', {}, d.history.map((r) => h('tr', {}, h('td', {}, ago(r.at)), h('td', {}, h('a', { href: `#/run/${encodeURIComponent(r.runId)}` }, r.runId)), h('td', {}, r.partitions ?? '-'), h('td', {}, badge(r.outcome)), h('td', {}, duration(r.durationMs)), h('td', { class: 'detail' }, r.detail)))))
      : h('p', { class: 'muted' }, 'no materialization in the recent runs')),
  );
  main.replaceChildren(h('article', { class: 'asset-page' }, sections));
  main.setAttribute('data-rendered', 'asset');
}
