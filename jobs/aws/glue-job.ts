/**
 * A Glue job step on a deployed stack, what both Glue kinds (`glue-extract`, `glue-sql`) do on AWS:
 * start the asset's Glue job with the step's window, wait for it (glue-launcher.ts), publish the
 * freshness metric. The job's script and arguments were set by its Pulumi component.
 */
import type { Executor } from '../engine/environment';
import { deployedEntry, jobRunOptions, publishMaterialized, type AwsExecutorDeps } from './executor-deps';
import { runGlueJob } from './glue-launcher';

/** The AWS executor of a Glue kind. */
export function createGlueJobExecutor(kind: 'glue-extract' | 'glue-sql', deps: AwsExecutorDeps): Executor {
  return {
    kind,
    async execute(ctx) {
      const entry = deployedEntry(deps, ctx.asset.key, ['glue-extract', 'glue-sql'] as const);
      const r = await runGlueJob(deps.clients.glue, { entry, ...jobRunOptions(deps, ctx) });
      await publishMaterialized(deps, ctx.asset.key);
      return { metadata: { glueJobRunId: r.jobRunId, executionSeconds: r.executionSeconds, ...(r.dpuSeconds !== undefined ? { dpuSeconds: r.dpuSeconds } : {}), consoleUrl: r.consoleUrl } };
    },
  };
}
