/**
 * The erasure state machine's definition (JSONPath ASL), pure: built from the holders and the
 * resolved names. An execution is one erasure, named by its id (a second start of the same id is
 * refused by Step Functions), whose input is `{erasureId, mode, request}` and names no subject:
 *
 *   Start      keeps exactly the three input fields, and an empty records cursor
 *   Prepare    the worker checks the request; erase mode: register first, then the run record
 *   Lake       the erase job (Glue `startJobRun.sync`, jobs/glue/erase_rows.py) over every Parquet
 *              holder, writing `lake.json` in the work folder (left out when there is none)
 *   Records    the worker over JSON-lines holders, called again with its cursor until it is done
 *   Indexes    the worker over the OpenSearch holders (left out when there is none)
 *   Finish     the worker sums up, purges earlier versions, writes the run log and the summary,
 *              deletes the work folder
 *
 * Any failure goes to FinishFailed (the same step with the error: what was done is recorded and
 * purged, the request deleted), then to the alarm topic, and fails the execution.
 */
import type { ErasureHolder, ErasureSource } from '../../jobs/aws/erasure-contract';
import { SPARK_FACES } from '../../jobs/aws/erasure-contract';
import { retry } from './orchestration-plan';

export interface ErasureTargets {
  readonly workerArn: string;
  readonly topicArn: string;
  /** The erase job; undefined when no holder is Parquet. */
  readonly jobName?: string;
  /** The work folder's bucket and prefix (`tmp/erasure/`): `<prefix><erasureId>/`. */
  readonly workBucket: string;
  readonly workPrefix: string;
}

type State = Record<string, unknown>;

const INPUT = { 'erasureId.$': '$.erasureId', 'mode.$': '$.mode', 'request.$': '$.request' };
const CATCH = [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'FinishFailed' }];

function worker(targets: ErasureTargets, payload: Record<string, unknown>, next: State, resultPath: string | null, selector?: Record<string, string>): State {
  return {
    Type: 'Task',
    Resource: 'arn:aws:states:::lambda:invoke',
    Parameters: { FunctionName: targets.workerArn, Payload: payload },
    ...(selector ? { ResultSelector: selector } : {}),
    ResultPath: resultPath,
    Retry: retry('lambda'),
    ...next,
  };
}

/** The definition of the stack's erasure state machine. */
export function erasureDefinition(holders: readonly ErasureHolder[], sources: readonly ErasureSource[], targets: ErasureTargets): Record<string, unknown> {
  const spark = holders.some((h) => SPARK_FACES.includes(h.face));
  const indexes = holders.some((h) => h.face === 'index');
  if (spark && !targets.jobName) throw new Error('internal: Parquet holders but no erase job');
  const work = `States.Format('s3://${targets.workBucket}/${targets.workPrefix}{}/{}', $.erasureId, `;
  const afterRecords = indexes ? 'Indexes' : 'Finish';
  const states: Record<string, State> = {
    Start: { Type: 'Pass', Parameters: { ...INPUT, cursor: null }, Next: 'Prepare' },
    Prepare: worker(targets, { action: 'prepare', input: INPUT, holders, sources, 'startedAt.$': '$$.Execution.StartTime' }, { Next: spark ? 'Lake' : 'Records', Catch: CATCH }, null),
    Records: worker(targets, { action: 'records', input: INPUT, holders, 'cursor.$': '$.cursor' }, { Next: 'MoreRecords?', Catch: CATCH }, '$.records', { 'cursor.$': '$.Payload.cursor' }),
    'MoreRecords?': { Type: 'Choice', Choices: [{ Variable: '$.records.cursor', IsNull: false, Next: 'NextRecords' }], Default: afterRecords },
    NextRecords: { Type: 'Pass', InputPath: '$.records.cursor', ResultPath: '$.cursor', Next: 'Records' },
    Finish: worker(targets, { action: 'finish', input: INPUT, holders, sources, 'startedAt.$': '$$.Execution.StartTime', error: null }, { Next: 'Done', Catch: CATCH }, '$.finished', { 'summary.$': '$.Payload.summary', 'status.$': '$.Payload.status' }),
    Done: { Type: 'Succeed' },
    FinishFailed: worker(
      targets,
      { action: 'finish', input: INPUT, holders, sources, 'startedAt.$': '$$.Execution.StartTime', 'error.$': '$.error' },
      { Next: 'Notify', Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.finishError', Next: 'Notify' }] },
      null,
    ),
    Notify: {
      Type: 'Task',
      Resource: 'arn:aws:states:::sns:publish',
      Parameters: {
        TopicArn: targets.topicArn,
        Subject: 'Headwater: an erasure failed',
        'Message.$': "States.Format('Erasure {} ({}) failed: {}; run assets erase --env again with the same subjects (every step is idempotent)', $.erasureId, $$.Execution.Id, States.JsonToString($.error))",
      },
      ResultPath: null,
      Retry: [{ ErrorEquals: ['SNS.ThrottledException', 'SNS.InternalErrorException'], IntervalSeconds: 2, BackoffRate: 2, MaxAttempts: 5, JitterStrategy: 'FULL' }],
      Next: 'Failed',
    },
    Failed: { Type: 'Fail', Error: 'Headwater.ErasureFailed', Cause: 'see the alarm topic and the erasure summary (assets erase --env prints where)' },
  };
  if (spark) {
    states.Lake = {
      Type: 'Task',
      Resource: 'arn:aws:states:::glue:startJobRun.sync',
      Parameters: {
        JobName: targets.jobName,
        Arguments: {
          '--request_uri.$': '$.request',
          '--mode.$': '$.mode',
          '--report_uri.$': `${work}'lake.json')`,
          '--staging_uri.$': `${work}'staging')`,
        },
      },
      ResultPath: null,
      Retry: retry('glue-sql'),
      Catch: CATCH,
      Next: 'Records',
    };
  }
  if (indexes) states.Indexes = worker(targets, { action: 'indexes', input: INPUT, holders }, { Next: 'Finish', Catch: CATCH }, null);
  return {
    Comment: `Headwater erasure: ${[...new Set(holders.map((h) => h.key))].join(', ')}`,
    StartAt: 'Start',
    States: states,
  };
}
