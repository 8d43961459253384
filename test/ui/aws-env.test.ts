/**
 * `assets ui --env <stack>`: the server reads the stack's DynamoDB run log and its S3 lake through
 * jobs/aws (aws-sdk-client-mock here): graph states, runs, and the dashboard plotted from Parquet
 * objects downloaded from S3.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { expect } from 'chai';
import { mockClient } from 'aws-sdk-client-mock';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { DynamoDBClient, GetItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { sqlString, withDuckDb } from '../../jobs/embedded/lake/duckdb';
import { loadGraph } from '../../scripts/cli/context';
import { startUiServer, type UiServer } from '../../scripts/ui/server/ui-server';
import { manifest } from '../aws/fixtures';

const HOUR = 3_600_000;
const hourStart = Math.floor(Date.now() / HOUR) * HOUR - HOUR;
const partition = new Date(hourStart).toISOString().slice(0, 16);
const KEY = 'analytics/sales_hourly';

/** One hour of sales as the Glue job writes it: the contract's columns. */
async function salesParquet(dir: string): Promise<Buffer> {
  const file = path.join(dir, 'part-00000.parquet');
  const hour = new Date(hourStart).toISOString().slice(0, 19).replace('T', ' ');
  await withDuckDb((con) =>
    con.run(
      `COPY (SELECT TIMESTAMP ${sqlString(hour)} AS hour, productLine, country, CAST(orders AS BIGINT) AS orders, CAST(units AS BIGINT) AS unitsSold, CAST(revenue AS DOUBLE) AS revenue
        FROM (VALUES ('Classic Cars', 'France', 3, 10, 1200.5), ('Motorcycles', 'USA', 2, 4, 300.25), ('Classic Cars', 'USA', 1, 2, 99.25)) t(productLine, country, orders, units, revenue))
       TO ${sqlString(file)} (FORMAT PARQUET)`,
    ).then(() => undefined),
  );
  return fs.readFileSync(file);
}

describe('assets ui --env <stack> (DynamoDB run log and S3, mocked)', function () {
  this.timeout(30_000);
  // Mocked in before(), restored in after(): other files mock (and restore) the same clients.
  const mocks = () => ({ ssm: mockClient(SSMClient), ddb: mockClient(DynamoDBClient), s3: mockClient(S3Client) });
  let ssm: ReturnType<typeof mocks>['ssm'];
  let ddb: ReturnType<typeof mocks>['ddb'];
  let s3: ReturnType<typeof mocks>['s3'];
  let server: UiServer;
  let tmp: string;
  const saved = process.env.AWS_REGION;

  before(async () => {
    ({ ssm, ddb, s3 } = mocks());
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'hw-ui-aws-'));
    process.env.AWS_REGION = 'eu-west-1';
    const parquet = await salesParquet(tmp);
    const at = new Date(hourStart + HOUR + 5 * 60_000).toISOString();
    const run = { runId: 'r1', command: 'materialize', selection: KEY, partitions: partition, env: 'dev', status: 'succeeded', startedAt: at, endedAt: at, owner: 'ci:1', stepsPlanned: 1 };
    const mat = { type: 'materialization', key: KEY, partition, runId: 'r1', codeVersion: 'c', dataVersion: 'd', inputs: {}, metadata: { rows: 3 }, at };
    const events = [
      { type: 'step_started', runId: 'r1', key: KEY, partitions: [partition], at },
      { type: 'step_succeeded', runId: 'r1', key: KEY, partitions: [partition], at, durationMs: 61_000, metadata: { rows: 3 } },
      mat,
    ];
    ssm.on(GetParameterCommand, { Name: '/headwater/dev/manifest' }).resolves({ Parameter: { Value: JSON.stringify(manifest) } });
    ddb.on(QueryCommand).callsFake((input: { ExpressionAttributeValues: Record<string, { S: string }> }) => {
      const pk = input.ExpressionAttributeValues[':pk'].S;
      const item = (sk: string, d: unknown) => ({ pk: { S: pk }, sk: { S: sk }, doc: { S: JSON.stringify(d) } });
      if (pk === 'MAT') return { Items: [item(`${KEY}#${partition}`, mat)] };
      if (pk === 'RUNS') return { Items: [item(`${at}#r1`, { runId: 'r1' })] };
      if (pk === 'RUN#r1') return { Items: events.map((e, i) => item(`EVENT#${e.at}#${i}`, e)) };
      return { Items: [] };
    });
    ddb.on(GetItemCommand).resolves({ Item: { pk: { S: 'RUN#r1' }, sk: { S: 'RUN' }, doc: { S: JSON.stringify(run) } } });
    const folder = `sales_hourly/dt=${partition.slice(0, 10)}/hour=${partition.slice(11, 13)}/`;
    s3.on(ListObjectsV2Command, { Bucket: 'lake-analytics', Prefix: folder }).resolves({ Contents: [{ Key: `${folder}part-00000.parquet`, ETag: '"e1"' }] });
    s3.on(GetObjectCommand, { Bucket: 'lake-analytics', Key: `${folder}part-00000.parquet` }).callsFake(() => ({ Body: Readable.from([parquet]) }));
    server = await startUiServer({ graph: loadGraph(), envName: 'dev', pollMs: 60_000 });
  });

  after(async () => {
    await server?.close();
    ssm.restore();
    ddb.restore();
    s3.restore();
    if (saved === undefined) delete process.env.AWS_REGION;
    else process.env.AWS_REGION = saved;
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  const get = async <T>(p: string): Promise<T> => {
    const res = await fetch(`${server.url}${p}`);
    expect(res.status, p).to.equal(200);
    return (await res.json()) as T;
  };

  it('shows states from the stack run log', async () => {
    const g = await get<{ nodes: { key: string; state: string; lastMaterializedAt: string | null }[] }>('/api/graph');
    const sales = g.nodes.find((n) => n.key === KEY)!;
    expect(sales.lastMaterializedAt).to.be.a('string');
    // Fresh, or late when the suite crosses an hour boundary: either way read from the stack, not 'missing'.
    expect(sales.state).to.be.oneOf(['fresh', 'stale', 'late']);
    expect(g.nodes.find((n) => n.key === 'model/recommender')!.state).to.equal('missing');
    const runs = await get<{ runs: { runId: string; status: string }[] }>('/api/runs');
    expect(runs.runs).to.deep.include({ ...runs.runs[0], runId: 'r1', status: 'succeeded' });
    const run = await get<{ bars: { key: string; outcome: string }[] }>('/api/run?id=r1');
    expect(run.bars).to.deep.equal([{ ...run.bars[0], key: KEY, outcome: 'succeeded' }]);
    expect(ddb.commandCalls(QueryCommand).every((c) => c.args[0].input.TableName === 'headwater-dev-runlog')).to.equal(true);
  });

  it('plots the dashboard from the Parquet objects in S3', async () => {
    const d = await get<{ times: number[]; totals: number[][]; breakdowns: { column: string; series: { name: string; values: number[] }[] }[]; freshness: { words: string; violated: boolean } }>(`/api/dashboard?key=${encodeURIComponent(KEY)}`);
    expect(d.times).to.deep.equal([hourStart]);
    expect(d.totals[0][0]).to.be.closeTo(1600, 1e-9);
    expect(d.totals[1][0]).to.equal(6);
    const byLine = d.breakdowns.find((b) => b.column === 'productLine')!;
    expect(byLine.series.map((x) => [x.name, x.values[0]])).to.deep.equal([['Classic Cars', 1299.75], ['Motorcycles', 300.25]]);
    // The date appears when the data's hour is not today's (UTC): the suite may run across midnight.
    expect(d.freshness.words).to.match(/^data as of (\d{4}-\d\d-\d\d )?\d\d:\d\d UTC, \d+ minutes? old/);
    expect(s3.commandCalls(GetObjectCommand)).to.have.length(1);
    // A second look reuses the downloaded file (same ETag).
    await get(`/api/dashboard?key=${encodeURIComponent(KEY)}`);
    expect(s3.commandCalls(GetObjectCommand)).to.have.length(1);
  });
});
