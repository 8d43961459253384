/**
 * The single page of `assets ui`: routes on the URL hash, re-renders the current view when the
 * server says the run log changed, and shows errors in words instead of a blank page.
 */
import { api, ApiError, watchChanges } from './api';
import { h } from './dom';
import { renderAsset } from './views/asset';
import { renderAutomation } from './views/automation';
import { renderDashboard, renderDashboards } from './views/dashboard';
import { renderGraph } from './views/graph';
import { renderRun, renderRuns } from './views/runs';

const main = document.getElementById('main')!;
let rendering: Promise<void> | null = null;
let again = false;

function go(hash: string): void {
  location.hash = hash;
}

/** The view the hash names, and the nav entry it belongs to. */
function route(): { nav: string; render: () => Promise<void> } {
  const [, view = 'graph', ...rest] = location.hash.replace(/^#/, '').split('/');
  const arg = decodeURIComponent(rest.join('/'));
  switch (view) {
    case 'asset':
      return { nav: 'graph', render: () => renderAsset(main, arg) };
    case 'runs':
      return { nav: 'runs', render: () => renderRuns(main) };
    case 'run':
      return { nav: 'runs', render: () => renderRun(main, arg) };
    case 'dashboards':
      return { nav: 'dashboard', render: () => renderDashboards(main) };
    case 'dashboard':
      return { nav: 'dashboard', render: () => renderDashboard(main, arg) };
    case 'automation':
      return { nav: 'automation', render: () => renderAutomation(main) };
    default:
      return { nav: 'graph', render: () => renderGraph(main, go) };
  }
}

/** Renders the current view; a render asked for while one runs happens once, after it. */
async function render(): Promise<void> {
  if (rendering) {
    again = true;
    return;
  }
  const r = route();
  document.onkeydown = null;
  for (const a of document.querySelectorAll<HTMLAnchorElement>('[data-nav]')) a.toggleAttribute('aria-current', a.dataset.nav === r.nav);
  // Keep the reader's place when a live update redraws the same page.
  const y = window.scrollY;
  rendering = r.render().catch((e: unknown) => {
    main.replaceChildren(h('section', { class: 'card' }, h('h1', {}, 'Cannot show this page'), h('pre', { class: 'feedback err' }, e instanceof ApiError ? e.message : String(e)), h('a', { href: '#/graph' }, 'Back to the graph')));
    main.setAttribute('data-rendered', 'error');
  });
  await rendering;
  window.scrollTo(0, y);
  rendering = null;
  if (again) {
    again = false;
    await render();
  }
}

window.addEventListener('hashchange', () => {
  window.scrollTo(0, 0);
  void render();
});
watchChanges(() => void render(), document.getElementById('live'));
api.meta().then((m) => {
  document.getElementById('env')!.textContent = `env ${m.env} · ${m.assets} assets`;
}, () => undefined);
void render();
