/**
 * The buttons of `assets ui` (materialize, backfill, resume) start runs through `executeRun`, the
 * function behind `assets materialize|backfill`: same engine, same locks, same messages. A request
 * answers as soon as the run exists (its id) or with the message the CLI would print (exit 2).
 */
import type { AssetGraph } from '../../../assets/core';
import { silentReporter, type EngineReporter } from '../../../jobs/engine';
import { UserError } from '../../cli/errors';
import { partitionRequest } from '../../cli/partition-flags';
import { maxParallel } from '../../cli/run/parallelism';
import { executeRun } from '../../cli/run/execute';
import { resumedRequest } from '../../cli/run/resume';
import { selectOrExplain } from '../../cli/selection';

/** The body of `POST /api/runs`. */
export interface RunRequestBody {
  readonly command?: unknown;
  readonly selection?: unknown;
  readonly partition?: unknown;
  readonly from?: unknown;
  readonly to?: unknown;
  readonly force?: unknown;
  readonly maxParallel?: unknown;
  readonly resume?: unknown;
}

/** How a run started from the UI ended, in the CLI's words (`null` message: it succeeded). */
export interface RunOutcomeNote {
  readonly runId: string;
  readonly exitCode: number;
  readonly message: string | null;
}

const text = (v: unknown, field: string): string | undefined => {
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v !== 'string') throw new UserError(`${field} must be text`);
  return v;
};

/** Runs started by this server, and how the finished ones ended. */
export class RunLauncher {
  private readonly inFlight = new Set<Promise<unknown>>();
  readonly outcomes = new Map<string, RunOutcomeNote>();

  constructor(
    private readonly graph: AssetGraph,
    private readonly envName: string,
    private readonly graphModule: string | undefined,
    private readonly onChange: () => void,
  ) {}

  /** Starts the run `body` asks for; resolves with its id once the engine created it. */
  async start(body: RunRequestBody): Promise<{ runId: string }> {
    const command = text(body.command, 'command') ?? 'materialize';
    if (command !== 'materialize' && command !== 'backfill' && command !== 'resume') throw new UserError(`command must be materialize, backfill or resume (got '${command}')`);
    let selection: string;
    let request;
    const resumeOf = command === 'resume' ? text(body.resume, 'resume') : undefined;
    if (command === 'resume') {
      if (!resumeOf) throw new UserError('resume needs the id of the run to continue');
      ({ selection, request } = await resumedRequest(this.envName, this.graphModule, resumeOf));
    } else {
      selection = text(body.selection, 'selection') ?? '';
      if (!selection) throw new UserError(`${command} needs a selection, e.g. 'raw/*'`);
      const flags = { partition: text(body.partition, 'partition'), from: text(body.from, 'from'), to: text(body.to, 'to') };
      if (command === 'backfill' && (flags.from === undefined || flags.to === undefined)) throw new UserError('backfill needs from and to (the first and last partition, inclusive)');
      request = partitionRequest(flags);
    }
    const keys = selectOrExplain(this.graph, selection);
    const parallel = maxParallel(body.maxParallel === undefined ? undefined : String(body.maxParallel));
    let knownRunId: string | undefined;
    let started!: (runId: string) => void;
    const runIdKnown = new Promise<string>((resolve) => (started = resolve));
    const reporter: EngineReporter = {
      ...silentReporter,
      started: ({ runId }) => {
        knownRunId = runId;
        started(runId);
        this.onChange();
      },
      runStarted: () => this.onChange(),
      runFinished: () => this.onChange(),
    };
    const run = executeRun({
      graph: this.graph,
      graphModule: this.graphModule,
      envName: this.envName,
      keys,
      selection,
      request,
      command: command === 'resume' ? 'backfill' : command,
      force: body.force === true,
      maxParallel: parallel,
      resumeOf,
      reporter,
    });
    const settled = run.then(
      (r): unknown => this.finish({ runId: r.runId, exitCode: 0, message: null }),
      (e: unknown) => {
        if (knownRunId) this.finish({ runId: knownRunId, exitCode: e instanceof UserError ? e.exitCode : 1, message: e instanceof Error ? e.message : String(e) });
        return e;
      },
    );
    this.inFlight.add(settled);
    void settled.finally(() => this.inFlight.delete(settled));
    // Whichever comes first: the run exists, or the engine refused before creating it.
    const first = await Promise.race([runIdKnown.then((runId) => ({ runId })), settled.then((error) => ({ error }))]);
    if ('runId' in first) return first;
    if (knownRunId) return { runId: knownRunId };
    throw first.error instanceof Error ? first.error : new Error(String(first.error));
  }

  private finish(note: RunOutcomeNote): void {
    this.outcomes.set(note.runId, note);
    this.onChange();
  }

  /** Waits for the runs this server started (the server's close waits for them). */
  async drain(): Promise<void> {
    await Promise.all([...this.inFlight]);
  }
}
