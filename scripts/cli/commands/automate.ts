import type { Command } from 'commander';
import type { AssetGraph, AutomationRequestRecord } from '../../../assets/core';
import { AutomationDaemon, type DaemonEvent } from '../../../jobs/automation/daemon';
import { LockHeldError } from '../../../jobs/engine';
import { loadGraph, type GlobalOptions } from '../context';
import { EXIT, UserError } from '../errors';
import { color, printJson } from '../output';
import { openEnvironment } from '../run/environment';

interface AutomateOptions {
  once?: boolean;
  interval: string;
  dryRun?: boolean;
  json?: boolean;
  maxRuns: string;
}

/** `30s`, `5m`, `1h`, `1500ms` or a number of seconds, as milliseconds. */
export function parseInterval(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  const ms = m ? Number(m[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(m[2] ?? 's') as 'ms' | 's' | 'm' | 'h'] : NaN;
  if (!(ms >= 1000) || ms > 24 * 3_600_000) throw new UserError(`--interval '${text}' must be a duration from 1s to 24h, such as 30s, 5m or 1h`);
  return ms;
}

function parseMaxRuns(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > 64) throw new UserError(`--max-runs must be a whole number from 1 to 64 (got '${text}')`);
  return n;
}

const hhmmss = (iso: string) => iso.slice(0, 19).replace('T', ' ') + 'Z';
const assetsOf = (r: AutomationRequestRecord) => r.keys.map((k) => (r.partitions[k] ? `${k} [${r.partitions[k]}]` : k)).join(', ');

/** One daemon event as the lines a person follows. */
function describeEvent(e: DaemonEvent): string[] {
  switch (e.type) {
    case 'started':
      return [`automating ${e.env} as ${e.owner}: a tick at least every ${Math.round(e.intervalMs / 1000)}s, at most ${e.maxRuns} run${e.maxRuns === 1 ? '' : 's'} at a time${e.queued ? `; ${e.queued} request(s) queued before a restart` : ''} (Ctrl-C to stop)`];
    case 'tick': {
      const t = e.tick;
      if (t.status === 'failed') return [color.red(`${hhmmss(t.at)} tick ${t.tickId} failed: ${t.error}`)];
      const head = `${hhmmss(t.at)} tick: ${t.evaluated} evaluated, ${t.requests.length ? color.bold(`${t.requests.length} run(s) requested`) : 'nothing to do'}${t.nextTickAt ? `; next by ${hhmmss(t.nextTickAt)}` : ''}`;
      const lines = [head];
      for (const r of t.requests) {
        lines.push(`  request ${r.runId}: ${assetsOf(r)}`);
        for (const k of r.keys) lines.push(color.dim(`    ${k}: ${r.reasons[k].join('; ')}`));
      }
      for (const w of e.waiting) lines.push(color.dim(`  waiting ${w.key}: ${w.why}`));
      return lines;
    }
    case 'launched':
      return [`${hhmmss(new Date().toISOString())} run ${e.request.runId} started: ${assetsOf(e.request)}`];
    case 'already_launched':
      return [color.dim(`run ${e.request.runId} was launched before a restart; not launching it again`)];
    case 'finished': {
      const ok = e.outcome.status === 'succeeded';
      const head = `${hhmmss(new Date().toISOString())} run ${e.request.runId} ${ok ? color.green('succeeded') : color.red(e.outcome.status)} in ${(e.durationMs / 1000).toFixed(1)}s`;
      return [head, ...e.outcome.failures.map((f) => color.red(`  ${f}`)), ...(ok ? [] : [color.dim(`  details: assets run ${e.request.runId}`)])];
    }
    case 'stopping':
      return [e.inFlight ? `stopping: waiting for ${e.inFlight} run(s) in flight (Ctrl-C again to interrupt them)` : 'stopped'];
  }
}

async function dryRun(graph: AssetGraph, daemon: AutomationDaemon, json: boolean): Promise<void> {
  const p = await daemon.preview();
  if (json) return printJson({ dryRun: true, at: new Date().toISOString(), firstTick: p.firstTick, evaluated: p.evaluated, requests: p.requests, waiting: p.waiting, nextTickAt: p.nextWakeMs ? new Date(p.nextWakeMs).toISOString() : null });
  console.log(`dry run: nothing is launched or recorded. ${p.evaluated} asset(s) evaluated, ${p.requests.length} run(s) would start.`);
  if (p.firstTick) console.log(color.dim('first tick: cron conditions count the ticks that pass from now on, as a running daemon would.'));
  for (const [i, r] of p.requests.entries()) {
    console.log(`run ${i + 1}: ${assetsOf(r)}`);
    for (const k of r.keys) console.log(`  ${k}: ${r.reasons[k].join('; ')}`);
  }
  for (const w of p.waiting) console.log(color.dim(`waiting ${w.key}: ${w.why}`));
  const automated = graph.keys.filter((k) => graph.get(k).automation).length;
  if (!automated) console.log(color.yellow('no asset declares an automation condition (automation: onCron(...), eager(), onMissing(), onFreshness())'));
  if (p.nextWakeMs) console.log(`next tick due by ${hhmmss(new Date(p.nextWakeMs).toISOString())}`);
}

export function register(program: Command): void {
  program
    .command('automate')
    .description("keep the graph fresh: evaluate the assets' automation conditions each tick and launch the runs they ask for")
    .option('--once', 'one tick, wait for the runs it launched, exit (1 if one failed)')
    .option('--interval <duration>', 'longest wait between ticks (the daemon also wakes at cron ticks and when its runs end)', '30s')
    .option('--max-runs <n>', 'runs in flight at most', '2')
    .option('--dry-run', 'print what would be launched and why; launch and record nothing')
    .option('--json', 'one JSON object a line (the dry run: one JSON document)')
    .action(async (opts: AutomateOptions, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const graph = loadGraph(g.graph);
      const intervalMs = parseInterval(opts.interval);
      const maxRuns = parseMaxRuns(opts.maxRuns);
      const env = await openEnvironment(g.env, g.graph);
      const print = (e: DaemonEvent) => {
        if (opts.json) process.stdout.write(JSON.stringify({ at: new Date().toISOString(), ...e }) + '\n');
        else for (const line of describeEvent(e)) console.log(line);
      };
      const daemon = new AutomationDaemon({ graph, env, intervalMs, maxRuns, onEvent: print });
      try {
        if (opts.dryRun) return await dryRun(graph, daemon, Boolean(opts.json));
        try {
          await daemon.start();
        } catch (e) {
          if (e instanceof LockHeldError) {
            throw new UserError(`another \`assets automate\` is running for the ${env.name} environment (${e.holder}); one daemon per environment: stop that one first`);
          }
          throw e;
        }
        try {
          if (opts.once) {
            const { tick } = await daemon.tick();
            await daemon.drain();
            if (tick.status === 'failed') process.exitCode = EXIT.runFailed;
          } else {
            const stop = new AbortController();
            const onSignal = () => {
              if (stop.signal.aborted) daemon.interruptRuns();
              else stop.abort();
            };
            process.on('SIGINT', onSignal);
            process.on('SIGTERM', onSignal);
            try {
              await daemon.run(stop.signal);
            } finally {
              process.off('SIGINT', onSignal);
              process.off('SIGTERM', onSignal);
            }
          }
        } finally {
          await daemon.stop();
        }
        if (daemon.failedRuns) process.exitCode = EXIT.runFailed;
      } finally {
        await env.close();
      }
    });
}
