/**
 * Reads an embeddings Parquet file (`<id column>, embedding <float list>`, as the embedded trainer
 * writes it with DuckDB and the Spark trainer with Spark) in pure JavaScript (hyparquet), so the
 * index load runs in a Lambda without a native module. Snappy and uncompressed files only: the
 * codecs both writers use by default.
 */
import fs from 'node:fs';
import { parquetMetadata, parquetReadObjects, parquetSchema, type FileMetaData } from 'hyparquet';

/** The embeddings of one file: ids as strings (integer ids included), one vector per id. */
export interface EmbeddingsRows {
  readonly ids: string[];
  readonly vectors: Float32Array[];
}

/** The column holding the vectors, in both writers. */
export const EMBEDDING_COLUMN = 'embedding';

const CODECS = new Set(['SNAPPY', 'UNCOMPRESSED']);

/** Top-level column names and the codecs used, or why the bytes are not a Parquet file. */
function describe(meta: FileMetaData): { columns: string[]; codecs: Set<string> } {
  const columns = parquetSchema(meta).children.map((c) => c.element.name);
  const codecs = new Set(meta.row_groups.flatMap((g) => g.columns.map((c) => String(c.meta_data?.codec ?? 'UNCOMPRESSED'))));
  return { columns, codecs };
}

/** An id cell as the index's document id: strings as is, integers (number or bigint) in decimal. */
function idText(v: unknown, column: string, row: number): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'bigint' || (typeof v === 'number' && Number.isInteger(v))) return String(v);
  throw new Error(`row ${row}: ${column} is ${v === null || v === undefined ? 'null' : `a ${typeof v} (${String(v)})`}, expected a string or an integer id`);
}

/** A vector cell: a list of numbers with no null. */
function vectorOf(v: unknown, id: string): Float32Array {
  if (!Array.isArray(v) && !ArrayBuffer.isView(v)) throw new Error(`${id}: ${EMBEDDING_COLUMN} is ${v === null || v === undefined ? 'null' : `a ${typeof v}`}, expected a list of floats`);
  const out = new Float32Array((v as ArrayLike<unknown>).length);
  for (let j = 0; j < out.length; j++) {
    const x = (v as ArrayLike<unknown>)[j];
    if (typeof x !== 'number') throw new Error(`${id}: ${EMBEDDING_COLUMN}[${j}] is ${x === null || x === undefined ? 'null' : `a ${typeof x}`}, expected a float`);
    out[j] = x;
  }
  return out;
}

/** Reads the ids of `idColumn` and the vectors of `embedding` from Parquet bytes. */
export async function readEmbeddings(bytes: ArrayBuffer, idColumn: string): Promise<EmbeddingsRows> {
  let meta: FileMetaData;
  try {
    meta = parquetMetadata(bytes);
  } catch (e) {
    throw new Error(`not a Parquet file (${(e as Error).message})`);
  }
  const { columns, codecs } = describe(meta);
  for (const c of [idColumn, EMBEDDING_COLUMN]) {
    if (!columns.includes(c)) throw new Error(`has no column '${c}' (columns: ${columns.join(', ')}); an embeddings file holds '${idColumn}' and '${EMBEDDING_COLUMN}'`);
  }
  const unsupported = [...codecs].filter((c) => !CODECS.has(c));
  if (unsupported.length) throw new Error(`is compressed with ${unsupported.join(', ')}; the index load reads ${[...CODECS].join(' or ')} Parquet (the writers' default)`);
  const rows = await parquetReadObjects({ file: bytes, metadata: meta, columns: [idColumn, EMBEDDING_COLUMN] });
  const ids: string[] = [];
  const vectors: Float32Array[] = [];
  rows.forEach((r, i) => {
    const id = idText(r[idColumn], idColumn, i);
    ids.push(id);
    vectors.push(vectorOf(r[EMBEDDING_COLUMN], `${idColumn} ${id}`));
  });
  return { ids, vectors };
}

/** `readEmbeddings` of a file on disk. */
export async function readEmbeddingsFile(file: string, idColumn: string): Promise<EmbeddingsRows> {
  const buf = await fs.promises.readFile(file);
  return readEmbeddings(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer, idColumn);
}
