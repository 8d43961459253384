/**
 * What an erasure on the stack touches and how, computed from the graph alone (pure, no Pulumi):
 * lineage and contracts (`subjectMap`) give every asset that can hold each subject; the deployed
 * manifest entry of each gives where its records rest (bucket and prefix, index endpoint and
 * alias). The holders go into the erasure state machine's definition and the erase job's
 * arguments, so an execution needs nothing but the request.
 *
 * One state machine per stack, not per subject or asset: an erasure is one request that must
 * reach every holder of every subject named, and its history reads as one erasure.
 */
import { computeSettings, subjectMap, subjectsOf, type AssetGraph, type AssetKey, type SubjectHolder } from '../../assets/core';
import type { ErasureField, ErasureHolder, ErasureSource } from '../../jobs/aws/erasure-contract';
import type { AssetManifest } from '../../jobs/aws/manifest';

/** A derived holder as the graph says it: its face and fields; where it rests comes from the deployed manifest. */
export interface HolderShape {
  readonly key: AssetKey;
  readonly face: ErasureHolder['face'];
  readonly fields: readonly ErasureField[];
  /** `lake-file`: the declared file. */
  readonly file?: string;
}

export interface ErasureShape {
  readonly subjects: readonly string[];
  readonly holders: readonly HolderShape[];
  readonly sources: readonly ErasureSource[];
}

/** Thrown at synthesis: a gap in lineage or a holder no face reaches, naming the asset and the fix. */
export class ErasurePlanError extends Error {
  override readonly name = 'ErasurePlanError';
}

/** The face of one derived holder, from its declaration. */
function shapeOf(graph: AssetGraph, subject: string, h: SubjectHolder): HolderShape {
  const asset = graph.get(h.key);
  const fields = h.fields.map((f) => ({ subject, field: f.field }));
  if (asset.storage?.kind === 'vector-store') return { key: h.key, face: 'index', fields };
  if (asset.storage?.kind !== 'lake') {
    throw new ErasurePlanError(`${h.key} holds '${subject}' data in ${asset.storage?.kind ?? 'no'} storage, which erasure cannot reach on AWS; give it lake or vector-store storage, or erase it with your own tooling`);
  }
  const files = [...new Set(h.fields.map((f) => f.file))];
  if (files.some((f) => f !== undefined)) {
    if (files.length !== 1 || !files[0]?.endsWith('.parquet')) {
      throw new ErasurePlanError(`${h.key}: erasure on AWS rewrites one declared Parquet file per asset; its subjects name ${files.map((f) => f ?? '(every data file)').join(', ')}`);
    }
    return { key: h.key, face: 'lake-file', file: files[0], fields };
  }
  return { key: h.key, face: (asset.storage as { format?: string }).format === 'json' ? 'lake-records' : 'lake-table', fields };
}

/** Every holder of every subject the graph names, one per asset (fields of all subjects together), and the sources. */
export function erasureShape(graph: AssetGraph): ErasureShape {
  const holders = new Map<AssetKey, HolderShape>();
  const sources: ErasureSource[] = [];
  const subjects = subjectsOf(graph);
  for (const subject of subjects) {
    const m = subjectMap(graph, subject);
    if (m.gaps.length) throw new ErasurePlanError(`erasure cannot know what ${m.gaps.length} asset(s) keep:\n${m.gaps.map((g) => `  - ${g.message}`).join('\n')}`);
    for (const h of m.holders) {
      if (h.role === 'source') {
        const source = graph.get(h.key);
        const retention = source.compute.kind === 'kinesis-stream' ? (computeSettings<{ kind: string; retentionHours?: number }>(source).retentionHours ?? 24) : undefined;
        sources.push({
          key: h.key,
          subject,
          note: retention !== undefined ? `records cannot be deleted from a stream; they expire within ${retention} h, and deliveries exclude the subject until then` : 'owned upstream: its owner deletes it; extracts exclude it until then',
        });
        continue;
      }
      const shape = shapeOf(graph, subject, h);
      const had = holders.get(h.key);
      if (had && had.face !== shape.face) throw new ErasurePlanError(`${h.key}: its subjects are kept in two ways (${had.face}, ${shape.face}); declare them alike`);
      holders.set(h.key, had ? { ...had, fields: [...had.fields, ...shape.fields] } : shape);
    }
  }
  return { subjects, holders: [...holders.values()], sources };
}

/** The holders with where they rest on the stack, from the deployed manifest entries. */
export function resolveHolders(shapes: readonly HolderShape[], entries: Readonly<Record<AssetKey, AssetManifest>>): ErasureHolder[] {
  return shapes.map((h): ErasureHolder => {
    const entry = entries[h.key];
    if (!entry) throw new ErasurePlanError(`${h.key} holds subject data but the stack deploys nothing for it; erasure cannot reach it`);
    if (h.face === 'index') {
      if (entry.kind !== 'vector-index') throw new ErasurePlanError(`${h.key} keeps its records in an index, but is deployed as '${entry.kind}'`);
      return { key: h.key, face: 'index', endpoint: entry.endpoint, signingService: entry.signingService, alias: entry.alias, idField: entry.idField, fields: h.fields };
    }
    const loc = entry.location;
    if (!loc) throw new ErasurePlanError(`${h.key} holds subject data but its manifest entry has no lake location; redeploy the stack`);
    if (h.face === 'lake-file') return { key: h.key, face: 'lake-file', bucket: loc.bucket, prefix: loc.prefix, file: h.file!, fields: h.fields };
    if (h.face === 'lake-records') return { key: h.key, face: 'lake-records', bucket: loc.bucket, prefixes: [loc.prefix, ...extraRecordPrefixes(entry)], fields: h.fields };
    return { key: h.key, face: 'lake-table', bucket: loc.bucket, prefix: loc.prefix, fields: h.fields };
  });
}

/** A delivery stream also keeps rejected records (their original in `rawData`) and a backup of every source record. */
export function extraRecordPrefixes(entry: AssetManifest): string[] {
  return entry.kind === 'stream-delivery' ? [entry.errorPrefix, ...(entry.backupPrefix ? [entry.backupPrefix] : [])] : [];
}
