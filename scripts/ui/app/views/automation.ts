/** Automation: the last and next ticks (as `assets status` reports them) and what each tick launched, and why. */
import { api } from '../api';
import { ago, badge, h } from '../dom';

export async function renderAutomation(main: HTMLElement): Promise<void> {
  const { status: a, ticks } = await api.automation();
  const next = a.nextTickAt ? (a.daemonRunning ? `next tick by ${a.nextTickAt}` : `the daemon meant to tick by ${a.nextTickAt} and has not: it is not running (start it with \`assets automate\`)`) : null;
  const row = (t: (typeof ticks)[number]) =>
    h('tr', {},
      h('td', {}, t.at),
      h('td', {}, badge(t.status === 'ok' ? 'succeeded' : 'failed'), t.error ? ` ${t.error}` : ''),
      h('td', {}, String(t.evaluated)),
      h('td', {}, t.requests.length ? t.requests.map((r) => h('div', {}, h('a', { href: `#/run/${encodeURIComponent(r.runId)}` }, r.runId), ` ${r.keys.join(', ')}: ${Object.values(r.reasons).flat().join('; ')}`)) : h('span', { class: 'muted' }, 'nothing to do')),
    );
  const table = h('table', { id: 'ticks' }, h('thead', {}, h('tr', {}, h('th', {}, 'tick'), h('th', {}, 'outcome'), h('th', {}, 'evaluated'), h('th', {}, 'launched, and why'))), h('tbody', {}, ticks.map(row)));
  main.replaceChildren(
    h('section', { class: 'card' }, h('h1', {}, 'Automation'),
      h('p', {}, a.automated ? `${a.automated} asset(s) declare an automation condition.` : 'No asset declares an automation condition.'),
      a.lastTick ? h('p', { id: 'last-tick' }, `last tick ${a.lastTick.at} (${ago(a.lastTick.at)}) by ${a.lastTick.owner}: `, badge(a.lastTick.status === 'ok' ? 'succeeded' : 'failed'), a.lastTick.error ? ` ${a.lastTick.error}` : '') : a.automated ? h('p', { class: 'muted' }, 'No tick yet: start the daemon with `assets automate`.') : null,
      next ? h('p', { class: a.daemonRunning ? '' : 'feedback err' }, next) : null,
      a.nextCron ? h('p', { id: 'next-cron' }, `next cron tick ${a.nextCron.at} for ${a.nextCron.keys.join(', ')}`) : null,
    ),
    ticks.length ? h('section', { class: 'card' }, h('h2', {}, 'Recent ticks'), table) : h('span'),
  );
  main.setAttribute('data-rendered', 'automation');
}
