/**
 * `npm run -s bench:synth [-- --json] [--assets N] [--stack dev]`: synthesizes a generated graph
 * of N assets (default 200; every compute kind, wired like the reference graph) under Pulumi
 * mocks and runs the policy pack. Prints human lines, then with --json one JSON object last:
 * assets, resources, synthMs (program + mocks until every registration settled), policyMs.
 *
 * Loads infra/ and Pulumi on purpose: it measures the Pulumi program.
 */
import { mocks } from '../../infra/synth/install-mocks';
import { defineAsset, defineGraph, dailyPartitions, hourlyPartitions, type AssetDefinition } from '../../assets/core';
import { REFERENCE_KINDS, emrSpark, glueExtract, glueSql, kinesisStream, lambdaApi, rdsTable, recommenderModel, streamDelivery, vectorIndex } from '../../assets/kinds';
import referenceGraph from '../../assets';
import { loadConfig } from '../../infra/config';
import { readStackFile } from '../../infra/stack-files';
import { plan } from '../../infra/synth/plan';

const arg = (name: string): string | undefined => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
};

/**
 * A platform of `n` assets in "domains" of ten: 2 source tables, 2 extracts, 3 SQL transforms, a
 * model, an index and an API per domain, plus one stream and its delivery for every fifth domain.
 * Code paths are the reference graph's, so every file the program uploads exists.
 */
export function generatedGraph(n: number) {
  const ref = (key: string) => referenceGraph.get(key);
  const sql = (ref('analytics/sales_hourly').compute as unknown as { sql: string }).sql;
  const contract = ref('raw/customers').contract!;
  const assets: AssetDefinition[] = [];
  const daily = dailyPartitions({ start: '2026-01-01' });
  const hourly = hourlyPartitions({ start: '2026-01-01T00:00' });
  for (let d = 0; assets.length < n; d++) {
    const z = `d${d}`;
    const push = (a: AssetDefinition) => assets.length < n && assets.push(a);
    const owners = [`team:${z}`];
    push(defineAsset({ key: `source/${z}_a`, source: true, compute: rdsTable({ table: `${z}_a` }), storage: { kind: 'rds' }, contract, owners }));
    push(defineAsset({ key: `source/${z}_b`, source: true, compute: rdsTable({ table: `${z}_b` }), storage: { kind: 'rds' }, contract, owners }));
    const lake = (zone: string) => ({ kind: 'lake', zone, format: 'parquet' as const });
    push(defineAsset({ key: `raw/${z}_a`, deps: [`source/${z}_a`], compute: glueExtract({ from: `source/${z}_a` }), storage: lake('raw'), contract, owners }));
    push(defineAsset({ key: `raw/${z}_b`, deps: [`source/${z}_b`], partitions: daily, compute: glueExtract({ from: `source/${z}_b`, partitionColumn: 'updatedAt' }), storage: lake('raw'), contract, owners }));
    push(defineAsset({ key: `training/${z}_set`, deps: [`raw/${z}_a`, `raw/${z}_b`], partitions: daily, compute: glueSql({ sql }), storage: lake('training'), contract, owners }));
    push(defineAsset({ key: `analytics/${z}_hourly`, deps: [`raw/${z}_a`, `source/${z}_b`], partitions: hourly, compute: glueSql({ sql }), storage: lake('analytics'), contract, owners, freshness: { maxLagMinutes: 60 } }));
    push(defineAsset({ key: `analytics/${z}_daily`, deps: [`training/${z}_set`], partitions: daily, compute: glueSql({ sql }), storage: lake('analytics'), contract, owners }));
    // A model serving can read: users by their id and features in the domain's snapshot, items by a column of the set.
    const model = recommenderModel({
      interactions: { asset: `training/${z}_set`, user: 'customerNumber', item: 'postalCode', rating: 'creditLimit', time: 'dt' },
      users: { asset: `raw/${z}_a`, id: 'customerNumber', field: 'customer_number', idType: 'integer', features: [{ column: 'country', type: 'categorical' }] },
      items: { id: 'postalCode', field: 'product_code' },
    });
    push(defineAsset({ key: `model/${z}`, deps: [`training/${z}_set`, `raw/${z}_a`], compute: emrSpark({ script: ref('model/recommender').code[0], model }), storage: lake('model'), owners }));
    push(defineAsset({ key: `index/${z}_items`, deps: [`model/${z}`], compute: vectorIndex({ entity: 'item', dimension: 33, idField: 'product_code', alias: `${z}_items` }), storage: { kind: 'vector-store' }, owners }));
    const api = ref('serving/recommender_api').compute as unknown as { handler: string };
    push(defineAsset({ key: `serving/${z}_api`, deps: [`index/${z}_items`, `model/${z}`], compute: lambdaApi({ handler: api.handler }), storage: { kind: 'none' }, owners }));
    if (d % 5 === 0) {
      const transform = (ref('serving/recommendations').compute as unknown as { transform: string }).transform;
      push(defineAsset({ key: `stream/${z}_events`, source: true, compute: kinesisStream(), storage: { kind: 'kinesis' }, contract: ref('stream/user_events').contract, owners }));
      push(
        defineAsset({
          key: `serving/${z}_stream`,
          deps: [`stream/${z}_events`, `index/${z}_items`, `model/${z}`],
          compute: streamDelivery({ transform }),
          storage: { kind: 'lake', zone: 'serving', format: 'json', layout: 'year=/month=/day=/hour=' },
          owners,
        }),
      );
    }
  }
  // The last domain may be cut short: keep only assets whose deps made it.
  const keys = new Set(assets.map((a) => a.key));
  return defineGraph(assets.filter((a) => a.deps.every((dep) => keys.has(dep.key))), { kinds: REFERENCE_KINDS });
}

async function main(): Promise<void> {
  const n = Number(arg('--assets') ?? 200);
  const stack = arg('--stack') ?? 'dev';
  const graph = generatedGraph(n);
  const file = readStackFile(stack);
  const cfg = loadConfig(stack, file.region, file.source);
  const report = await plan(mocks, graph, cfg);
  const rssMb = Math.round(process.memoryUsage().rss / 1e6);
  console.log(`bench:synth  stack ${stack}, generated graph of ${report.assets} assets`);
  console.log(`  resources   ${report.resources} (+${report.components} components)`);
  console.log(`  synth       ${report.synthMs} ms (program under mocks, all registrations settled)`);
  console.log(`  policies    ${report.policyMs} ms, ${report.violations} violation(s)`);
  console.log(`  rss         ${rssMb} MB`);
  if (process.argv.includes('--json')) {
    console.log(JSON.stringify({ stack, violations: report.violations, policyMs: report.policyMs, rssMb, assets: report.assets, resources: report.resources, synthMs: report.synthMs }));
  }
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(`bench:synth: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(2);
  },
);
