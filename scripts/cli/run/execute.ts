/**
 * Runs the engine for `materialize` and `backfill`: opens the environment, wires Ctrl-C to an
 * interrupted run, turns every user mistake into a UserError (exit 2) and a failed run into exit 1.
 */
import { PlanError, plan, type AssetGraph, type PartitionRequest } from '../../../assets/core';
import { EngineInputError, materialize, type EngineReporter, type MaterializeResult } from '../../../jobs/engine';
import type { EngineName } from '../../../jobs/embedded/engine-names';
import { EXIT, UserError } from '../errors';
import { refuseIgnoredPartitionFlags } from '../partition-flags';
import { openEnvironment } from './environment';
import { reporterForTerminal } from './progress';

export interface ExecuteOptions {
  readonly graph: AssetGraph;
  readonly graphModule?: string;
  readonly envName: string;
  readonly keys: readonly string[];
  readonly selection: string;
  readonly request: PartitionRequest;
  readonly command: 'materialize' | 'backfill';
  readonly force?: boolean;
  readonly maxParallel?: number;
  readonly resumeOf?: string;
  readonly reporter?: EngineReporter;
  /** `--engine`: the embedded environment's engine (default: DuckDB and the TypeScript trainer). */
  readonly engine?: EngineName;
}

/** Runs the engine; resolves with the result when every step succeeded, else throws a UserError. */
export async function executeRun(o: ExecuteOptions): Promise<MaterializeResult> {
  try {
    const p = plan(o.graph, o.keys, o.request, Date.now());
    if (!p.steps.length) {
      const why = p.excluded.length ? ` (${p.excluded.map((x) => x.key).join(', ')}: not materialized by runs)` : '';
      throw new UserError(`nothing to ${o.command}: the selection '${o.selection}' holds no batch asset${why}`);
    }
    refuseIgnoredPartitionFlags(o.graph, p, o.request, 'materialize');
  } catch (e) {
    if (e instanceof PlanError) throw new UserError(e.message);
    throw e;
  }
  const env = await openEnvironment(o.envName, o.graphModule, o.engine);
  const ac = new AbortController();
  const onSigint = () => {
    if (ac.signal.aborted) process.exit(130);
    process.stderr.write('\ninterrupting: stopping the steps in flight (Ctrl-C again to quit at once)\n');
    ac.abort();
  };
  process.on('SIGINT', onSigint);
  let result: MaterializeResult;
  try {
    result = await materialize({
      graph: o.graph,
      keys: o.keys,
      selection: o.selection,
      request: o.request,
      command: o.command,
      env,
      force: o.force,
      maxParallel: o.maxParallel,
      resumeOf: o.resumeOf,
      reporter: o.reporter ?? reporterForTerminal(),
      signal: ac.signal,
    });
  } catch (e) {
    if (e instanceof PlanError || e instanceof EngineInputError) throw new UserError(e.message);
    throw e;
  } finally {
    process.off('SIGINT', onSigint);
    await env.close();
  }
  if (result.lockError) throw new UserError(`${result.lockError.message} (run ${result.runId} stopped)`, EXIT.badInput);
  if (result.status !== 'succeeded') {
    const bad = result.results.filter((r) => r.outcome === 'failed' || r.outcome === 'blocked');
    const lines = bad.slice(0, 10).map((r) => `  ${r.key}${r.partitions ? ` [${r.partitions}]` : ''}: ${r.detail}`);
    if (bad.length > 10) lines.push(`  ... and ${bad.length - 10} more (assets run ${result.runId})`);
    const how = result.status === 'interrupted' ? `continue it with \`assets backfill --resume ${result.runId}\`` : `details: \`assets run ${result.runId}\``;
    throw new UserError(`run ${result.runId} ${result.status}${lines.length ? `:\n${lines.join('\n')}` : ''}\n${how}`, EXIT.runFailed);
  }
  return result;
}
