/**
 * jobs/glue/sql_runner.py writes analytics/popular_products/latest.json in the shape the embedded
 * executor writes and serving reads: its pure part (the document) run with python3, with the Glue
 * and Spark modules stubbed (they exist only inside a Glue job).
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { expect } from 'chai';
import { parsePopular } from '../../jobs/serving/popular';

const runner = path.resolve(__dirname, '..', '..', 'jobs', 'glue');

const PROGRAM = `
import json, sys, types
for name in ["boto3", "awsglue", "awsglue.context", "awsglue.job", "awsglue.utils", "pyspark", "pyspark.context", "pyspark.sql"]:
    sys.modules[name] = types.ModuleType(name)
sys.modules["awsglue.context"].GlueContext = sys.modules["awsglue.job"].Job = sys.modules["awsglue.utils"].getResolvedOptions = None
sys.modules["pyspark.context"].SparkContext = sys.modules["pyspark.sql"].functions = None
sys.dont_write_bytecode = True
sys.path.insert(0, sys.argv[1])
import sql_runner as r
from datetime import datetime, timezone
rows = [{"rank": i, "productCode": f"S{i:03d}", "productName": f"Product {i}", "productLine": "Classic Cars", "score": 200.0 - i} for i in range(150, 0, -1)]
start, end = datetime(2026, 1, 5, 10, tzinfo=timezone.utc), datetime(2026, 1, 5, 11, tzinfo=timezone.utc)
print(json.dumps({
    "hourly": r.latest_popular_document(rows, start, end, "hourly"),
    "keys": [r.partition_key(start, c) for c in ["hourly", "daily", "weekly", "monthly"]],
}))
`;

describe('Glue sql_runner.py: latest.json of analytics/popular_products', () => {
  it('writes the newest partition top 100 as { asOf, partition, products }, like the embedded executor', () => {
    const out = JSON.parse(execFileSync('python3', ['-c', PROGRAM, runner], { encoding: 'utf8' })) as {
      hourly: { asOf: string; partition: string; products: { rank: number; productCode: string; score: number }[] };
      keys: string[];
    };
    expect(out.keys).to.deep.equal(['2026-01-05T10:00', '2026-01-05', '2026-01-05', '2026-01']);
    const doc = out.hourly;
    expect(Object.keys(doc)).to.deep.equal(['asOf', 'partition', 'products']);
    expect(doc.asOf).to.equal(new Date(Date.UTC(2026, 0, 5, 11)).toISOString());
    expect(doc.partition).to.equal('2026-01-05T10:00');
    expect(doc.products).to.have.length(100);
    expect(doc.products[0]).to.deep.equal({ rank: 1, productCode: 'S001', productName: 'Product 1', productLine: 'Classic Cars', score: 199 });
    expect(doc.products.map((p) => p.rank)).to.deep.equal(Array.from({ length: 100 }, (_, i) => i + 1));
    const parsed = parsePopular(JSON.stringify(doc), 'latest.json');
    expect('problem' in parsed).to.equal(false);
  });
});
