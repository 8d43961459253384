/**
 * Progress of a run for a person: on a TTY a bar (overall and the current steps) redrawn in
 * place with finished runs printed above it; otherwise one plain line per event, for logs and CI.
 */
import type { Plan } from '../../../assets/core';
import type { EngineReporter, RunOutcome, RunProgress } from '../../../jobs/engine';
import { color } from '../output';

const seconds = (ms: number) => (ms < 1000 ? `${ms}ms` : `${(ms / 1000).toFixed(1)}s`);

const mark = (o: RunOutcome): string =>
  o === 'succeeded' ? color.green('ok') : o === 'up_to_date' ? color.dim('up to date') : o === 'skipped' ? color.yellow('skipped') : color.red(o);

const label = (r: RunProgress) => `${r.key}${r.partitions ? ` [${r.partitions}]` : ''}`;

interface Counters {
  total: number;
  done: number;
  perStep: Map<string, { total: number; done: number }>;
}

/**
 * Counters per run id: the demo drives two runs at once through one reporter, and each must
 * count its own plan ("overall 3/2" otherwise).
 */
class RunCounters {
  private readonly byRun = new Map<string, Counters>();

  start(runId: string, plan: Plan): void {
    this.byRun.set(runId, { total: plan.runCount, done: 0, perStep: new Map(plan.steps.map((s) => [s.key, { total: s.runCount, done: 0 }])) });
  }

  /** Counts a finished run and says where its plan stands: `step 2/3, overall 5/9`. */
  finish(run: RunProgress): string {
    const c = this.byRun.get(run.runId);
    if (!c) return '';
    c.done++;
    const s = c.perStep.get(run.key);
    if (s) s.done++;
    return `${s ? `step ${s.done}/${s.total}, ` : ''}overall ${c.done}/${c.total}`;
  }

  step(run: RunProgress): { total: number; done: number } | undefined {
    return this.byRun.get(run.runId)?.perStep.get(run.key);
  }

  end(runId: string): void {
    this.byRun.delete(runId);
  }

  /** Runs done and planned over every run in progress, for the bar. */
  totals(): { done: number; total: number } {
    let done = 0;
    let total = 0;
    for (const c of this.byRun.values()) {
      done += c.done;
      total += c.total;
    }
    return { done, total };
  }
}

function describePlan(plan: Plan, runId: string, resumeOf?: string): string[] {
  const lines = [`run ${runId}${resumeOf ? ` (resumes ${resumeOf})` : ''}: ${plan.steps.length} step${plan.steps.length === 1 ? '' : 's'}, ${plan.runCount} run${plan.runCount === 1 ? '' : 's'}, ${plan.assetPartitions} asset-partition${plan.assetPartitions === 1 ? '' : 's'}`];
  for (const n of plan.notes) lines.push(color.dim(`  note: ${n}`));
  for (const x of plan.excluded) lines.push(color.dim(`  not run: ${x.key} (${x.reason})`));
  return lines;
}

/** One line per event: for pipes, files and CI logs. */
export function plainReporter(write: (line: string) => void = (l) => process.stderr.write(l + '\n')): EngineReporter {
  const c = new RunCounters();
  return {
    started({ runId, plan, resumeOf }) {
      c.start(runId, plan);
      for (const l of describePlan(plan, runId, resumeOf)) write(l);
    },
    runStarted(run) {
      write(`  start  ${label(run)}`);
    },
    log(run, message) {
      write(color.dim(`         ${run.key}: ${message}`));
    },
    runFinished(run, outcome, detail, ms) {
      const where = c.finish(run);
      write(`  ${mark(outcome)}  ${label(run)} ${seconds(ms)}${detail ? ` - ${detail}` : ''} ${color.dim(`(${where})`)}`);
    },
    finished({ runId, status, durationMs }) {
      c.end(runId);
      write(`run ${runId} ${status === 'succeeded' ? color.green(status) : color.red(status)} in ${seconds(durationMs)}`);
    },
  };
}

/** A bar redrawn in place on a TTY, finished runs printed above it. */
export function ttyReporter(stream: NodeJS.WriteStream = process.stderr): EngineReporter {
  const c = new RunCounters();
  const running = new Map<string, RunProgress>();
  let timer: NodeJS.Timeout | undefined;
  const t0 = Date.now();
  const clear = () => stream.write('\r\x1b[K');
  const draw = () => {
    const width = 24;
    const { done, total } = c.totals();
    const filled = total ? Math.round((done / total) * width) : width;
    const now = [...running.values()].map((r) => {
      const s = c.step(r);
      return `${label(r)}${s && s.total > 1 ? ` ${s.done}/${s.total}` : ''}`;
    });
    const line = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} ${seconds(Date.now() - t0)}  ${now.join(', ')}`;
    clear();
    stream.write(line.slice(0, (stream.columns || 120) - 1));
  };
  const above = (text: string) => {
    clear();
    stream.write(text + '\n');
    draw();
  };
  return {
    started({ runId, plan, resumeOf }) {
      c.start(runId, plan);
      for (const l of describePlan(plan, runId, resumeOf)) stream.write(l + '\n');
      if (!timer) {
        timer = setInterval(draw, 250);
        timer.unref();
      }
      draw();
    },
    runStarted(run) {
      running.set(`${run.runId}/${run.planRunId}`, run);
      draw();
    },
    log(run, message) {
      above(color.dim(`  ${run.key}: ${message}`));
    },
    runFinished(run, outcome, detail, ms) {
      running.delete(`${run.runId}/${run.planRunId}`);
      c.finish(run);
      above(`  ${mark(outcome)}  ${label(run)} ${seconds(ms)}${detail ? ` - ${detail}` : ''}`);
    },
    finished({ runId, status, durationMs }) {
      c.end(runId);
      if (timer && c.totals().total === 0) {
        clearInterval(timer);
        timer = undefined;
      }
      clear();
      stream.write(`run ${runId} ${status === 'succeeded' ? color.green(status) : color.red(status)} in ${seconds(durationMs)}\n`);
    },
  };
}

/** The reporter for this terminal. */
export const reporterForTerminal = (): EngineReporter => (process.stderr.isTTY ? ttyReporter() : plainReporter());
