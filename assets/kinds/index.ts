/**
 * The one typed list of compute kinds: each file here declares one kind's settings (with
 * documented defaults) and its descriptor, and `KINDS` lists the descriptors. Every face registry
 * (infra/platform.ts, infra/components/kind-alarms.ts, jobs/aws/manifest.ts, jobs/aws/executors.ts,
 * jobs/embedded/executors/index.ts) is keyed by `KindName` (or `BatchKindName`), so a kind listed
 * here without one of its faces is a compile error. Adding a kind: README.md, "Add a kind".
 */
import { kindCatalog, type KindDescriptorOf } from '../core/kinds';
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
export * from './serving-bindings';
export * from './sources';
export * from './stream-delivery';
export * from './vector-index';

/** Every kind of the platform, once. */
export const KINDS = [rdsTableKind, kinesisStreamKind, glueExtractKind, glueSqlKind, emrSparkKind, vectorIndexKind, lambdaApiKind, streamDeliveryKind] as const;

type AnyKind = (typeof KINDS)[number];
type SettingsOfDescriptor<D> = D extends KindDescriptorOf<infer S, infer _C> ? S : never;

/** The settings of every kind, one member per kind (discriminated by `kind`). */
export type KindSettings = SettingsOfDescriptor<AnyKind>;
/** The name of a kind of the list: what every face registry is keyed by. */
export type KindName = KindSettings['kind'];
/** The settings type of kind `K`. */
export type SettingsOf<K extends KindName> = Extract<KindSettings, { readonly kind: K }>;
/** The kinds the batch planner materializes: each needs an executor in every environment. */
export type BatchKindName = Extract<AnyKind, { readonly category: 'batch' }>['name'];

/** The list as a catalog, for `defineGraph(assets, { kinds })`. */
export const REFERENCE_KINDS = kindCatalog(KINDS);

/** The kinds of the list that the batch planner materializes. */
export const BATCH_KINDS: readonly BatchKindName[] = KINDS.flatMap((k) => (k.category === 'batch' ? [k.name] : []));
