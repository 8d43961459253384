import type { Command } from 'commander';
import type { RunEvent } from '../../../assets/core';
import { partitionsLabel } from '../../../jobs/engine';
import { loadGraph, type GlobalOptions } from '../context';
import { UserError } from '../errors';
import { color, printJson, table } from '../output';
import { withRunLog } from '../run/environment';
import { duration, statusText } from './runs';

type StepEvent = Extract<RunEvent, { partitions: unknown }>;

export function register(program: Command): void {
  program
    .command('run')
    .description('one run: its steps, what each did, check results')
    .argument('<runId>', 'a run id from `assets runs`')
    .option('--json', 'print JSON (the run and every event)')
    .action(async (runId: string, opts: { json?: boolean }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      loadGraph(g.graph);
      const { run, events } = await withRunLog(g.env, g.graph, async (env) => {
        const found = await env.runLog.getRun(runId);
        if (!found) throw new UserError(`no run '${runId}' in the ${g.env} run log; list runs with \`assets runs\``);
        return { run: found, events: await env.runLog.events(runId) };
      });
      if (opts.json) return printJson({ run, events });
      console.log(`${color.bold(`run ${run.runId}`)}  ${statusText(run.status)}  ${run.command} ${run.selection} [${run.partitions}]  env ${run.env}${run.options?.engine ? `  engine ${run.options.engine}` : ''}`);
      console.log(color.dim(`started ${run.startedAt} by ${run.owner}, took ${duration(run)}${run.resumeOf ? `, resumes ${run.resumeOf}` : ''}`));
      if (run.error) console.log(color.red(run.error));
      // The last state of each step run (planned -> started -> succeeded / failed / skipped).
      const steps = new Map<string, { e: StepEvent; planned: boolean }>();
      for (const e of events) {
        if (!('partitions' in e)) continue;
        const id = `${e.key}\0${partitionsLabel(e.partitions) ?? ''}`;
        steps.set(id, { e, planned: e.type === 'step_planned' });
      }
      const rows = [...steps.values()].map(({ e }) => {
        const state =
          e.type === 'step_succeeded' ? color.green('succeeded') : e.type === 'step_failed' ? color.red('failed') : e.type === 'step_skipped' ? color.yellow('skipped') : e.type === 'step_started' ? color.cyan('started') : color.dim('not run');
        const detail = e.type === 'step_failed' ? e.error : e.type === 'step_skipped' ? e.reason : e.type === 'step_succeeded' ? Object.entries(e.metadata).map(([k, v]) => `${k}=${typeof v === 'number' && !Number.isInteger(v) ? v.toFixed(4) : v}`).join(' ') : '';
        const took = e.type === 'step_succeeded' || e.type === 'step_failed' ? `${(e.durationMs / 1000).toFixed(1)}s` : '';
        return [e.key, partitionsLabel(e.partitions) ?? '-', state, took, detail.split('\n')[0].slice(0, 120)];
      });
      console.log(table(['STEP', 'PARTITIONS', 'STATE', 'TOOK', 'DETAIL'], rows));
      const checks = events.filter((e): e is Extract<RunEvent, { type: 'check_evaluated' }> => e.type === 'check_evaluated');
      if (checks.length) {
        console.log('');
        console.log(table(['CHECK', 'PARTITIONS', 'RESULT', 'MESSAGE'], checks.map((c) => [`${c.key} ${c.check}`, c.partition ?? '-', c.passed ? color.green('passed') : (c.blocking ? color.red : color.yellow)('failed'), c.message])));
      }
      const mats = events.filter((e) => e.type === 'materialization').length;
      console.log(color.dim(`${mats} partition${mats === 1 ? '' : 's'} materialized`));
    });
}
