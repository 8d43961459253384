/** `glue-sql` on AWS: the asset's Glue Spark SQL job (jobs/glue/sql_runner.py on its SQL file), see glue-job.ts. */
import type { Executor } from '../engine/environment';
import type { AwsExecutorDeps } from './executor-deps';
import { createGlueJobExecutor } from './glue-job';

export const createGlueSqlExecutor = (deps: AwsExecutorDeps): Executor => createGlueJobExecutor('glue-sql', deps);
