/**
 * bench:ui — `assets ui` at scale: a generated graph of 2,000 hourly assets whose run log holds
 * 1,000,000 materializations (500 hourly runs x 2,000 assets), written through the run log's own
 * API (`createRun`, `append`, `updateRun`) of the local environment, whatever store backs it.
 *
 *   statusQueryMs   GET /api/graph with a cold cache: the run log snapshot plus the CLI's status
 *                   (assetStatuses) of every asset and partition, as the server computes it
 *   statusQueryCpuMs  the CPU time of that request (the server runs in this process): the figure
 *                   that moves least when other work shares the machine
 *   statusWarmMs    the same request again (served from the cache until the run log changes)
 *   firstRenderMs   Chromium: navigation start to the graph drawn (2,000 nodes, every edge)
 *   selectMs        typing a selection and pressing Enter to the highlighted result
 *
 * Usage: npm run -s bench:ui -- [--json] [--assets 2000] [--materializations 1000000] [--no-browser] [--keep DIR]
 * (--keep generates the history into DIR once and reuses it while its size matches: the history
 * then ends when it was written, so its partitions read as late rather than fresh.)
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import {
  RunLogIndex,
  codeVersionOf,
  currentInputVersions,
  dataVersionOf,
  defineGraph,
  hourlyPartitions,
  partitionKey,
  type RunEvent,
} from '../../assets/core';
import { REFERENCE_KINDS } from '../../assets/kinds';
import { openEnvironment } from '../cli/run/environment';
import { startUiServer } from '../ui/server/ui-server';
import { generateLayeredAssets } from './generated-graph';

const { values } = parseArgs({
  options: {
    json: { type: 'boolean', default: false },
    assets: { type: 'string', default: '2000' },
    materializations: { type: 'string', default: '1000000' },
    'no-browser': { type: 'boolean', default: false },
    keep: { type: 'string' },
  },
});
const nAssets = Number(values.assets);
const hours = Math.max(1, Math.round(Number(values.materializations) / nAssets));
const log = (m: string) => {
  if (!values.json) process.stderr.write(`${m}\n`);
};

async function main() {
  const home = values.keep ? path.resolve(values.keep) : fs.mkdtempSync(path.join(os.tmpdir(), 'hw-bench-ui-'));
  process.env.HEADWATER_HOME = home;
  const kept = path.join(home, 'bench-ui.json');
  const reuse = values.keep && fs.existsSync(kept) ? (JSON.parse(fs.readFileSync(kept, 'utf8')) as { assets: number; hours: number; start: string }) : undefined;
  const reused = reuse?.assets === nAssets && reuse.hours === hours;
  // The history ends with the last complete hour, so the UI (which uses the clock) reads it as fresh.
  const hourMs = 3_600_000;
  const start = reused ? reuse.start : new Date(Math.floor(Date.now() / hourMs) * hourMs - hours * hourMs).toISOString().slice(0, 16);
  const partitions = hourlyPartitions({ start });
  const nowMs = Date.now();
  // Freshness on every asset, so status computes it at scale too.
  const graph = defineGraph(generateLayeredAssets({ assets: nAssets, partitions, kinds: ['glue-sql'] }).map((a) => ({ ...a, freshness: { maxLagMinutes: 120 } })), { kinds: REFERENCE_KINDS });
  /** Writes the history through the local run log's own API. */
  async function generate() {
    const env = await openEnvironment('local');
    const code = new Map(graph.keys.map((k) => [k, codeVersionOf(graph.get(k), () => undefined)]));
    // Versions as the engine records them, so the generated history reads as fresh, not as noise.
    const index = new RunLogIndex();
    for (let h = 0; h < hours; h++) {
      const p = partitionKey(partitions, h);
      const runId = `bench-${String(h).padStart(5, '0')}`;
      const at = new Date(Math.min(Date.now() - 1000, partitions.startMs + (h + 1) * hourMs + 60_000)).toISOString();
      await env.runLog.createRun({ runId, command: 'materialize', selection: '*', partitions: p, env: 'local', status: 'running', startedAt: at, owner: 'bench:0', stepsPlanned: nAssets });
      const events: RunEvent[] = [];
      for (const key of graph.keys) {
        const { versions, reads } = currentInputVersions(graph, key, p, index, nowMs);
        const e: RunEvent = { type: 'materialization', key, partition: p, runId, codeVersion: code.get(key)!, dataVersion: dataVersionOf(code.get(key)!, versions), inputs: versions, reads, metadata: { rows: 1000 + (h % 17) }, at };
        index.add(e);
        events.push(e);
      }
      await Promise.all(events.map((e) => env.runLog.append(e)));
      await env.runLog.updateRun(runId, { status: 'succeeded', endedAt: at });
      if (h % 50 === 0) log(`history: ${h}/${hours} runs`);
    }
    await env.close();
  }

  try {
    const t0 = performance.now();
    if (!reused) await generate();
    const generateMs = performance.now() - t0;
    log(reused ? `history reused from ${home}` : `history written in ${(generateMs / 1000).toFixed(1)} s`);
    if (values.keep && !reused) fs.writeFileSync(kept, JSON.stringify({ assets: nAssets, hours, start }));

    const server = await startUiServer({ graph, envName: 'local', pollMs: 60_000 });
    try {
      const get = async () => {
        const t = performance.now();
        const cpu = process.cpuUsage();
        const res = await fetch(`${server.url}/api/graph`);
        const body = (await res.json()) as { nodes: { state: string }[] };
        if (body.nodes.length !== nAssets) throw new Error(`expected ${nAssets} nodes, got ${body.nodes.length}`);
        const used = process.cpuUsage(cpu);
        return { ms: performance.now() - t, cpuMs: (used.user + used.system) / 1000, states: body.nodes.reduce<Record<string, number>>((m, n) => ((m[n.state] = (m[n.state] ?? 0) + 1), m), {}) };
      };
      const cold = await get();
      const warm = await get();
      let browser: { firstRenderMs: number; selectMs: number } | null = null;
      if (!values['no-browser']) browser = await measureBrowser(server.url, `+${graph.keys[Math.floor(nAssets / 2)]}+`);
      const rss = process.memoryUsage().rss;
      const result = {
        assets: nAssets,
        materializations: hours * nAssets,
        runs: hours,
        generateMs: reused ? null : Math.round(generateMs),
        statusQueryMs: Math.round(cold.ms),
        statusQueryCpuMs: Math.round(cold.cpuMs),
        statusWarmMs: Math.round(warm.ms),
        firstRenderMs: browser ? Math.round(browser.firstRenderMs) : null,
        selectMs: browser ? Math.round(browser.selectMs) : null,
        states: cold.states,
        serverRssMb: Math.round(rss / 1048576),
      };
      if (!values.json) log(JSON.stringify(result, null, 2));
      process.stdout.write(JSON.stringify(result) + '\n');
    } finally {
      await server.close();
    }
  } finally {
    if (!values.keep) fs.rmSync(home, { recursive: true, force: true });
  }
}

/** Loads the graph page in Chromium (cache warm, as a person opening it sees it), then selects. */
async function measureBrowser(url: string, selection: string): Promise<{ firstRenderMs: number; selectMs: number }> {
  const { chromium } = await import('playwright-core');
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'hw-bench-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.HEADWATER_CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  try {
    const page = await context.newPage();
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.goto(url);
    await page.waitForSelector('main[data-rendered="graph"]', { timeout: 120_000 });
    // Navigation start to the end of the first graph render (fetch, layout and drawing included).
    const firstRenderMs = (await page.evaluate(`(() => { const m = performance.getEntriesByName('hw:graph-render')[0]; return m.startTime + m.duration; })()`)) as number;
    await page.fill('#select', selection);
    await page.press('#select', 'Enter');
    await page.waitForSelector('#select-feedback.ok');
    const selectMs = (await page.evaluate(`performance.getEntriesByName('hw:select')[0].duration`)) as number;
    return { firstRenderMs, selectMs };
  } finally {
    await context.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
  process.exitCode = 1;
});
