/**
 * Erasure on a deployed stack: the documents the pieces exchange. infra/ computes the holders from
 * the graph and puts them in the state machine's definition and the erase job's arguments; the
 * CLI writes a request and starts an execution; the erase job (jobs/glue/erase_rows.py) and the
 * worker Lambda (erasure-worker.ts) write reports; the worker's last step sums them up.
 *
 * Where subject ids are in clear: only in the request object (`tmp/erasure/<id>/request.json` in
 * the artifacts bucket, SSE-KMS), which the last step deletes with every version of it. The
 * execution's input and history, job arguments, reports, the run log and the deletion register
 * name subjects by salted hash or by their position in the request, never by id.
 */
import type { AssetKey } from '../../assets/core';

/** One field holding a subject's id, in a holder. */
export interface ErasureField {
  readonly subject: string;
  readonly field: string;
}

/**
 * A derived asset holding subjects' records on the stack, and how they are erased:
 *   lake-table    Parquet objects under the prefix (the erase job, Spark)
 *   lake-file     one declared Parquet file under the prefix (the erase job, Spark)
 *   lake-records  JSON-lines objects (gzip or not) under each prefix (the worker)
 *   index         an OpenSearch index behind an alias (the worker, through the adapter)
 */
export type ErasureHolder =
  | { readonly key: AssetKey; readonly face: 'lake-table'; readonly bucket: string; readonly prefix: string; readonly fields: readonly ErasureField[] }
  | { readonly key: AssetKey; readonly face: 'lake-file'; readonly bucket: string; readonly prefix: string; readonly file: string; readonly fields: readonly ErasureField[] }
  | { readonly key: AssetKey; readonly face: 'lake-records'; readonly bucket: string; readonly prefixes: readonly string[]; readonly fields: readonly ErasureField[] }
  | {
      readonly key: AssetKey;
      readonly face: 'index';
      readonly endpoint: string;
      readonly signingService: 'aoss' | 'es';
      readonly alias: string;
      readonly idField: string;
      readonly fields: readonly ErasureField[];
    };

/** The Parquet faces, run by the erase job. */
export const SPARK_FACES: readonly ErasureHolder['face'][] = ['lake-table', 'lake-file'];

/** Source assets holding a subject (owned upstream: reported, never changed). */
export interface ErasureSource {
  readonly key: AssetKey;
  readonly subject: string;
  readonly note: string;
}

/** What a stack's manifest says about erasure: what the CLI needs to launch one. */
export interface ErasureManifest {
  readonly stateMachineArn: string;
  /** Where requests and intermediate reports go: `s3://<bucket>/tmp/erasure/<id>/`. */
  readonly workBucket: string;
  readonly workPrefix: string;
  /** Where each erasure's summary is kept (no id in clear): `s3://<workBucket>/<summaryPrefix><id>.json`. */
  readonly summaryPrefix: string;
  readonly registerTable: string;
  readonly kmsKeyArn: string;
  readonly holders: readonly ErasureHolder[];
  readonly sources: readonly ErasureSource[];
  /** Subjects the graph names. */
  readonly subjects: readonly string[];
}

/**
 * The deletion register's attributes `assets status --env` reads, and all the operator's grant
 * allows it to read: never `hash`, so whoever runs the CLI cannot test an id against the register.
 */
export const REGISTER_STATUS_ATTRIBUTES = ['subject', 'erasedAt', 'checkedAt', 'pendingSources'] as const;

export const REQUEST_FORMAT = 'headwater-erasure-request/v1';
export const LAKE_REPORT_FORMAT = 'headwater-erasure-lake-report/v1';
export const SUMMARY_FORMAT = 'headwater-erasure-summary/v1';

/** `scan` counts and changes nothing (dry run, verify); `erase` removes. */
export type ErasureMode = 'scan' | 'erase';

/** The request object: the only place ids are in clear. */
export interface ErasureRequest {
  readonly format: typeof REQUEST_FORMAT;
  readonly erasureId: string;
  readonly mode: ErasureMode;
  /** Ids by subject, deduplicated, in the order given. */
  readonly subjects: Readonly<Record<string, readonly string[]>>;
}

/** The execution's input (no id in clear). */
export interface ErasureExecutionInput {
  readonly erasureId: string;
  readonly mode: ErasureMode;
  /** `s3://bucket/key` of the request object. */
  readonly request: string;
}

/** Records of the subjects in one place: per subject, per position of the id in the request. */
export type CountsByIndex = Readonly<Record<string, Readonly<Record<string, number>>>>;

/** One place holding some of the subjects (a Parquet object, a JSON-lines object, an index version). */
export interface Place {
  readonly key: AssetKey;
  readonly what: 'partition' | 'file' | 'documents' | 'previous-version';
  /** `s3://bucket/key`, or `alias@version` for an index. */
  readonly location: string;
  /** Records of the subjects there. */
  readonly rows: number;
  readonly byIndex: CountsByIndex;
  /** Erase mode: records in the object before and after. */
  readonly rowsBefore?: number;
  readonly rowsAfter?: number;
  /** Erase mode: the object written in its place (none: removed, nothing left), with its SHA-256. */
  readonly written?: { readonly location: string; readonly bytes: number; readonly sha256: string } | null;
}

/** A report of the erase job or of one worker step. */
export interface PlacesReport {
  readonly format: typeof LAKE_REPORT_FORMAT;
  readonly erasureId: string;
  readonly mode: ErasureMode;
  readonly places: readonly Place[];
}

/** What an erasure found and did, kept after it (subjects by salted hash only). */
export interface ErasureSummary {
  readonly format: typeof SUMMARY_FORMAT;
  readonly erasureId: string;
  readonly mode: ErasureMode;
  readonly status: 'succeeded' | 'failed';
  readonly error?: string;
  readonly startedAt: string;
  readonly endedAt: string;
  /** Places, each subject counted by salted hash (`subject:sha256(salt:subject:id)`) and by position in the request (the CLI that made it shows ids). */
  readonly places: readonly (Place & { readonly byHash: Readonly<Record<string, number>> })[];
  readonly assetsTouched: number;
  readonly partitionsRewritten: number;
  readonly rowsRemoved: number;
  /** Earlier versions of rewritten objects deleted by VersionId. */
  readonly versionsDeleted: number;
  /** Sources still holding the subjects are owned upstream: listed, never changed. */
  readonly sources: readonly ErasureSource[];
}

/** `tmp/erasure/<id>/`: the erasure's work folder in the artifacts bucket (request, reports, staging). */
export const workFolder = (workPrefix: string, erasureId: string): string => `${workPrefix}${erasureId}/`;

/** Parses `s3://bucket/key`; throws naming `what` otherwise. */
export function parseS3Uri(uri: string, what: string): { bucket: string; key: string } {
  const m = /^s3:\/\/([^/]+)\/(.+)$/.exec(uri);
  if (!m) throw new Error(`${what} '${uri}' is not an s3://bucket/key URI`);
  return { bucket: m[1], key: m[2] };
}

/** An erasure id: also the execution's name, so a second start of the same id is refused by Step Functions. */
export const ERASURE_ID = /^erase-[0-9A-Za-z-]{1,70}$/;
