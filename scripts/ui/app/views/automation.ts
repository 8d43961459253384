/** Automation: the last and next ticks and the runs they launched (once `assets automate` records ticks). */
import { api } from '../api';
import { h } from '../dom';

export async function renderAutomation(main: HTMLElement): Promise<void> {
  const a = await api.automation();
  main.replaceChildren(
    h('section', { class: 'card' }, h('h1', {}, 'Automation'),
      !a.available ? h('p', { class: 'muted' }, a.message) : null,
      a.next ? h('p', {}, `next tick ${a.next}`) : null,
      a.ticks.length ? h('table', {}, h('thead', {}, h('tr', {}, h('th', {}, 'tick'), h('th', {}, 'outcome'), h('th', {}, 'launched'))),
        h('tbody', {}, a.ticks.map((t) => h('tr', {}, h('td', {}, t.at), h('td', {}, t.outcome), h('td', {}, t.launched.map((l) => h('div', {}, h('a', { href: `#/run/${encodeURIComponent(l.runId)}` }, l.runId), ` ${l.selection}: ${l.reason}`))))))) : null,
    ),
  );
  main.setAttribute('data-rendered', 'automation');
}
