import type { KindDescriptorOf } from '../core/kinds';
import type { AssetDefinition } from '../core/types';
import { declaredModel, type ModelEntity, type RecommenderModel } from './emr-spark';

/** A k-NN vector index loaded from a model's embeddings (AWS: OpenSearch; embedded: HNSW). */
export interface VectorIndexSettings {
  readonly kind: 'vector-index';
  /** Which embeddings of the model it depends on to load: `item` or `user`. */
  readonly entity: 'item' | 'user';
  /** Vector dimension: the model's factors + 1 (its bias dimension). */
  readonly dimension: number;
  /** Similarity. @default 'innerproduct' (the bias dimension makes ranking a pure inner product) */
  readonly space: 'innerproduct' | 'cosinesimil' | 'l2';
  /** Document field holding the entity id (Serverless vector collections reject custom `_id`s). */
  readonly idField: string;
  /** HNSW graph degree. @default 16 */
  readonly m: number;
  /** HNSW build beam. @default 128 */
  readonly efConstruction: number;
  /** HNSW query beam. @default 100 */
  readonly efSearch: number;
  /** Alias that readers use; each load writes `<alias>_v<N>` and swaps the alias. */
  readonly alias: string;
}

export const vectorIndex = (
  s: Pick<VectorIndexSettings, 'entity' | 'dimension' | 'idField' | 'alias'> & Partial<Omit<VectorIndexSettings, 'kind'>>,
): VectorIndexSettings => ({ kind: 'vector-index', space: 'innerproduct', m: 16, efConstruction: 128, efSearch: 100, ...s });

/** The model an index loads: its one dep that is an `emr-spark` asset declaring `model`. */
export interface IndexedModel {
  /** The model asset's key (its folder holds the embeddings). */
  readonly key: string;
  readonly model: RecommenderModel;
  /** The side the index holds. */
  readonly entity: ModelEntity;
}

/** The deps of `asset` that declare a model. */
const modelDeps = (asset: AssetDefinition, depOf: (key: string) => AssetDefinition | undefined) =>
  asset.deps.map((d) => depOf(d.key)).filter((a): a is AssetDefinition => declaredModel(a) !== undefined);

/** The model a vector-index asset loads, found through its deps; throws naming the fix when there is none or several. */
export function indexedModel(asset: AssetDefinition, depOf: (key: string) => AssetDefinition | undefined): IndexedModel {
  const found = modelDeps(asset, depOf);
  if (found.length !== 1) throw new Error(`${asset.key}: ${modelDepProblem(asset, found)}`);
  const model = declaredModel(found[0])!;
  const s = asset.compute as unknown as VectorIndexSettings;
  return { key: found[0].key, model, entity: s.entity === 'user' ? model.users : model.items };
}

function modelDepProblem(asset: AssetDefinition, found: readonly AssetDefinition[]): string {
  return found.length === 0
    ? `loads a model's embeddings, but none of its deps (${asset.deps.map((d) => d.key).join(', ') || 'none'}) is an emr-spark asset declaring model: recommenderModel({...}); add the model to its deps`
    : `has ${found.length} model deps (${found.map((a) => a.key).join(', ')}); an index loads one model: keep one of them`;
}

export const vectorIndexKind: KindDescriptorOf<VectorIndexSettings, 'batch'> = {
  name: 'vector-index',
  description: 'k-NN index (OpenSearch on AWS, HNSW embedded), versioned behind an alias',
  category: 'batch',
  // An index load replaces the whole index: one load per run.
  backfill: { type: 'per_partition' },
  validate(asset, depOf) {
    const s = asset.compute as unknown as VectorIndexSettings;
    const problems: string[] = [];
    if (s.entity !== 'user' && s.entity !== 'item') problems.push(`entity must be 'user' or 'item' (got '${String(s.entity)}')`);
    if (typeof s.idField !== 'string' || s.idField.trim() === '') problems.push('idField must name the document field holding the entity id');
    const found = modelDeps(asset, depOf);
    if (found.length !== 1) return [...problems, modelDepProblem(asset, found)];
    const factors = (found[0].compute as { params?: Record<string, unknown> }).params?.factors;
    if (typeof factors === 'number' && s.dimension !== factors + 1) {
      problems.push(`dimension is ${s.dimension} but ${found[0].key} trains ${factors} factors, so its embeddings have ${factors + 1} dimensions (factors + bias); set dimension: ${factors + 1}`);
    }
    return problems;
  },
};
