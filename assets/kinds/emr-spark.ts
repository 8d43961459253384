import type { KindDescriptorOf } from '../core/kinds';
import { suggestKey } from '../core/keys';
import type { AssetDefinition, CheckSpec } from '../core/types';

/** One feature of users or items, read from a column of the entity's asset. */
export interface ModelFeature {
  /** The column holding the feature (in the entity's `asset`, else in the interactions asset). */
  readonly column: string;
  /**
   * `categorical`: one value among many (a country); `numeric`: a number, standardized;
   * `multi`: a list of categories (an array column, or a string split on `separator`), e.g. genres.
   */
  readonly type: 'categorical' | 'numeric' | 'multi';
  /** Splits a `multi` feature held as one string. @default '|' */
  readonly separator?: string;
  /** The feature's name in API requests and stream events (serving's cold start). @default column */
  readonly field?: string;
}

/** Users or items of a recommender: where they come from, their id and their features. */
export interface ModelEntity {
  /**
   * A dep with one row per entity (a snapshot) holding its features; every entity of it is
   * embedded, rated or not. Absent: entities and features come from the interactions asset.
   */
  readonly asset?: string;
  /** The id column (in `asset`; in the interactions asset it is `interactions.user` / `.item`). */
  readonly id: string;
  /** The id's name outside the lake: embeddings Parquet column, index document field, API and stream field. */
  readonly field: string;
  /** How ids are typed outside the lake (embeddings Parquet, API). @default 'string' */
  readonly idType: 'string' | 'integer';
  /** What the model knows of an entity besides its id; a new entity is embedded from these alone. @default [] */
  readonly features: readonly ModelFeature[];
  /**
   * Learn one factor row per id seen in training (the hybrid of LightFM): a known entity's
   * embedding is its id's row plus its features' rows, so it gains from its history; a new one
   * has only its features. @default true
   */
  readonly idEmbedding: boolean;
}

/** What a recommender learns from. Both trainers, the index loads and serving read it. */
export interface RecommenderModel {
  /** The dep with one row per interaction, and its columns. */
  readonly interactions: {
    readonly asset: string;
    readonly user: string;
    readonly item: string;
    /** A number; see `liked`. */
    readonly rating: string;
    /** A date or timestamp (a Hive partition column such as `dt` counts): the hold-out is cut on it. */
    readonly time: string;
  };
  /** An interaction is "liked" (trained on, relevant for recall/NDCG and the popularity baseline) when rating >= minRating. @default { minRating: 4 } */
  readonly liked: { readonly minRating: number };
  readonly users: ModelEntity;
  readonly items: ModelEntity;
  /** The last `holdoutDays` days of interactions are held out for evaluation. @default 7 */
  readonly holdoutDays: number;
  /** The metric the blocking check compares with popularity (see `beatsPopularity`). @default 'recallAt10' */
  readonly metric: 'recallAt10' | 'ndcgAt10';
}

/** A Spark job on EMR Serverless (embedded: the TypeScript trainer). */
export interface EmrSparkSettings {
  readonly kind: 'emr-spark';
  /** Repo-relative path of the PySpark entry point (under jobs/spark/). */
  readonly script: string;
  /** EMR release label. @default 'emr-7.5.0' */
  readonly releaseLabel: string;
  /** Application maximum capacity. @default { cpu: '16 vCPU', memory: '64 GB' } */
  readonly maxCapacity: { readonly cpu: string; readonly memory: string };
  /** Minutes idle before the application stops itself. @default 15 */
  readonly idleTimeoutMinutes: number;
  /** Job timeout in minutes. @default 120 */
  readonly timeoutMinutes: number;
  /** Free-form job parameters passed to both the Spark script and the embedded trainer. @default {} */
  readonly params: Readonly<Record<string, string | number | boolean>>;
  /** The recommender this job trains (built by `recommenderModel`); absent for a Spark job that is not a model. */
  readonly model?: RecommenderModel;
}

export const emrSpark = (
  s: Pick<EmrSparkSettings, 'script'> & Partial<Omit<EmrSparkSettings, 'kind' | 'script'>>,
): EmrSparkSettings => ({
  kind: 'emr-spark',
  releaseLabel: 'emr-7.5.0',
  maxCapacity: { cpu: '16 vCPU', memory: '64 GB' },
  idleTimeoutMinutes: 15,
  timeoutMinutes: 120,
  params: {},
  ...s,
});

type EntityInput = Pick<ModelEntity, 'id' | 'field'> & Partial<Omit<ModelEntity, 'id' | 'field'>>;

/** What `recommenderModel` accepts: the declaration with every defaulted setting optional. */
export interface RecommenderModelInput {
  readonly interactions: RecommenderModel['interactions'];
  readonly liked?: RecommenderModel['liked'];
  readonly users: EntityInput;
  readonly items: EntityInput;
  readonly holdoutDays?: number;
  readonly metric?: RecommenderModel['metric'];
}

const entity = (e: EntityInput): ModelEntity => ({
  idType: 'string',
  idEmbedding: true,
  ...e,
  features: (e.features ?? []).map((f) => ({ ...f, field: f.field ?? f.column, ...(f.type === 'multi' ? { separator: f.separator ?? '|' } : {}) })),
});

/** A recommender declaration with its defaults filled (see `RecommenderModel`); checked by `defineGraph`. */
export const recommenderModel = (m: RecommenderModelInput): RecommenderModel => ({
  liked: { minRating: 4 },
  holdoutDays: 7,
  metric: 'recallAt10',
  ...m,
  users: entity(m.users),
  items: entity(m.items),
});

/** A feature's name in requests and events. */
export const featureField = (f: ModelFeature): string => f.field ?? f.column;

/** The metadata key of a metric's popularity baseline: `recallAt10` -> `baselineRecallAt10`. */
export const baselineMetric = (metric: string): string => `baseline${metric[0].toUpperCase()}${metric.slice(1)}`;

/**
 * The model's checks against popularity on the hold-out (the trainers record these metrics):
 * the declared metric blocks (a worse model never reaches the indexes); the other metric is
 * reported, not blocking. With `byUserGroup`, the declared metric on users seen in training
 * (`Known`) and on new users (`New`) is reported too: for data whose hold-out has new users (a
 * group with no user records no metric, which such a check reports as missing).
 */
export function beatsPopularity(model: RecommenderModel, options: { readonly byUserGroup?: boolean } = {}): CheckSpec[] {
  const name = (metric: string) => (metric === 'recallAt10' ? 'recall' : 'ndcg');
  const other = model.metric === 'recallAt10' ? 'ndcgAt10' : 'recallAt10';
  const compare = (metric: string, checkName: string, blocking: boolean, description: string): CheckSpec => ({
    type: 'metric_compare',
    name: checkName,
    metric,
    op: '>',
    than: baselineMetric(metric),
    blocking,
    description,
  });
  return [
    compare(model.metric, `beats_popularity_${name(model.metric)}`, true, `The model must recommend better than the most popular items (${model.metric}, hold-out users).`),
    compare(other, `beats_popularity_${name(other)}`, false, `${other} against the most popular items on the same users.`),
    ...(options.byUserGroup
      ? [
          compare(`${model.metric}Known`, 'beats_popularity_known', false, `${model.metric} on hold-out users seen in training (their history counts).`),
          compare(`${model.metric}New`, 'beats_popularity_new', false, `${model.metric} on hold-out users new since the hold-out began (features only).`),
        ]
      : []),
  ];
}

const hint = (name: string, among: Iterable<string>): string => {
  const best = suggestKey(name, among);
  return best ? `; did you mean '${best}'?` : '';
};

/** Finds a dep of the asset being validated by key (undefined when it is not a dep). */
export type DepLookup = (key: string) => AssetDefinition | undefined;

const FEATURE_TYPES = ['categorical', 'numeric', 'multi'];

/**
 * Problems of a model declaration, each saying where and how to fix it: its assets must be deps
 * of the model, its columns in those deps' contracts (when they have one), names unique.
 */
export function recommenderModelProblems(asset: AssetDefinition, model: RecommenderModel, depOf: DepLookup): string[] {
  const problems: string[] = [];
  const deps = asset.deps.map((d) => d.key);
  const where = (path: string) => `model.${path}`;
  const text = (v: unknown) => typeof v === 'string' && v.trim() !== '';
  const columnsOf = (key: string): ReadonlySet<string> | undefined => {
    const a = depOf(key);
    if (!a?.contract) return undefined;
    const cols = a.contract.columns.map((c) => c.name);
    // A time-partitioned asset also has its partition column (Hive folders: `dt=...`).
    if (a.partitions?.type === 'time') cols.push('dt', 'hour');
    return new Set(cols);
  };
  const needDep = (path: string, key: unknown): boolean => {
    if (!text(key)) {
      problems.push(`${where(path)} must name the dep holding the data (one of: ${deps.join(', ') || 'none: add the dep first'})`);
      return false;
    }
    if (!deps.includes(key as string)) {
      problems.push(`${where(path)} '${String(key)}' is not a dep of ${asset.key}; add it to deps, or name one of: ${deps.join(', ') || 'none'}${hint(String(key), deps)}`);
      return false;
    }
    return true;
  };
  const needColumn = (path: string, key: string | undefined, column: unknown) => {
    if (!text(column)) {
      problems.push(`${where(path)} must name a column`);
      return;
    }
    const cols = key ? columnsOf(key) : undefined;
    if (cols && !cols.has(column as string)) {
      problems.push(`${where(path)} '${String(column)}' is not a column of ${key} (its contract has: ${[...cols].join(', ')})${hint(String(column), cols)}`);
    }
  };

  const i = model.interactions ?? ({} as RecommenderModel['interactions']);
  const interactionsOk = needDep('interactions.asset', i.asset);
  const inInteractions = interactionsOk ? i.asset : undefined;
  for (const c of ['user', 'item', 'rating', 'time'] as const) needColumn(`interactions.${c}`, inInteractions, i[c]);
  if (!Number.isFinite(model.liked?.minRating)) problems.push(`${where('liked.minRating')} must be a number (interactions rated at least this are liked)`);
  if (!Number.isInteger(model.holdoutDays) || model.holdoutDays < 1) problems.push(`${where('holdoutDays')} must be a whole number of days, at least 1 (got ${String(model.holdoutDays)})`);
  if (model.metric !== 'recallAt10' && model.metric !== 'ndcgAt10') problems.push(`${where('metric')} must be 'recallAt10' or 'ndcgAt10' (got '${String(model.metric)}')`);

  const fields = new Map<string, string>();
  for (const side of ['users', 'items'] as const) {
    const e = model[side];
    if (!e) {
      problems.push(`${where(side)} is missing; declare its id, field and features`);
      continue;
    }
    let table = inInteractions;
    if (e.asset !== undefined) table = needDep(`${side}.asset`, e.asset) ? e.asset : undefined;
    needColumn(`${side}.id`, table, e.id);
    if (!text(e.field)) problems.push(`${where(`${side}.field`)} must name the id outside the lake (API field, index document field)`);
    if (e.idType !== 'string' && e.idType !== 'integer') problems.push(`${where(`${side}.idType`)} must be 'string' or 'integer' (got '${String(e.idType)}')`);
    const columns = new Set<string>();
    (e.features ?? []).forEach((f, n) => {
      const at = `${side}.features[${n}]`;
      needColumn(`${at}.column`, table, f.column);
      if (columns.has(f.column)) problems.push(`${where(at)}: column '${f.column}' is declared twice on ${side}`);
      columns.add(f.column);
      if (!FEATURE_TYPES.includes(f.type)) problems.push(`${where(`${at}.type`)} must be one of ${FEATURE_TYPES.join(', ')} (got '${String(f.type)}')${hint(String(f.type), FEATURE_TYPES)}`);
      if (f.type === 'multi' && f.separator !== undefined && f.separator === '') problems.push(`${where(`${at}.separator`)} must not be empty`);
      // Request fields of one side must be distinct (serving maps each to one column).
      const field = featureField(f);
      const taken = fields.get(`${side}:${field}`);
      if (taken) problems.push(`${where(at)}: field '${field}' is also used by ${taken}; give one a distinct field`);
      fields.set(`${side}:${field}`, `${side} feature '${f.column}'`);
    });
    if (text(e.field) && fields.has(`${side}:${e.field}`)) problems.push(`${where(`${side}.field`)} '${e.field}' is also the field of a ${side} feature; the id and the features need distinct fields`);
    if (!e.idEmbedding && (e.features ?? []).length === 0) problems.push(`${where(side)} has no features and idEmbedding false: nothing to embed it from; add features or set idEmbedding: true`);
  }
  return problems;
}

/** The model an emr-spark asset declares, if any. */
export function declaredModel(asset: AssetDefinition | undefined): RecommenderModel | undefined {
  return asset?.compute.kind === 'emr-spark' ? (asset.compute as unknown as EmrSparkSettings).model : undefined;
}

export const emrSparkKind: KindDescriptorOf<EmrSparkSettings, 'batch'> = {
  name: 'emr-spark',
  description: 'Spark on EMR Serverless (embedded: the TypeScript trainer)',
  category: 'batch',
  files: ['script'],
  backfill: { type: 'single_run' },
  validate(asset, depOf) {
    const model = declaredModel(asset);
    return model ? recommenderModelProblems(asset, model, depOf) : [];
  },
};
