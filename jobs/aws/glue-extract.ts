/** `glue-extract` on AWS: the asset's Glue JDBC extract job (jobs/glue/jdbc_extract.py), see glue-job.ts. */
import type { Executor } from '../engine/environment';
import type { AwsExecutorDeps } from './executor-deps';
import { createGlueJobExecutor } from './glue-job';

export const createGlueExtractExecutor = (deps: AwsExecutorDeps): Executor => createGlueJobExecutor('glue-extract', deps);
