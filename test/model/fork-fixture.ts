/**
 * A fork of another domain in miniature (listeners, tracks and plays), to prove the model reads
 * only its declaration: other keys, other columns, string or integer ids, a multi-valued feature
 * (genres as a list column or a `|`-separated string), users with or without an entity asset.
 * The data is `syntheticRatings`' (customers become listeners, products tracks).
 */
import fs from 'node:fs';
import path from 'node:path';
import { dailyPartitions, defineAsset, defineGraph, type AssetGraph, type Contract } from '../../assets/core';
import { REFERENCE_KINDS, beatsPopularity, emrSpark, glueSql, recommenderModel, vectorIndex, type RecommenderModel } from '../../assets/kinds';
import { withDuckDb } from '../../jobs/model/lake-io';
import type { SyntheticData } from './synthetic';

export interface ForkOptions {
  /** How ids are declared and written. */
  readonly idType: 'string' | 'integer';
  /** Genres as a list column or one `|`-separated string. */
  readonly genres: 'list' | 'text';
  /** Listener features from a `people/listeners` snapshot, or from the plays themselves. */
  readonly listenerAsset: boolean;
}

const DAILY = dailyPartitions({ start: '2026-01-01' });
const col = (name: string, type: string, nullable = true) => ({ name, type, nullable });

/** The fork's graph: its model `ml/taste` and two indexes with their own id fields. */
export function forkGraph(o: ForkOptions): { graph: AssetGraph; model: RecommenderModel } {
  const id = o.idType === 'integer' ? 'bigint' : 'string';
  const plays = defineAsset({
    key: 'events/plays',
    partitions: DAILY,
    compute: glueSql({ sql: 'jobs/transforms/sql/none.sql' }),
    contract: { columns: [col('listener', id, false), col('track', id, false), col('stars', 'int', false), col('home_country', 'string')] } satisfies Contract,
  });
  const tracks = defineAsset({
    key: 'catalog/tracks',
    compute: glueSql({ sql: 'jobs/transforms/sql/none.sql' }),
    contract: { columns: [col('track_id', id, false), col('genres', o.genres === 'list' ? 'array<string>' : 'string'), col('label', 'string'), col('price', 'double')] },
  });
  const listeners = defineAsset({
    key: 'people/listeners',
    compute: glueSql({ sql: 'jobs/transforms/sql/none.sql' }),
    contract: { columns: [col('listener_id', id, false), col('home_country', 'string'), col('town', 'string'), col('budget', 'double')] },
  });
  const model = recommenderModel({
    interactions: { asset: 'events/plays', user: 'listener', item: 'track', rating: 'stars', time: 'dt' },
    users: {
      ...(o.listenerAsset ? { asset: 'people/listeners', id: 'listener_id' } : { id: 'listener' }),
      field: 'listener',
      idType: o.idType,
      features: o.listenerAsset
        ? [
            { column: 'home_country', type: 'categorical', field: 'country' },
            { column: 'town', type: 'categorical' },
            { column: 'budget', type: 'numeric' },
          ]
        : [{ column: 'home_country', type: 'categorical', field: 'country' }],
    },
    items: {
      asset: 'catalog/tracks',
      id: 'track_id',
      field: 'track',
      idType: o.idType,
      features: [
        { column: 'genres', type: 'multi' },
        { column: 'label', type: 'categorical' },
        { column: 'price', type: 'numeric' },
      ],
    },
    holdoutDays: 7,
  });
  const taste = defineAsset({
    key: 'ml/taste',
    deps: [plays, tracks, ...(o.listenerAsset ? [listeners] : [])],
    compute: emrSpark({ script: 'jobs/spark/train_recommender.py', model, params: { factors: 16, epochs: 20, seed: 3 } }),
    storage: { kind: 'lake', zone: 'ml', format: 'parquet' },
    checks: beatsPopularity(model, { byUserGroup: true }),
  });
  const trackIndex = defineAsset({ key: 'search/tracks', deps: [taste], compute: vectorIndex({ entity: 'item', dimension: 17, idField: 'track_ref', alias: 'tracks' }) });
  const listenerIndex = defineAsset({ key: 'search/listeners', deps: [taste], compute: vectorIndex({ entity: 'user', dimension: 17, idField: 'listener', alias: 'listeners' }) });
  const assets = [plays, tracks, ...(o.listenerAsset ? [listeners] : []), taste, trackIndex, listenerIndex];
  return { graph: defineGraph(assets, { kinds: REFERENCE_KINDS }), model };
}

/** Id of the `n`th listener / track as the fork writes it. */
export const listenerId = (o: Pick<ForkOptions, 'idType'>, n: number): string => (o.idType === 'integer' ? String(7_000_000_000 + n) : `listener-${n}`);
export const trackId = (o: Pick<ForkOptions, 'idType'>, n: number): string => (o.idType === 'integer' ? String(900 + n) : `trk:${n}`);

const day = (d: number) => new Date(d * 86_400_000).toISOString().slice(0, 10);

/** Writes the fork's lake (plays by day, the track and listener snapshots) from synthetic data. */
export async function writeForkLake(lakeRoot: string, s: SyntheticData, o: ForkOptions): Promise<void> {
  const { data } = s;
  const tmp = fs.mkdtempSync(path.join(lakeRoot, '.fixture-'));
  const jsonl = (name: string, rows: unknown[]) => {
    const file = path.join(tmp, `${name}.jsonl`);
    fs.writeFileSync(file, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
    return file.replace(/'/g, "''");
  };
  const idSql = o.idType === 'integer' ? 'BIGINT' : 'VARCHAR';
  const country = (u: number) => String(data.users.features[u].country);
  const tracks = data.items.features.map((f, i) => ({
    track_id: trackId(o, i),
    // Two genres: the line (what listeners' countries favour) and the scale.
    genres: o.genres === 'list' ? [f.productLine, `scale ${String(f.productScale)}`] : `${String(f.productLine)}|scale ${String(f.productScale)}`,
    label: f.productVendor,
    price: f.buyPrice,
  }));
  const listeners = data.users.features.map((f, u) => ({ listener_id: listenerId(o, u), home_country: f.country, town: f.city, budget: f.creditLimit }));
  const plays = Array.from({ length: data.ratings.length }, (_, r) => ({
    listener: listenerId(o, data.ratings.user[r]),
    track: trackId(o, data.ratings.item[r]),
    stars: data.ratings.rating[r],
    home_country: country(data.ratings.user[r]),
    dt: day(data.ratings.day[r]),
  }));
  await withDuckDb(async (c) => {
    const out = (key: string) => path.join(lakeRoot, ...key.split('/'));
    fs.mkdirSync(out('catalog/tracks'), { recursive: true });
    fs.mkdirSync(out('people/listeners'), { recursive: true });
    fs.mkdirSync(out('events/plays'), { recursive: true });
    const genres = o.genres === 'list' ? 'VARCHAR[]' : 'VARCHAR';
    await c.run(
      `COPY (SELECT * FROM read_json('${jsonl('tracks', tracks)}', columns = {track_id: '${idSql}', genres: '${genres}', label: 'VARCHAR', price: 'DOUBLE'})) TO '${out('catalog/tracks')}/part-00000.parquet' (FORMAT parquet)`,
    );
    await c.run(
      `COPY (SELECT * FROM read_json('${jsonl('listeners', listeners)}', columns = {listener_id: '${idSql}', home_country: 'VARCHAR', town: 'VARCHAR', budget: 'DOUBLE'})) TO '${out('people/listeners')}/part-00000.parquet' (FORMAT parquet)`,
    );
    await c.run(
      `COPY (SELECT * FROM read_json('${jsonl('plays', plays)}', columns = {listener: '${idSql}', track: '${idSql}', stars: 'INTEGER', home_country: 'VARCHAR', dt: 'VARCHAR'})) TO '${out('events/plays')}' (FORMAT parquet, PARTITION_BY (dt), OVERWRITE_OR_IGNORE)`,
    );
  });
  fs.rmSync(tmp, { recursive: true, force: true });
}
