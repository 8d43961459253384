/**
 * Hand-written SVG charts: time series, heat maps, Gantt bars. Each chart carries a text
 * alternative: an aria-label summary and a data table under "Data" for screen readers and copying.
 */
import { fmt, h, s } from './dom';

export interface Series {
  readonly name: string;
  readonly points: readonly { readonly x: number; readonly y: number }[];
}

const PALETTE = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2', '#64748b', '#ca8a04'];

const timeLabel = (ms: number, spanMs: number): string => {
  const iso = new Date(ms).toISOString();
  return spanMs > 3 * 86_400_000 ? iso.slice(5, 10) : spanMs > 86_400_000 ? `${iso.slice(5, 10)} ${iso.slice(11, 16)}` : iso.slice(11, 16);
};

/** Nice round ticks between lo and hi. */
function ticks(lo: number, hi: number, n = 4): number[] {
  if (hi === lo) return [lo];
  const raw = (hi - lo) / n;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((st) => st >= raw) ?? raw;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-9; v += step) out.push(v);
  return out;
}

/** A line chart over time (x in epoch ms) with a legend and a data table. */
export function timeChart(title: string, series: readonly Series[], opts: { unit?: string; bars?: boolean } = {}): HTMLElement {
  const W = 640;
  const H = 220;
  const M = { l: 62, r: 12, t: 10, b: 28 };
  const all = series.flatMap((x) => x.points);
  const fig = h('figure', { class: 'chart' }, h('figcaption', {}, title));
  if (!all.length) {
    fig.append(h('p', { class: 'muted' }, 'no data yet'));
    return fig;
  }
  const xs = all.map((p) => p.x);
  const ys = all.map((p) => p.y);
  let x0 = Math.min(...xs);
  let x1 = Math.max(...xs);
  if (x0 === x1) {
    x0 -= 3_600_000;
    x1 += 3_600_000;
  }
  // Bars are centred on their time: leave half a bar's room at each end so none covers the axis.
  const barCount = Math.max(1, ...series.map((x) => x.points.length));
  const barBand = (x1 - x0) / Math.max(1, barCount - 1);
  if (opts.bars) {
    x0 -= barBand / 2;
    x1 += barBand / 2;
  }
  const y0 = Math.min(0, ...ys);
  const y1 = Math.max(...ys) * 1.05 || 1;
  const X = (v: number) => M.l + ((v - x0) / (x1 - x0)) * (W - M.l - M.r);
  const Y = (v: number) => H - M.b - ((v - y0) / (y1 - y0)) * (H - M.t - M.b);
  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': `${title}: ${series.map((x) => `${x.name} from ${fmt(x.points[0]?.y ?? 0)} to ${fmt(x.points[x.points.length - 1]?.y ?? 0)}`).join('; ')}` });
  for (const t of ticks(y0, y1)) {
    svg.append(s('line', { x1: M.l, x2: W - M.r, y1: Y(t), y2: Y(t), class: 'grid' }), s('text', { x: M.l - 6, y: Y(t) + 4, 'text-anchor': 'end', class: 'tick' }, fmt(t)));
  }
  const span = x1 - x0;
  for (let i = 0; i <= 4; i++) {
    const v = x0 + (span * i) / 4;
    svg.append(s('text', { x: X(v), y: H - 8, 'text-anchor': i === 0 ? 'start' : i === 4 ? 'end' : 'middle', class: 'tick' }, timeLabel(v, span)));
  }
  series.forEach((ser, i) => {
    const colour = PALETTE[i % PALETTE.length];
    if (opts.bars && series.length === 1) {
      const bw = Math.max(2, ((W - M.l - M.r) / (barCount + 0.0001)) * 0.7);
      for (const p of ser.points) svg.append(s('rect', { x: X(p.x) - bw / 2, y: Y(p.y), width: bw, height: Math.max(0, Y(y0) - Y(p.y)), fill: colour }, s('title', {}, `${new Date(p.x).toISOString().slice(0, 16)}: ${fmt(p.y)}`)));
      return;
    }
    const d = ser.points.map((p, j) => `${j ? 'L' : 'M'}${X(p.x).toFixed(1)},${Y(p.y).toFixed(1)}`).join('');
    svg.append(s('path', { d, fill: 'none', stroke: colour, 'stroke-width': 2 }));
    if (ser.points.length <= 60) for (const p of ser.points) svg.append(s('circle', { cx: X(p.x), cy: Y(p.y), r: 2.5, fill: colour }, s('title', {}, `${ser.name} ${new Date(p.x).toISOString().slice(0, 16)}: ${fmt(p.y)}`)));
  });
  fig.append(svg);
  if (series.length > 1) fig.append(h('div', { class: 'legend' }, series.map((ser, i) => h('span', {}, h('i', { style: `background:${PALETTE[i % PALETTE.length]}` }), ser.name))));
  fig.append(dataTable(series, opts.unit));
  return fig;
}

/** The chart's numbers as a table (its text alternative). */
function dataTable(series: readonly Series[], unit?: string): HTMLElement {
  const times = [...new Set(series.flatMap((x) => x.points.map((p) => p.x)))].sort((a, b) => a - b);
  const byName = series.map((x) => new Map(x.points.map((p) => [p.x, p.y])));
  return h(
    'details',
    { class: 'data' },
    h('summary', {}, 'Data'),
    h(
      'table',
      {},
      h('thead', {}, h('tr', {}, h('th', {}, 'time (UTC)'), series.map((x) => h('th', {}, `${x.name}${unit ? ` (${unit})` : ''}`)))),
      h('tbody', {}, times.map((t) => h('tr', {}, h('td', {}, new Date(t).toISOString().slice(0, 16).replace('T', ' ')), byName.map((m) => h('td', { class: 'num' }, m.has(t) ? fmt(m.get(t)!) : ''))))),
    ),
  );
}

export interface HeatCell {
  readonly key: string;
  readonly state: string;
  readonly detail: string;
}

/** Partitions as a grid: one row per day (hourly) or week (daily), oldest at the top. */
export function heatMap(cadence: string, cells: readonly HeatCell[]): HTMLElement {
  const perRow = cadence === 'hourly' ? 24 : cadence === 'daily' ? 7 : 12;
  const rows: HeatCell[][] = [];
  // Align hourly rows on days and daily rows on weeks: pad the first row.
  const pad = cadence === 'hourly' ? Number(cells[0]?.key.slice(11, 13) ?? 0) : cadence === 'daily' && cells[0] ? (new Date(`${cells[0].key}T00:00Z`).getUTCDay() + 6) % 7 : 0;
  const padded: (HeatCell | null)[] = [...Array<null>(pad).fill(null), ...cells];
  for (let i = 0; i < padded.length; i += perRow) rows.push(padded.slice(i, i + perRow).filter(Boolean) as HeatCell[]);
  const C = 14;
  const labelW = 84;
  const W = labelW + perRow * (C + 2);
  const H = rows.length * (C + 2) + 16;
  const counts = new Map<string, number>();
  for (const c of cells) counts.set(c.state, (counts.get(c.state) ?? 0) + 1);
  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, class: 'heat', role: 'img', 'aria-label': `${cells.length} newest partitions: ${[...counts].map(([k, n]) => `${n} ${k}`).join(', ')}` });
  if (cadence === 'hourly') for (const hr of [0, 6, 12, 18]) svg.append(s('text', { x: labelW + hr * (C + 2), y: 10, class: 'tick' }, `${String(hr).padStart(2, '0')}h`));
  let k = 0;
  rows.forEach((row, ri) => {
    const y = 14 + ri * (C + 2);
    const first = row[0];
    svg.append(s('text', { x: 0, y: y + C - 3, class: 'tick' }, cadence === 'hourly' ? first.key.slice(0, 10) : first.key));
    const offset = ri === 0 ? pad : 0;
    row.forEach((c, ci) => {
      svg.append(s('rect', { x: labelW + (ci + offset) * (C + 2), y, width: C, height: C, rx: 2, class: `cell st-${c.state}`, 'data-partition': c.key }, s('title', {}, `${c.key}: ${c.state}. ${c.detail}`)));
      k++;
    });
  });
  return h('div', { class: 'heatwrap' }, svg, h('p', { class: 'muted small' }, `${k} newest partitions: ${[...counts].map(([st, n]) => `${n} ${st}`).join(', ')}`));
}

export interface Bar {
  readonly label: string;
  readonly start: number;
  readonly end: number;
  readonly state: string;
  readonly detail: string;
}

/** A run's steps as bars on a shared time axis. */
export function gantt(bars: readonly Bar[]): HTMLElement {
  const W = 900;
  const rowH = 22;
  const labelW = 300;
  const t0 = Math.min(...bars.map((b) => b.start));
  const t1 = Math.max(t0 + 1, ...bars.map((b) => b.end));
  const X = (t: number) => labelW + ((t - t0) / (t1 - t0)) * (W - labelW - 10);
  const H = bars.length * rowH + 24;
  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, class: 'gantt', role: 'img', 'aria-label': `Timeline of ${bars.length} steps over ${((t1 - t0) / 1000).toFixed(1)} s` });
  for (let i = 0; i <= 4; i++) {
    const t = t0 + ((t1 - t0) * i) / 4;
    svg.append(s('line', { x1: X(t), x2: X(t), y1: 0, y2: H - 18, class: 'grid' }), s('text', { x: X(t), y: H - 4, 'text-anchor': i === 0 ? 'start' : i === 4 ? 'end' : 'middle', class: 'tick' }, `+${((t - t0) / 1000).toFixed(1)}s`));
  }
  bars.forEach((b, i) => {
    const y = i * rowH + 2;
    svg.append(
      s('text', { x: 0, y: y + 14, class: 'tick' }, b.label.length > 44 ? `${b.label.slice(0, 43)}…` : b.label),
      s('rect', { x: X(b.start), y, width: Math.max(3, X(b.end) - X(b.start)), height: rowH - 6, rx: 3, class: `bar st-${b.state}` }, s('title', {}, `${b.label}: ${b.state}, ${((b.end - b.start) / 1000).toFixed(1)} s. ${b.detail}`)),
    );
  });
  return h('div', { class: 'ganttwrap' }, svg);
}
