/** Materialize / backfill buttons: POST /api/runs, then follow the run's page. */
import { api, ApiError } from '../api';
import { h } from '../dom';

export function runForm(o: { selection: string; partitioned: boolean }): HTMLElement {
  const message = h('div', { class: 'feedback', role: 'status', 'aria-live': 'polite' });
  const from = h('input', { name: 'from', placeholder: 'from, e.g. 2026-01-01', 'aria-label': 'first partition' });
  const to = h('input', { name: 'to', placeholder: 'to (inclusive)', 'aria-label': 'last partition (inclusive)' });
  const force = h('input', { type: 'checkbox', name: 'force' });
  const start = async (body: Record<string, unknown>, button: HTMLButtonElement) => {
    button.disabled = true;
    message.className = 'feedback';
    message.textContent = 'starting…';
    try {
      const { runId } = await api.startRun({ ...body, selection: o.selection, force: force.checked });
      location.hash = `#/run/${encodeURIComponent(runId)}`;
    } catch (e) {
      message.className = 'feedback err';
      message.replaceChildren(h('pre', {}, e instanceof ApiError ? e.message : String(e)));
    } finally {
      button.disabled = false;
    }
  };
  const materialize = h('button', { type: 'button', class: 'primary', id: 'materialize', onclick: () => void start({ command: 'materialize' }, materialize) }, o.partitioned ? 'Materialize latest partition' : 'Materialize');
  const backfill = h('button', { type: 'button', id: 'backfill', onclick: () => void start({ command: 'backfill', from: from.value.trim(), to: to.value.trim() }, backfill) }, 'Backfill range');
  return h('div', { class: 'runform' },
    h('div', { class: 'row' }, materialize, h('label', {}, force, ' recompute even when up to date')),
    o.partitioned ? h('div', { class: 'row' }, from, to, backfill) : null,
    message,
  );
}
