/**
 * The compute kinds of the reference platform: each file declares one kind's settings (with
 * documented defaults) and its descriptor. Adding a kind: add a file here, then its faces in
 * infra/components/, jobs/aws/ and jobs/embedded/.
 */
import { kindCatalog } from '../core/kinds';
import { emrSparkKind } from './emr-spark';
import { glueExtractKind } from './glue-extract';
import { glueSqlKind } from './glue-sql';
import { lambdaApiKind } from './lambda-api';
import { kinesisStreamKind, rdsTableKind } from './sources';
import { streamDeliveryKind } from './stream-delivery';
import { vectorIndexKind } from './vector-index';

export * from './emr-spark';
export * from './glue-extract';
export * from './glue-job';
export * from './glue-sql';
export * from './lambda-api';
export * from './sources';
export * from './stream-delivery';
export * from './vector-index';

/** Every kind the reference graph uses. */
export const REFERENCE_KINDS = kindCatalog([
  rdsTableKind,
  kinesisStreamKind,
  glueExtractKind,
  glueSqlKind,
  emrSparkKind,
  vectorIndexKind,
  lambdaApiKind,
  streamDeliveryKind,
]);
