/**
 * The graph page: every asset in a layered layout, coloured by state; the selection grammar in a
 * search box; groups that collapse into one node; pan (drag), zoom (wheel, +/-) and keyboard
 * navigation (arrows follow edges and layers, Enter opens). A list of the same assets is the
 * graph's text alternative.
 */
import { api, ApiError, type GraphNode } from '../api';
import { ago, badge, h, s } from '../dom';
import { layeredLayout, NODE_H, NODE_W } from '../layout';

const URGENCY = ['running', 'failed', 'check_failed', 'late', 'stale', 'missing', 'fresh', 'observed', 'service'];

/** What the page keeps between refreshes (live updates redraw without losing it). */
const state = {
  query: '',
  selected: null as Set<string> | null,
  collapsed: new Set<string>(),
  focus: null as string | null,
  view: null as { x: number; y: number; w: number; h: number } | null,
  list: false,
};

interface VisibleNode {
  readonly id: string;
  readonly label: string;
  readonly state: string;
  readonly members: readonly GraphNode[];
  readonly group: string | null;
}

/** Assets, with each collapsed group folded into one node drawn in its most urgent state. */
function visibleNodes(nodes: readonly GraphNode[]): { list: VisibleNode[]; edges: [string, string][]; idOf: Map<string, string> } {
  const idOf = new Map<string, string>();
  const byId = new Map<string, GraphNode[]>();
  for (const n of nodes) {
    const id = n.group && state.collapsed.has(n.group) ? `group:${n.group}` : n.key;
    idOf.set(n.key, id);
    (byId.get(id) ?? byId.set(id, []).get(id)!).push(n);
  }
  const list = [...byId].map(([id, members]) => ({
    id,
    label: id.startsWith('group:') ? `▸ ${members[0].group} (${members.length})` : id,
    state: URGENCY.find((u) => members.some((m) => m.state === u)) ?? 'missing',
    members,
    group: members[0].group,
  }));
  const seen = new Set<string>();
  const edges: [string, string][] = [];
  for (const n of nodes) {
    for (const d of n.deps) {
      const a = idOf.get(d);
      const b = idOf.get(n.key)!;
      if (!a || a === b || seen.has(`${a}\0${b}`)) continue;
      seen.add(`${a}\0${b}`);
      edges.push([a, b]);
    }
  }
  return { list, edges, idOf };
}

export async function renderGraph(main: HTMLElement, go: (hash: string) => void): Promise<void> {
  const t0 = performance.now();
  const data = await api.graph();
  const nodes = data.nodes;
  const groups = [...new Set(nodes.map((n) => n.group).filter((g): g is string => Boolean(g)))].sort();
  const counts = new Map<string, number>();
  for (const n of nodes) counts.set(n.state, (counts.get(n.state) ?? 0) + 1);

  const search = h('input', { id: 'select', type: 'search', placeholder: "select: e.g. +analytics/* or group:ml and not kind:vector-index", 'aria-label': 'Selection (the assets selection grammar)', value: state.query, autocomplete: 'off', spellcheck: 'false' });
  const feedback = h('div', { class: 'feedback', id: 'select-feedback', role: 'status', 'aria-live': 'polite' });
  const legend = h('div', { class: 'legend states', 'aria-label': 'States' }, URGENCY.filter((u) => counts.has(u)).map((u) => h('span', {}, badge(u), ` ${counts.get(u)}`)));
  const groupBox = h(
    'div',
    { class: 'groups' },
    groups.length ? h('span', { class: 'muted' }, 'Groups: ') : null,
    groups.map((g) =>
      h('label', {}, h('input', { type: 'checkbox', checked: !state.collapsed.has(g), 'data-group': g, onchange: (e: Event) => {
        if ((e.target as HTMLInputElement).checked) state.collapsed.delete(g);
        else state.collapsed.add(g);
        draw();
      } }), ` ${g}`),
    ),
    groups.length ? h('button', { type: 'button', onclick: () => { groups.forEach((g) => state.collapsed.add(g)); rerender(); } }, 'collapse all') : null,
    groups.length ? h('button', { type: 'button', onclick: () => { state.collapsed.clear(); rerender(); } }, 'expand all') : null,
  );
  const toggleList = h('button', { type: 'button', 'aria-pressed': String(state.list), onclick: () => { state.list = !state.list; rerender(); } }, state.list ? 'Show graph' : 'Show as list');
  const zoomIn = h('button', { type: 'button', 'aria-label': 'Zoom in', onclick: () => zoom(0.8) }, '+');
  const zoomOut = h('button', { type: 'button', 'aria-label': 'Zoom out', onclick: () => zoom(1.25) }, '−');
  const fitBtn = h('button', { type: 'button', onclick: () => fit() }, 'Fit');
  const canvas = h('div', { class: 'canvas' });
  const panel = h('aside', { class: 'panel', 'aria-live': 'polite' });
  main.replaceChildren(
    h('section', { class: 'graph-page' }, h('div', { class: 'toolbar' }, h('form', { class: 'selectform', onsubmit: (e: Event) => { e.preventDefault(); void applySelection(); } }, search, h('button', { type: 'submit' }, 'Select')), feedback, h('div', { class: 'tools' }, zoomIn, zoomOut, fitBtn, toggleList)), h('div', { class: 'toolbar2' }, legend, groupBox), h('div', { class: 'graph-body' }, canvas, panel)),
  );
  const rerender = () => void renderGraph(main, go);

  let svg: SVGSVGElement;
  let nodeEls = new Map<string, SVGGElement>();
  let layout: ReturnType<typeof layeredLayout>;
  let vis: ReturnType<typeof visibleNodes>;

  function setView(v: { x: number; y: number; w: number; h: number }) {
    state.view = v;
    svg.setAttribute('viewBox', `${v.x} ${v.y} ${v.w} ${v.h}`);
  }
  /** Shows the whole graph, but never so small that labels cannot be read (a phone shows part, and pans). */
  function fit() {
    const pxW = canvas.clientWidth || 800;
    const pxH = canvas.clientHeight || 500;
    const w = layout.width + 40;
    const hgt = layout.height + 40;
    const scale = Math.max(Math.min(pxW / w, pxH / hgt), Math.min(0.6, pxW / (NODE_W + 40)));
    const vw = pxW / scale;
    const vh = pxH / scale;
    // Centre the graph; when it is larger than the view, start at its left edge (the roots).
    setView({ x: vw >= w ? -20 - (vw - w) / 2 : -20, y: vh >= hgt ? -20 - (vh - hgt) / 2 : -20 + (hgt - vh) / 2, w: vw, h: vh });
  }
  function zoom(f: number, cx?: number, cy?: number) {
    const v = state.view!;
    const px = cx ?? v.x + v.w / 2;
    const py = cy ?? v.y + v.h / 2;
    setView({ x: px - (px - v.x) * f, y: py - (py - v.y) * f, w: v.w * f, h: v.h * f });
  }

  function showPanel(n: VisibleNode | undefined) {
    if (!n) {
      panel.replaceChildren(h('p', { class: 'muted' }, `${nodes.length} assets. Click an asset (or use the arrow keys) to see why it is in its state; Enter opens it. Updated ${ago(data.at)}.`));
      return;
    }
    if (n.id.startsWith('group:')) {
      panel.replaceChildren(h('h2', {}, `group ${n.group}`), h('p', {}, badge(n.state)), h('ul', {}, n.members.map((m) => h('li', {}, h('a', { href: `#/asset/${encodeURIComponent(m.key)}` }, m.key), ' ', badge(m.state)))), h('button', { type: 'button', onclick: () => { state.collapsed.delete(n.group!); rerender(); } }, 'expand group'));
      return;
    }
    const m = n.members[0];
    panel.replaceChildren(
      h('h2', {}, m.key),
      h('p', {}, badge(m.state), ' ', h('span', { class: 'muted' }, `${m.kind} · ${m.category}${m.group ? ` · group ${m.group}` : ''}`)),
      h('p', {}, `last materialized ${ago(m.lastMaterializedAt)}${m.partitions ? ` · ${m.partitions.done}/${m.partitions.total} partitions` : ''}`),
      m.reasons.length ? h('ul', { class: 'reasons' }, m.reasons.map((r) => h('li', {}, r))) : '',
      h('a', { class: 'button', href: `#/asset/${encodeURIComponent(m.key)}` }, 'Open asset'),
    );
  }

  function setFocus(id: string | null, scroll = true) {
    if (state.focus) nodeEls.get(state.focus)?.classList.remove('focus');
    state.focus = id;
    const el = id ? nodeEls.get(id) : undefined;
    el?.classList.add('focus');
    if (el && scroll) el.focus({ preventScroll: true });
    showPanel(vis.list.find((n) => n.id === id));
    // Keep the focused node in view.
    if (id && scroll && state.view) {
      const x = layout.x.get(id)!;
      const y = layout.y.get(id)!;
      const v = state.view;
      if (x < v.x || x + NODE_W > v.x + v.w || y < v.y || y + NODE_H > v.y + v.h) setView({ ...v, x: x + NODE_W / 2 - v.w / 2, y: y + NODE_H / 2 - v.h / 2 });
    }
  }

  function applyHighlight() {
    for (const [id, el] of nodeEls) {
      const n = vis.list.find((x) => x.id === id);
      const hit = !state.selected || Boolean(n?.members.some((m) => state.selected!.has(m.key)));
      el.classList.toggle('dim', !hit);
      el.classList.toggle('hit', Boolean(state.selected) && hit);
    }
  }

  async function applySelection() {
    state.query = search.value;
    feedback.textContent = '';
    feedback.className = 'feedback';
    if (!state.query.trim()) {
      state.selected = null;
      applyHighlight();
      return;
    }
    const t = performance.now();
    try {
      const { keys, problem } = await api.select(state.query);
      if (!keys) throw new Error(problem?.message ?? 'not a selection');
      state.selected = new Set(keys);
      applyHighlight();
      feedback.textContent = `${keys.length} of ${nodes.length} assets selected`;
      feedback.className = 'feedback ok';
      performance.measure('hw:select', { start: t, end: performance.now() });
      const first = keys[0] ? vis.idOf.get(keys[0]) : undefined;
      if (first && !state.list) setFocus(first);
    } catch (e) {
      feedback.className = 'feedback err';
      feedback.replaceChildren(h('pre', {}, e instanceof ApiError ? e.message : e instanceof Error ? e.message : String(e)));
    }
  }

  function draw() {
    vis = visibleNodes(nodes);
    if (state.list) {
      canvas.replaceChildren(
        h('table', { class: 'assets-list' }, h('caption', {}, `${nodes.length} assets, upstream first`), h('thead', {}, h('tr', {}, h('th', {}, 'asset'), h('th', {}, 'state'), h('th', {}, 'group'), h('th', {}, 'depends on'), h('th', {}, 'why'))),
          h('tbody', {}, nodes.filter((n) => !state.selected || state.selected.has(n.key)).map((n) => h('tr', {}, h('td', {}, h('a', { href: `#/asset/${encodeURIComponent(n.key)}` }, n.key)), h('td', {}, badge(n.state)), h('td', {}, n.group ?? ''), h('td', {}, n.deps.join(', ')), h('td', {}, n.reasons.join('; ')))))),
      );
      showPanel(undefined);
      return;
    }
    layout = layeredLayout({ ids: vis.list.map((n) => n.id), edges: vis.edges, rank: (id) => `${vis.list.find((n) => n.id === id)?.group ?? ''}\0${id}` });
    svg = s('svg', { class: 'graph', role: 'img', 'aria-label': `Asset graph: ${nodes.length} assets in ${layout.layers.length} layers; ${[...counts].map(([k, v]) => `${v} ${k.replace('_', ' ')}`).join(', ')}. The list view shows the same assets as a table.` });
    const edgeLayer = s('g', { class: 'edges' });
    const paths: string[] = [];
    for (const [a, b] of vis.edges) {
      const x1 = layout.x.get(a)! + NODE_W;
      const y1 = layout.y.get(a)! + NODE_H / 2;
      const x2 = layout.x.get(b)!;
      const y2 = layout.y.get(b)! + NODE_H / 2;
      const mx = (x1 + x2) / 2;
      paths.push(`M${x1},${y1}C${mx},${y1} ${mx},${y2} ${x2},${y2}`);
    }
    // One path for every edge: thousands of edges cost one DOM node.
    edgeLayer.append(s('path', { d: paths.join(''), fill: 'none' }));
    const nodeLayer = s('g', { class: 'nodes' });
    nodeEls = new Map();
    for (const n of vis.list) {
      const g = s('g', { class: `node st-${n.state}${n.id.startsWith('group:') ? ' group' : ''}`, transform: `translate(${layout.x.get(n.id)},${layout.y.get(n.id)})`, tabindex: -1, 'data-key': n.id, role: 'button', 'aria-label': `${n.label}: ${n.state.replace('_', ' ')}` },
        s('rect', { width: NODE_W, height: NODE_H, rx: 6 }),
        s('rect', { width: 8, height: NODE_H, rx: 3, class: 'stripe' }),
        s('text', { x: 14, y: NODE_H / 2 + 4 }, n.label.length > 27 ? `${n.label.slice(0, 26)}…` : n.label),
        s('title', {}, `${n.label}: ${n.state}`),
      );
      nodeEls.set(n.id, g);
      nodeLayer.append(g);
    }
    svg.append(edgeLayer, nodeLayer);
    canvas.replaceChildren(svg);
    if (state.view) setView(state.view);
    else fit();
    applyHighlight();
    setFocus(state.focus && nodeEls.has(state.focus) ? state.focus : null, false);
    wire();
  }

  function wire() {
    let drag: { x: number; y: number; vx: number; vy: number; moved: boolean } | null = null;
    svg.addEventListener('pointerdown', (e) => {
      drag = { x: e.clientX, y: e.clientY, vx: state.view!.x, vy: state.view!.y, moved: false };
    });
    svg.addEventListener('pointermove', (e) => {
      if (!drag) return;
      const scale = state.view!.w / svg.clientWidth;
      if (Math.abs(e.clientX - drag.x) + Math.abs(e.clientY - drag.y) > 3) drag.moved = true;
      if (drag.moved) setView({ ...state.view!, x: drag.vx - (e.clientX - drag.x) * scale, y: drag.vy - (e.clientY - drag.y) * scale });
    });
    svg.addEventListener('pointerup', (e) => {
      const wasDrag = drag?.moved;
      drag = null;
      if (wasDrag) return;
      const g = (e.target as Element).closest('g.node');
      if (g) setFocus(g.getAttribute('data-key'));
    });
    svg.addEventListener('dblclick', (e) => {
      const id = (e.target as Element).closest('g.node')?.getAttribute('data-key');
      if (id && !id.startsWith('group:')) go(`#/asset/${encodeURIComponent(id)}`);
    });
    svg.addEventListener('wheel', (e) => {
      e.preventDefault();
      const r = svg.getBoundingClientRect();
      const v = state.view!;
      zoom(e.deltaY > 0 ? 1.15 : 0.87, v.x + ((e.clientX - r.left) / r.width) * v.w, v.y + ((e.clientY - r.top) / r.height) * v.h);
    }, { passive: false });
  }

  function onKey(e: KeyboardEvent) {
    if (!main.contains(document.activeElement) && document.activeElement !== document.body) return;
    if (document.activeElement === search) return;
    if (e.key === '/') {
      e.preventDefault();
      search.focus();
      return;
    }
    if (state.list) return;
    if (e.key === '+' || e.key === '=') return zoom(0.8);
    if (e.key === '-') return zoom(1.25);
    if (e.key === '0') return fit();
    if (e.key === 'Escape') {
      search.value = '';
      void applySelection();
      return setFocus(null);
    }
    const cur = state.focus ?? vis.list[0]?.id;
    if (!cur) return;
    if (e.key === 'Enter' && state.focus && !state.focus.startsWith('group:')) return go(`#/asset/${encodeURIComponent(state.focus)}`);
    const li = layout.layerOf.get(cur)!;
    const layer = layout.layers[li];
    const i = layer.indexOf(cur);
    let next: string | undefined;
    if (!state.focus) next = cur;
    else if (e.key === 'ArrowDown') next = layer[i + 1];
    else if (e.key === 'ArrowUp') next = layer[i - 1];
    else if (e.key === 'ArrowRight') next = vis.edges.find(([a]) => a === cur)?.[1] ?? layout.layers[li + 1]?.[0];
    else if (e.key === 'ArrowLeft') next = vis.edges.find(([, b]) => b === cur)?.[0] ?? layout.layers[li - 1]?.[0];
    else return;
    e.preventDefault();
    if (next) setFocus(next);
  }
  document.onkeydown = onKey;

  draw();
  if (state.query) await applySelection();
  performance.measure('hw:graph-render', { start: t0, end: performance.now() });
  main.setAttribute('data-rendered', 'graph');
}
