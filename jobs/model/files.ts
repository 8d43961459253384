/**
 * The files of a committed model folder, the same whoever writes it (the TypeScript trainer, the
 * PySpark one on EMR or local Spark) and whoever reads it (index loads, serving, erasure). A module
 * of names only: infra/ imports it for IAM resources without loading a trainer.
 */

export const MODEL_FILES = { model: 'model.json', items: 'item_embeddings.parquet', users: 'user_embeddings.parquet' } as const;

/** The embeddings file of a side in the model folder (`<entity field>, embedding float[]`). */
export const embeddingsFileName = (entity: 'user' | 'item'): string => (entity === 'user' ? MODEL_FILES.users : MODEL_FILES.items);
