/**
 * What a serving asset (a `lambda-api` or a `stream-delivery`) reads, found through its deps by
 * kind: the model it embeds users with, the fallback list, the vector indexes, and (for a
 * stream) the stream and its event shape. One pure function for every face: the Pulumi
 * components set the environment from it, `assets serve` and the embedded stream set the same
 * variables locally, and the handlers read them, so a fork's stack and its Lambda always agree.
 */
import { parseColumnType, type ColumnType } from '../core/column-types';
import { UserError } from '../core/errors';
import type { AssetDefinition, AssetKey } from '../core/types';
import { fallbackProblems, type FallbackSettings } from './glue-sql';
import type { LabSurface, LambdaApiSettings } from './lambda-api';
import type { StreamDeliverySettings, StreamOutputFields } from './stream-delivery';

/** The part of a graph serving needs: each dep's declaration. */
export interface DeclarationLookup {
  get(key: AssetKey): AssetDefinition;
}

/** Which deps of a serving asset play which part (asset keys). */
export interface ServingBindings {
  /** The `emr-spark` dep declaring `model`. */
  readonly model: AssetKey;
  /** The `glue-sql` dep declaring `fallback`, when there is one. */
  readonly fallback?: AssetKey;
  /** The `vector-index` deps, by the entity they hold. */
  readonly indexes: { readonly user?: AssetKey; readonly item?: AssetKey };
  /** The `kinesis-stream` dep a `stream-delivery` reads. */
  readonly stream?: AssetKey;
}

/** What the environment variables of a serving function hold (see `servingVariable`). */
export type ServingRole = 'config' | 'model' | 'fallback';

/**
 * The environment variable the stack (or `assets serve`, or the embedded stream) sets for a role,
 * and the handlers read: `config` holds `servingConfig` as JSON; `model` and `fallback` the folder
 * (`s3://bucket/prefix/` on AWS, a local path embedded) of the model's and the fallback's asset.
 */
export function servingVariable(role: ServingRole): string {
  return role === 'config' ? 'HEADWATER_SERVING' : `HEADWATER_SERVING_${role.toUpperCase()}`;
}

/** The model declaration as serving reads it (the `model` setting of `emr-spark`, see emr-spark.ts). */
interface DeclaredEntity {
  readonly field: string;
  readonly idType?: 'string' | 'integer';
  readonly features?: readonly { readonly column: string; readonly type: 'categorical' | 'numeric' | 'multi'; readonly separator?: string; readonly field?: string }[];
}
interface DeclaredModel {
  readonly users: DeclaredEntity;
  readonly items: DeclaredEntity;
}

/** An id as requests and events carry it. */
export interface ServedId {
  /** Its name in requests, responses and events. */
  readonly field: string;
  readonly idType: 'string' | 'integer';
}

/** A user feature a request or event may carry, for embedding a user the index does not know. */
export interface ServedFeature {
  /** Its name in requests and events. */
  readonly field: string;
  /** Its column in the model (what the trainer learned it as). */
  readonly column: string;
  readonly type: 'categorical' | 'numeric' | 'multi';
  /** `multi` given as one string: the separator between values. */
  readonly separator?: string;
}

/** A field of the structs in an event's history, with its declared type (for validation). */
export interface HistoryField {
  readonly name: string;
  readonly type: 'string' | 'integer' | 'number' | 'boolean' | 'other';
}

/** The event shape a stream transform reads (from the stream's contract and the delivery's `event` setting). */
export interface ServedEvent {
  /** The array-of-struct column listing what the user interacted with. */
  readonly history: string;
  /** Every field of those structs (the item id field among them). */
  readonly historyFields: readonly HistoryField[];
  /** The event-time column, when the contract has one (absent in an event: the arrival time). */
  readonly time?: string;
  /** Every column of the contract: an event may carry these, nothing else. */
  readonly columns: readonly string[];
}

/** Everything a serving handler needs besides locations: JSON in `servingVariable('config')`. */
export interface ServingConfig {
  /** The serving asset's key. */
  readonly asset: AssetKey;
  readonly model: AssetKey;
  readonly user: ServedId & { readonly features: readonly ServedFeature[] };
  readonly item: ServedId;
  /** Index aliases, by entity. */
  readonly indexes: { readonly user?: string; readonly item?: string };
  /** The fallback list's asset and the columns each entry carries besides id and score. */
  readonly fallback?: { readonly asset: AssetKey; readonly columns: readonly string[] };
  /** Index time budget before falling back, ms (lambda-api's `budgetMs`). */
  readonly budgetMs?: number;
  /** lambda-api: the lab-compatible surface. */
  readonly lab?: LabSurface;
  /** stream-delivery: the event's shape and the output's. */
  readonly event?: ServedEvent;
  readonly output?: 'headwater' | 'lab';
  /** stream-delivery: the names of the fields the transform adds. */
  readonly outputFields?: StreamOutputFields;
}

/** What is wrong with a serving asset's declaration or deps: every problem found, each saying how to fix it. */
export class ServingDeclarationError extends UserError {
  override name = 'ServingDeclarationError';
  constructor(
    readonly key: AssetKey,
    readonly problems: readonly string[],
  ) {
    super(`${key} cannot serve: ${problems.join('; ')}`);
  }
}

const modelOf = (a: AssetDefinition): DeclaredModel | undefined =>
  a.compute.kind === 'emr-spark' ? (a.compute as unknown as { model?: DeclaredModel }).model : undefined;

/** The one dep of `kind` matching `pick`, or a problem when there are several. */
function oneDep(asset: AssetDefinition, deps: readonly AssetDefinition[], what: string, pick: (d: AssetDefinition) => boolean, problems: string[]): AssetDefinition | undefined {
  const found = deps.filter(pick);
  if (found.length > 1) problems.push(`it depends on ${found.length} ${what} (${found.map((d) => d.key).join(', ')}); keep one`);
  return found[0];
}

/**
 * Whether `key` serves a model: a dep is an emr-spark asset declaring `model`, or a vector index.
 * A lambda-api or stream-delivery with neither runs a handler of its own, which reads no serving
 * config (none is built or set for it).
 */
export function servesModel(graph: DeclarationLookup, key: AssetKey): boolean {
  return graph.get(key).deps.some((d) => {
    const dep = graph.get(d.key);
    return modelOf(dep) !== undefined || dep.compute.kind === 'vector-index';
  });
}

/** The deps playing each part for `key`; throws a UserError listing every problem. */
export function servingBindings(graph: DeclarationLookup, key: AssetKey): ServingBindings {
  const asset = graph.get(key);
  const deps = asset.deps.map((d) => graph.get(d.key));
  const problems: string[] = [];
  const model = oneDep(asset, deps, "emr-spark assets declaring 'model'", (d) => modelOf(d) !== undefined, problems);
  if (!model) problems.push("it needs a dep on the emr-spark asset whose 'model' it serves (emrSpark({ model: recommenderModel({...}) })); add it to deps");
  const fallback = oneDep(asset, deps, "glue-sql assets declaring 'fallback'", (d) => d.compute.kind === 'glue-sql' && (d.compute as unknown as { fallback?: unknown }).fallback !== undefined, problems);
  const index = (entity: 'user' | 'item') =>
    oneDep(asset, deps, `vector-index assets of ${entity}s`, (d) => d.compute.kind === 'vector-index' && (d.compute as unknown as { entity?: string }).entity === entity, problems);
  const user = index('user');
  const item = index('item');
  const stream = asset.compute.kind === 'stream-delivery' ? oneDep(asset, deps, 'kinesis-stream sources', (d) => d.compute.kind === 'kinesis-stream', problems) : undefined;
  if (asset.compute.kind === 'stream-delivery' && !stream) problems.push('a stream-delivery needs a kinesis-stream dep to read from; add one');
  if (fallback) {
    const f = (fallback.compute as unknown as { fallback: FallbackSettings }).fallback;
    for (const p of fallbackProblems(f, fallback.contract?.columns.map((c) => c.name))) problems.push(`its fallback ${fallback.key}: ${p}`);
  }
  if (problems.length) throw new ServingDeclarationError(key, problems);
  return {
    model: model!.key,
    ...(fallback ? { fallback: fallback.key } : {}),
    indexes: { ...(user ? { user: user.key } : {}), ...(item ? { item: item.key } : {}) },
    ...(stream ? { stream: stream.key } : {}),
  };
}

const isStructArray = (t: ColumnType): t is { kind: 'array'; element: Extract<ColumnType, { kind: 'struct' }> } => t.kind === 'array' && t.element.kind === 'struct';

function historyFieldType(t: ColumnType): HistoryField['type'] {
  if (t.kind === 'varchar') return 'string';
  if (t.kind === 'decimal') return 'number';
  if (t.kind !== 'primitive') return 'other';
  if (t.name === 'string') return 'string';
  if (t.name === 'boolean') return 'boolean';
  if (['tinyint', 'smallint', 'int', 'bigint'].includes(t.name)) return 'integer';
  if (t.name === 'float' || t.name === 'double') return 'number';
  return 'other';
}

/** The event shape of a stream-delivery: from its stream's contract and its `event` setting. */
function servedEvent(asset: AssetDefinition, stream: AssetDefinition, itemField: string): ServedEvent {
  const settings = asset.compute as unknown as StreamDeliverySettings;
  const columns = stream.contract?.columns ?? [];
  if (!columns.length) throw new ServingDeclarationError(asset.key, [`its stream ${stream.key} has no contract, so the events' fields are unknown; declare one`]);
  const typed = columns.map((c) => ({ name: c.name, type: parseColumnType(c.type) })).filter((c): c is { name: string; type: ColumnType } => typeof c.type !== 'string');
  const holdsItem = (t: ColumnType) => isStructArray(t) && t.element.fields.some((f) => f.name === itemField);
  const history = settings.event?.history ?? (typed.filter((c) => holdsItem(c.type)).length === 1 ? typed.find((c) => holdsItem(c.type))!.name : undefined);
  const historyColumn = typed.find((c) => c.name === history);
  if (!historyColumn || !holdsItem(historyColumn.type)) {
    throw new ServingDeclarationError(asset.key, [
      `${history ? `event.history names '${history}', which is not` : "its stream's contract needs exactly one column that is"} an array of structs holding the item field '${itemField}' in ${stream.key}'s contract; ` +
        `declare it with streamDelivery({ event: { history: '<column>' } })`,
    ]);
  }
  const timestamps = typed.filter((c) => c.type.kind === 'primitive' && c.type.name === 'timestamp').map((c) => c.name);
  const time = settings.event?.time ?? (timestamps.length === 1 ? timestamps[0] : undefined);
  if (time !== undefined && !timestamps.includes(time)) {
    throw new ServingDeclarationError(asset.key, [`event.time names '${time}', which is not a timestamp column of ${stream.key}'s contract (${timestamps.join(', ') || 'it has none'})`]);
  }
  if (settings.event?.time === undefined && timestamps.length > 1) {
    throw new ServingDeclarationError(asset.key, [`${stream.key}'s contract has several timestamp columns (${timestamps.join(', ')}); say which is the event time with streamDelivery({ event: { time: '<column>' } })`]);
  }
  const struct = (historyColumn.type as { element: Extract<ColumnType, { kind: 'struct' }> }).element;
  return {
    history: historyColumn.name,
    historyFields: struct.fields.map((f) => ({ name: f.name, type: historyFieldType(f.type) })),
    ...(time ? { time } : {}),
    columns: columns.map((c) => c.name),
  };
}

/** Everything the handler of the serving asset `key` needs, from its declaration and its deps. */
export function servingConfig(graph: DeclarationLookup, key: AssetKey): ServingConfig {
  const b = servingBindings(graph, key);
  const asset = graph.get(key);
  const m = modelOf(graph.get(b.model))!;
  const alias = (k?: AssetKey) => (k ? (graph.get(k).compute as unknown as { alias: string }).alias : undefined);
  const userAlias = alias(b.indexes.user);
  const itemAlias = alias(b.indexes.item);
  const features = (m.users.features ?? []).map((f) => ({ field: f.field ?? f.column, column: f.column, type: f.type, ...(f.separator !== undefined ? { separator: f.separator } : {}) }));
  const fields = [m.users.field, ...features.map((f) => f.field)];
  const twice = fields.filter((f, i) => fields.indexOf(f) !== i);
  if (twice.length) throw new ServingDeclarationError(key, [`the model ${b.model} names request field '${twice[0]}' twice (the user id field and the features' fields must differ); set a feature's field`]);
  const config: ServingConfig = {
    asset: key,
    model: b.model,
    user: { field: m.users.field, idType: m.users.idType ?? 'string', features },
    item: { field: m.items.field, idType: m.items.idType ?? 'string' },
    indexes: { ...(userAlias ? { user: userAlias } : {}), ...(itemAlias ? { item: itemAlias } : {}) },
    ...(b.fallback ? { fallback: { asset: b.fallback, columns: (graph.get(b.fallback).compute as unknown as { fallback: FallbackSettings }).fallback.columns } } : {}),
  };
  if (asset.compute.kind === 'lambda-api') {
    const s = asset.compute as unknown as LambdaApiSettings;
    if (s.lab) {
      const problems = labProblems(s.lab, fields);
      if (problems.length) throw new ServingDeclarationError(key, problems);
    }
    return { ...config, budgetMs: s.budgetMs, ...(s.lab ? { lab: s.lab } : {}) };
  }
  if (asset.compute.kind === 'stream-delivery') {
    const s = asset.compute as unknown as StreamDeliverySettings;
    const outputFields = s.outputFields ?? { recommended: 'recommended_items', similar: 'similar_items', fallback: 'fallback' };
    const clash = Object.values(outputFields).find((f) => graph.get(b.stream!).contract?.columns.some((c) => c.name === f));
    if (clash) throw new ServingDeclarationError(key, [`the transform would overwrite the event's own field '${clash}'; rename it with streamDelivery({ outputFields: {...} })`]);
    return { ...config, event: servedEvent(asset, graph.get(b.stream!), m.items.field), output: s.output ?? 'headwater', outputFields };
  }
  return config;
}

/** What is wrong with a lab surface, given the fields requests may carry. */
function labProblems(lab: LabSurface, fields: readonly string[]): string[] {
  const problems: string[] = [];
  if (!/^\/[A-Za-z0-9_-]+(\/[A-Za-z0-9_-]+)*$/.test(lab.basePath)) problems.push(`lab.basePath must be a path such as '/lab', got '${lab.basePath}'`);
  for (const [alias, field] of Object.entries(lab.aliases)) {
    if (!fields.includes(field)) problems.push(`lab.aliases maps '${alias}' to '${field}', which is not a request field (${fields.join(', ')})`);
  }
  return problems;
}

/**
 * The environment variables of the serving function of `key`: the config, and the folders of
 * the model and the fallback asset as `folder` locates them (`s3://` folders in the stack, local
 * folders embedded). Generic over the location type so the Pulumi program can pass its outputs.
 */
export function servingEnvironment<T>(graph: DeclarationLookup, key: AssetKey, folder: (assetKey: AssetKey) => T): Record<string, string | T> {
  if (!servesModel(graph, key)) return {};
  const config = servingConfig(graph, key);
  return {
    [servingVariable('config')]: JSON.stringify(config),
    [servingVariable('model')]: folder(config.model),
    ...(config.fallback ? { [servingVariable('fallback')]: folder(config.fallback.asset) } : {}),
  };
}

/** What is wrong with the serving asset `key` (none: it can serve), for a kind's validation. */
export function servingProblems(graph: DeclarationLookup, key: AssetKey): readonly string[] {
  try {
    servingConfig(graph, key);
    return [];
  } catch (e) {
    if (e instanceof ServingDeclarationError) return e.problems;
    throw e;
  }
}

/**
 * A serving kind's validation in `defineGraph` (`validate` of lambda-api and stream-delivery):
 * what the asset cannot serve with its deps. Unknown deps are reported by the graph already.
 */
export function servingDeclarationProblems(asset: AssetDefinition, depOf: (key: AssetKey) => AssetDefinition | undefined): readonly string[] {
  if (asset.deps.some((d) => !depOf(d.key))) return [];
  const lookup: DeclarationLookup = { get: (key) => (key === asset.key ? asset : depOf(key)!) };
  if (!servesModel(lookup, asset.key)) return [];
  return servingProblems(lookup, asset.key).map((p) => `cannot serve: ${p}`);
}
