/**
 * The stack manifest: what the `assets` CLI needs to operate a deployed stack without Pulumi.
 * infra/ publishes it (stack output `manifest` and the SSM parameter `/headwater/<stack>/manifest`);
 * the launchers in jobs/aws/ read it. This file is the contract between the two.
 */
import type { AssetKey } from '../../assets/core';
import type { KindName } from '../../assets/kinds';
import type { ErasureManifest } from './erasure-contract';

export const MANIFEST_VERSION = 1;

/** The SSM parameter that holds a stack's manifest. */
export const manifestParameterName = (stack: string): string => `/headwater/${stack}/manifest`;

/** A folder of the lake: `s3://<bucket>/<prefix>`; prefix ends with `/`. */
export interface LakeLocation {
  readonly bucket: string;
  readonly prefix: string;
  /** Hive partition columns below the prefix, e.g. `['year','month','day']`; empty when unpartitioned. */
  readonly partitionKeys: readonly string[];
  /** Glue Catalog table (`database.table`) when the asset has a contract. */
  readonly catalogTable?: string;
}

interface AssetBase {
  readonly key: AssetKey;
  /** Where the asset's data rests in the lake, when it does. */
  readonly location?: LakeLocation;
}

export interface GlueJobManifest extends AssetBase {
  readonly kind: 'glue-extract' | 'glue-sql';
  readonly jobName: string;
  /** Extra `--key value` arguments the launcher adds to each run besides the partition window. */
  readonly defaultArguments: Readonly<Record<string, string>>;
  readonly timeoutMinutes: number;
}

export interface EmrSparkManifest extends AssetBase {
  readonly kind: 'emr-spark';
  readonly applicationId: string;
  readonly executionRoleArn: string;
  /** `s3://` URI of the asset's PySpark script. */
  readonly entryPoint: string;
  /** Arguments passed after the entry point, as `--name value` pairs. */
  readonly entryPointArguments: readonly string[];
  readonly sparkSubmitParameters: string;
  readonly logUri: string;
  readonly timeoutMinutes: number;
}

export interface VectorIndexManifest extends AssetBase {
  readonly kind: 'vector-index';
  readonly flavour: 'serverless' | 'domain';
  /** `https://...` endpoint of the collection or domain. */
  readonly endpoint: string;
  /** SigV4 service name: `aoss` for Serverless, `es` for a domain. */
  readonly signingService: 'aoss' | 'es';
  readonly alias: string;
  readonly entity: 'item' | 'user';
  readonly dimension: number;
  readonly space: string;
  readonly idField: string;
  readonly m: number;
  readonly efConstruction: number;
  readonly efSearch: number;
  /** The index-load Lambda's role: reads the embeddings, writes the index. */
  readonly loaderRoleArn: string;
  /** The index-load Lambda (jobs/aws/index-load-handler.ts) that `assets materialize` and the state machines invoke. */
  readonly loaderFunctionName?: string;
  readonly loaderFunctionArn?: string;
  /** The embeddings Parquet object the model step writes (one file: `<id column>, embedding float[]`). */
  readonly embeddings: EmbeddingsObject;
}

/** The environment variable of an index-load function holding its entry (JSON), set by the stack. */
export const INDEX_ENTRY_VARIABLE = 'HEADWATER_INDEX_ENTRY';

/** The environment variable of a delivery recorder holding its target (JSON), set by the stack. */
export const DELIVERY_TARGET_VARIABLE = 'HEADWATER_DELIVERY_TARGET';

/** What one delivery recorder (jobs/aws/delivery-recorder.ts) records: fixed by the stack, never by the event. */
export interface DeliveryTarget {
  /** The stream-delivery asset. */
  readonly key: AssetKey;
  /** Its deps, whose newest data versions each delivery records as its inputs. */
  readonly deps: readonly AssetKey[];
  /** The asset's code version (its transform's code), as the engine computes it. */
  readonly codeVersion: string;
  readonly bucket: string;
  /** The asset's lake folder, ending in `/`: Firehose delivers under `<prefix>year=/month=/day=/hour=/`. */
  readonly prefix: string;
  /** The Firehose delivery stream, recorded as the runs' owner. */
  readonly deliveryStream: string;
}

/** The entry an index-load function is given: the manifest's, without its own name (unknown when it is created). */
export type LoaderEntry = Omit<VectorIndexManifest, 'loaderFunctionName' | 'loaderFunctionArn'>;

/** An embeddings file in the lake: `s3://<bucket>/<key>`, ids in `idColumn`, vectors in `embedding`. */
export interface EmbeddingsObject {
  readonly bucket: string;
  /** `<model prefix><entity>_embeddings.parquet`. */
  readonly key: string;
  /** The id column: the index's declared `idField`. */
  readonly idColumn: string;
}

export interface LambdaApiManifest extends AssetBase {
  readonly kind: 'lambda-api';
  readonly functionName: string;
  readonly functionUrl: string;
}

export interface StreamDeliveryManifest extends AssetBase {
  readonly kind: 'stream-delivery';
  readonly deliveryStreamName: string;
  readonly transformFunctionName: string;
  readonly errorPrefix: string;
  /** Where Firehose backs up every source record (before the transform); erasure rewrites it too. */
  readonly backupPrefix?: string;
}

export interface KinesisStreamManifest extends AssetBase {
  readonly kind: 'kinesis-stream';
  readonly streamName: string;
  readonly streamArn: string;
}

export interface RdsTableManifest extends AssetBase {
  readonly kind: 'rds-table';
  readonly connectionName: string;
  readonly schema: string;
  readonly table: string;
}

/**
 * The manifest entry of each kind of the list (assets/kinds/index.ts), written by its Pulumi
 * component and read by its AWS executor. `AssetManifest` indexes it by every `KindName`, so a
 * kind without an entry here does not compile.
 */
export interface KindManifests {
  'rds-table': RdsTableManifest;
  'kinesis-stream': KinesisStreamManifest;
  'glue-extract': GlueJobManifest;
  'glue-sql': GlueJobManifest;
  'emr-spark': EmrSparkManifest;
  'vector-index': VectorIndexManifest;
  'lambda-api': LambdaApiManifest;
  'stream-delivery': StreamDeliveryManifest;
}

/** The manifest entry of kind `K`. */
export type ManifestOf<K extends KindName> = KindManifests[K];

export type AssetManifest = KindManifests[KindName];

export interface StackManifest {
  readonly version: typeof MANIFEST_VERSION;
  readonly stack: string;
  readonly region: string;
  readonly accountId: string;
  readonly lake: {
    /** Bucket name per zone. */
    readonly buckets: Readonly<Record<string, string>>;
    readonly kmsKeyArn: string;
    readonly glueDatabase: string;
  };
  readonly runLog: { readonly tableName: string };
  readonly alarmTopicArn: string;
  /** CloudWatch namespace of the metrics the CLI publishes (freshness per asset). */
  readonly metricsNamespace: string;
  readonly assets: Readonly<Record<AssetKey, AssetManifest>>;
  /** Every CloudWatch alarm of the stack (names start `headwater-<stack>-`); `assets status` shows those in ALARM. */
  readonly alarms?: readonly AlarmManifest[];
  /** Erasure on the stack (`assets erase --env`); absent in manifests of stacks deployed before it. */
  readonly erasure?: ErasureManifest;
}

/** One alarm the stack provisions: its name, the asset it watches (`platform` for shared ones), what firing means. */
export interface AlarmManifest {
  readonly name: string;
  readonly asset: string;
  readonly description: string;
}

/** The name prefix of a stack's alarms (DescribeAlarms filters on it). */
export const alarmNamePrefix = (stack: string): string => `headwater-${stack}-`;

/** The namespace the freshness metric lives in; the alarms watch it. */
export const METRICS_NAMESPACE = 'Headwater';
/** 1 per successful materialization of an asset (dimension `Asset` = key); freshness alarms watch its sum. */
export const FRESHNESS_METRIC = 'AssetMaterialized';
/** 1 per API answer that fell back to the popular items (a metric filter on the function's JSON log line). */
export const FALLBACK_METRIC = 'RecommendationFallbacks';
/** The `msg` of the log line the API writes for each fallback answer. */
export const FALLBACK_LOG_MESSAGE = 'recommendation-fallback';

/** Validates a parsed manifest, returning what is wrong (for a manifest from another version). */
export function manifestProblem(x: unknown): string | undefined {
  const m = x as Partial<StackManifest>;
  if (!m || typeof m !== 'object') return 'not a JSON object';
  if (m.version !== MANIFEST_VERSION) return `version is ${String(m.version)}, this CLI reads version ${MANIFEST_VERSION}; upgrade the CLI or redeploy the stack`;
  if (!m.assets || typeof m.assets !== 'object') return 'has no assets';
  if (!m.runLog?.tableName) return 'has no run-log table';
  return undefined;
}
