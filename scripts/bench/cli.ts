/**
 * bench:cli — how fast the compiled `assets` CLI answers as the run log grows.
 *
 * For each history it generates a run log through the run log's own API (LocalRunLog: runs,
 * step events, materializations, checks, observations, exactly the shapes the engine writes, with
 * data versions computed as the engine computes them, so the latest state is up to date), then
 * times the compiled bin as a user runs it, each command a fresh process:
 *
 *   helpMs                 assets --help
 *   statusMs               assets status
 *   runsMs                 assets runs
 *   planMs                 assets plan <every batch asset>
 *   upToDateMaterializeMs  assets materialize <the non-hourly batch assets with no source dep>: all up to date
 *
 * Wall times are medians of --repeat runs; cpuMs gives each command's user + system CPU time too,
 * which moves less than wall time when other work shares the machine.
 * plus runs, materializations, runLogBytes, bytesPerMaterialization and peakRssMb (the largest
 * resident set of those processes). Histories: `demo` (5 runs of the whole graph, the demo's size),
 * `runs30k` (30,000 runs: hourly assets each hour, the daily chain each day: an hourly automation
 * over years) and `mats1m` (10,530 runs, 95% of them backfills of 100 materializations: 1,000,000).
 *
 * Usage: npm run -s bench:cli -- [--json] [--histories demo,runs30k,mats1m] [--repeat 3] [--keep DIR]
 * (--keep generates into DIR/<history> once and reuses it later.)
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import graph from '../../assets';
import {
  categoryOf,
  checkName,
  codeVersionOf,
  currentInputVersions,
  dataVersionOf,
  describeRequest,
  partitionCount,
  partitionKey,
  plan,
  planRuns,
  RunLogIndex,
  runPartitionKeys,
  type AssetKey,
  type PartitionRequest,
  type RunEvent,
} from '../../assets/core';
import { readRepoFile } from '../../jobs/engine/repo-files';
import { LocalRunLog } from '../../jobs/embedded/runlog';

const { values } = parseArgs({
  options: {
    json: { type: 'boolean', default: false },
    histories: { type: 'string', default: 'demo,runs30k,mats1m' },
    repeat: { type: 'string', default: '3' },
    keep: { type: 'string' },
  },
});
const repeat = Math.max(1, Number(values.repeat));
const repo = path.resolve(__dirname, '..', '..');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const bin = path.join(repo, (require('../../package.json') as { bin: { assets: string } }).bin.assets);

const nowMs = Date.now();
const HOUR = 3_600_000;
const batch = graph.keys.filter((k) => categoryOf(graph.get(k), graph.kinds) === 'batch');
const isHourly = (k: AssetKey) => {
  const p = graph.get(k).partitions;
  return p?.type === 'time' && p.cadence === 'hourly';
};
const hourly = batch.filter(isHourly);
const daily = batch.filter((k) => !isHourly(k));
const hasSourceDep = (k: AssetKey) => graph.get(k).deps.some((d) => graph.get(d.key).source);
/** What the up-to-date materialize asks for: no source to observe, no partition that turns over within the hour. */
const upToDateSelection = daily.filter((k) => !hasSourceDep(k));
const hourlyDef = graph.get(hourly[0]).partitions!;
const hoursAvailable = partitionCount(hourlyDef, nowMs);

const codeVersions = new Map(batch.map((k) => [k, codeVersionOf(graph.get(k), readRepoFile)]));

/** Writes one run as the engine would: planned, started, materialization(s), checks, succeeded. */
async function writeRun(log: LocalRunLog, index: RunLogIndex, runId: string, keys: readonly AssetKey[], request: PartitionRequest, startedMs: number): Promise<number> {
  const p = plan(graph, keys, request, nowMs);
  const runs = [...planRuns(p)];
  const startedAt = new Date(startedMs).toISOString();
  await log.createRun({ runId, command: request.type === 'range' ? 'backfill' : 'materialize', selection: keys.join(' or '), partitions: describeRequest(request), env: 'local', status: 'running', startedAt, owner: `bench:${process.pid}`, stepsPlanned: p.runCount });
  const events: RunEvent[] = [];
  let at = startedMs;
  const stamp = () => new Date((at += 7)).toISOString();
  for (const r of runs) events.push({ type: 'step_planned', runId, key: r.step.key, partitions: runPartitionKeys(graph, r), at: stamp() });
  let mats = 0;
  // The engine observes each source once per run, however many steps read it.
  const observed = new Set<AssetKey>();
  for (const r of runs) {
    const key = r.step.key;
    const asset = graph.get(key);
    const parts = runPartitionKeys(graph, r);
    for (const d of asset.deps.filter((x) => graph.get(x.key).source && !observed.has(x.key))) {
      observed.add(d.key);
      const obs: RunEvent = { type: 'observation', runId, key: d.key, dataVersion: `obs-${d.key}`, metadata: { rows: 1000 }, at: stamp() };
      events.push(obs);
      index.add(obs);
    }
    events.push({ type: 'step_started', runId, key, partitions: parts, at: stamp() });
    for (const partition of parts ?? [null]) {
      const { versions: inputs, reads } = currentInputVersions(graph, key, partition, index, nowMs);
      const m: RunEvent = { type: 'materialization', key, partition, runId, codeVersion: codeVersions.get(key)!, dataVersion: dataVersionOf(codeVersions.get(key)!, inputs), inputs, reads, metadata: { rows: 5000, bytes: 180_000 }, at: stamp() };
      events.push(m);
      index.add(m);
      mats++;
    }
    for (const c of asset.checks ?? []) {
      const check: RunEvent = { type: 'check_evaluated', key, partition: parts ? parts[parts.length - 1] : null, runId, check: checkName(c), passed: true, blocking: c.blocking ?? true, message: 'ok', at: stamp() };
      events.push(check);
      index.add(check);
    }
    events.push({ type: 'step_succeeded', runId, key, partitions: parts, durationMs: 1200, metadata: { rows: 5000, bytes: 180_000, durationMs: 1200 }, at: stamp() });
  }
  // One group commit per run, as a run's concurrent steps share commits.
  await Promise.all(events.map((e) => log.append(e)));
  await log.updateRun(runId, { status: 'succeeded', endedAt: new Date(at).toISOString() });
  return mats;
}

const hourKey = (h: number) => partitionKey(hourlyDef, h % hoursAvailable);
/** The first hour of backfill run i's 50-hour window, cycling over the hours that exist. */
const window50 = (i: number) => (i * 50) % (hoursAvailable - 50);
const id = (i: number) => `bench-${String(i).padStart(7, '0')}`;

/** The run schedules, oldest run first. `write` returns materializations written. */
const HISTORIES: Record<string, { runs: number; write: (log: LocalRunLog, index: RunLogIndex, i: number, startedMs: number) => Promise<number> }> = {
  demo: { runs: 5, write: (log, index, i, t) => writeRun(log, index, id(i), batch, { type: 'latest' }, t) },
  runs30k: {
    runs: 30_000,
    write: (log, index, i, t) =>
      i % 24 === 23 ? writeRun(log, index, id(i), daily, { type: 'latest' }, t) : writeRun(log, index, id(i), hourly, { type: 'range', from: hourKey(i), to: hourKey(i) }, t),
  },
  mats1m: {
    // 95% of runs write 100 materializations: 10,530 runs make just over 1,000,000.
    runs: 10_530,
    // 50 hours of each hourly asset a run; every 20th run the daily chain instead.
    write: (log, index, i, t) =>
      i % 20 === 19 ? writeRun(log, index, id(i), daily, { type: 'latest' }, t) : writeRun(log, index, id(i), hourly, { type: 'range', from: hourKey(window50(i)), to: hourKey(window50(i) + 49) }, t),
  },
};

async function generate(name: string, dir: string): Promise<{ runs: number; materializations: number; genMs: number }> {
  const t0 = performance.now();
  const log = new LocalRunLog(path.join(dir, 'runlog'), { durable: false });
  const index = new RunLogIndex();
  const h = HISTORIES[name];
  let mats = 0;
  // Spaced an hour apart, ending now; the last run brings the daily chain up to date.
  for (let i = 0; i < h.runs; i++) {
    mats += await h.write(log, index, i, nowMs - (h.runs + 1 - i) * HOUR);
    if (!values.json && i % 2000 === 1999) process.stderr.write(`  ${name}: ${i + 1} runs, ${mats} materializations\n`);
  }
  mats += await writeRun(log, index, id(h.runs), daily, { type: 'latest' }, nowMs - HOUR / 2);
  await log.close();
  return { runs: h.runs + 1, materializations: mats, genMs: performance.now() - t0 };
}

/**
 * Runs the compiled CLI `repeat` times: the median wall time, the median CPU time (user + system:
 * what the command costs, less sensitive than wall time to other load on the machine) and the
 * largest resident set.
 */
function timeCli(home: string, args: readonly string[]): { ms: number; cpuMs: number; rssMb: number; code: number | null } {
  const times: number[] = [];
  const cpu: number[] = [];
  let rssKb = 0;
  let code: number | null = 0;
  for (let i = 0; i < repeat; i++) {
    const t0 = performance.now();
    const r = spawnSync('/usr/bin/time', ['-f', 'peak-rss-kb %M cpu-s %U %S', process.execPath, bin, ...args], { cwd: repo, encoding: 'utf8', env: { ...process.env, HEADWATER_HOME: home, NO_COLOR: '1' } });
    times.push(performance.now() - t0);
    code = r.status;
    const m = /peak-rss-kb (\d+)/.exec(r.stderr);
    if (m) rssKb = Math.max(rssKb, Number(m[1]));
    const c = /cpu-s ([\d.]+) ([\d.]+)/.exec(r.stderr);
    if (c) cpu.push((Number(c[1]) + Number(c[2])) * 1000);
    if (r.status !== 0 && i === 0) process.stderr.write(`  assets ${args.join(' ')} exited ${r.status}: ${r.stderr.split('\n').slice(0, 3).join(' ')}\n`);
  }
  const median = (xs: number[]) => Math.round([...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN);
  return { ms: median(times), cpuMs: median(cpu), rssMb: Math.round(rssKb / 1024), code };
}

async function main(): Promise<void> {
  const build = spawnSync(process.execPath, [path.join(repo, 'scripts', 'build.mjs'), '--quiet'], { cwd: repo, encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`npm run build failed: ${build.stderr}`);
  const names = values.histories.split(',').map((s) => s.trim());
  for (const n of names) if (!HISTORIES[n]) throw new Error(`unknown history '${n}'; pick from ${Object.keys(HISTORIES).join(', ')}`);
  const results: Record<string, unknown> = {};
  for (const name of names) {
    const home = values.keep ? path.resolve(values.keep, name) : fs.mkdtempSync(path.join(os.tmpdir(), `hw-bench-cli-${name}-`));
    try {
      const reuse = values.keep && fs.existsSync(path.join(home, 'generated.json'));
      const gen = reuse ? (JSON.parse(fs.readFileSync(path.join(home, 'generated.json'), 'utf8')) as Awaited<ReturnType<typeof generate>>) : await generate(name, home);
      if (values.keep && !reuse) fs.writeFileSync(path.join(home, 'generated.json'), JSON.stringify(gen));
      const help = timeCli(home, ['--help']);
      const status = timeCli(home, ['status']);
      const runs = timeCli(home, ['runs']);
      const planned = timeCli(home, ['plan', batch.join(' or ')]);
      const upToDate = timeCli(home, ['materialize', upToDateSelection.join(' or ')]);
      // Measured after the commands: the size the user has on disk (WAL folded in by the last close).
      const log = new LocalRunLog(path.join(home, 'runlog'));
      const stats = await log.stats();
      await log.close();
      const failed = [help, status, runs, planned, upToDate].some((r) => r.code !== 0);
      results[name] = {
        helpMs: help.ms,
        statusMs: status.ms,
        runsMs: runs.ms,
        planMs: planned.ms,
        upToDateMaterializeMs: upToDate.ms,
        runs: stats.runs,
        materializations: stats.materializations,
        runLogBytes: stats.bytes,
        bytesPerMaterialization: Math.round(stats.bytes! / Math.max(1, stats.materializations!)),
        cpuMs: { help: help.cpuMs, status: status.cpuMs, runs: runs.cpuMs, plan: planned.cpuMs, upToDateMaterialize: upToDate.cpuMs },
        peakRssMb: Math.max(help.rssMb, status.rssMb, runs.rssMb, planned.rssMb, upToDate.rssMb),
        generateMs: Math.round(gen.genMs),
        ...(failed ? { error: 'a command exited non-zero (see stderr)' } : {}),
      };
      if (!values.json) console.log(name, results[name]);
    } finally {
      if (!values.keep) fs.rmSync(home, { recursive: true, force: true });
    }
  }
  const out = {
    goals: { helpMs: 150, statusMs: { runs30k: 300, mats1m: 500 }, peakRssMb: 300, bytesPerMaterialization: 1024 },
    machine: `${os.cpus().length} cores, load average ${os.loadavg()[0].toFixed(1)} at the end`,
    repeat,
    histories: results,
  };
  console.log(JSON.stringify(out));
}

main().catch((e: Error) => {
  console.error(`bench:cli failed: ${e.message}`);
  process.exitCode = 1;
});
