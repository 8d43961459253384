/** Runs: the list, and one run as a Gantt timeline of its steps with its events; resume when it stopped. */
import { api, ApiError } from '../api';
import { gantt } from '../charts';
import { ago, badge, duration, h } from '../dom';

const took = (r: { startedAt: string; endedAt?: string; status: string }) => (r.endedAt ? duration(Date.parse(r.endedAt) - Date.parse(r.startedAt)) : r.status === 'running' ? 'running' : '-');

export async function renderRuns(main: HTMLElement): Promise<void> {
  const { runs } = await api.runs(100);
  main.replaceChildren(
    h('section', { class: 'card' }, h('h1', {}, 'Runs'), runs.length
      ? h('table', { id: 'runs' }, h('thead', {}, h('tr', {}, h('th', {}, 'run'), h('th', {}, 'status'), h('th', {}, 'command'), h('th', {}, 'selection'), h('th', {}, 'partitions'), h('th', {}, 'started'), h('th', {}, 'took'))),
          h('tbody', {}, runs.map((r) => h('tr', {}, h('td', {}, h('a', { href: `#/run/${encodeURIComponent(r.runId)}` }, r.runId)), h('td', {}, badge(r.status)), h('td', {}, r.command), h('td', {}, h('code', {}, r.selection)), h('td', {}, r.partitions), h('td', {}, ago(r.startedAt)), h('td', {}, took(r))))))
      : h('p', { class: 'muted' }, 'No runs yet. Open an asset and materialize it, or run `assets materialize <selection>`.')),
  );
  main.setAttribute('data-rendered', 'runs');
}

export async function renderRun(main: HTMLElement, id: string): Promise<void> {
  const d = await api.run(id);
  const r = d.run;
  const now = Date.now();
  const bars = d.bars.map((b) => ({
    label: `${b.key}${b.partitions ? ` [${b.partitions}]` : ''}`,
    start: Date.parse(b.startedAt ?? b.plannedAt),
    end: b.endedAt ? Date.parse(b.endedAt) : b.outcome === 'running' ? now : Date.parse(b.startedAt ?? b.plannedAt),
    state: b.outcome,
    detail: b.detail,
  }));
  const message = h('div', { class: 'feedback', role: 'status' });
  const resume = d.resumable
    ? h('button', { type: 'button', class: 'primary', id: 'resume', onclick: async () => {
        try {
          const { runId } = await api.startRun({ command: 'resume', resume: r.runId });
          location.hash = `#/run/${encodeURIComponent(runId)}`;
        } catch (e) {
          message.className = 'feedback err';
          message.replaceChildren(h('pre', {}, e instanceof ApiError ? e.message : String(e)));
        }
      } }, 'Resume this run')
    : null;
  main.replaceChildren(
    h('article', { class: 'run-page' },
      h('header', { class: 'page-head' }, h('h1', {}, `Run ${r.runId}`), h('span', { id: 'run-status' }, badge(r.status)), resume),
      h('p', { class: 'muted' }, `${r.command} ${r.selection} [${r.partitions}] · env ${r.env} · started ${r.startedAt} by ${r.owner} · took ${took(r)}${r.resumeOf ? ` · resumes ${r.resumeOf}` : ''}`),
      r.error ? h('pre', { class: 'feedback err' }, r.error) : null,
      d.outcome?.message ? h('pre', { class: `feedback ${d.outcome.exitCode ? 'err' : ''}` }, d.outcome.message) : null,
      message,
      h('section', { class: 'card' }, h('h2', {}, 'Timeline'), bars.length ? gantt(bars) : h('p', { class: 'muted' }, 'no steps yet')),
      h('section', { class: 'card' }, h('h2', {}, 'Steps'), h('table', { id: 'steps' }, h('thead', {}, h('tr', {}, h('th', {}, 'step'), h('th', {}, 'partitions'), h('th', {}, 'state'), h('th', {}, 'took'), h('th', {}, 'detail'))),
        h('tbody', {}, d.bars.map((b) => h('tr', {}, h('td', {}, h('a', { href: `#/asset/${encodeURIComponent(b.key)}` }, b.key)), h('td', {}, b.partitions ?? '-'), h('td', {}, badge(b.outcome)), h('td', {}, b.startedAt && b.endedAt ? duration(Date.parse(b.endedAt) - Date.parse(b.startedAt)) : '-'), h('td', { class: 'detail' }, b.detail)))))),
      d.checks.length ? h('section', { class: 'card' }, h('h2', {}, 'Checks'), h('table', {}, h('tbody', {}, d.checks.map((c) => h('tr', {}, h('td', {}, `${c.key} ${c.check}`), h('td', {}, c.partition ?? '-'), h('td', {}, badge(c.passed ? 'passed' : 'check_failed')), h('td', {}, c.message)))))) : null,
      h('section', { class: 'card' }, h('details', {}, h('summary', {}, `Events (${d.events.length})`), h('table', { class: 'events' }, h('tbody', {}, d.events.map((e) => h('tr', {}, h('td', {}, e.at.slice(11, 23)), h('td', {}, e.type), h('td', {}, e.key), h('td', {}, e.partitions ?? ''))))))),
    ),
  );
  main.setAttribute('data-rendered', 'run');
}
