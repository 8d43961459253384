/**
 * jobs/glue/sql_runner.py writes the declared fallback list (`latest.json`) in the shape the
 * embedded executor writes and serving reads: its pure part (the document, the column check) run
 * with python3, with the Glue and Spark modules stubbed (they exist only inside a Glue job).
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { expect } from 'chai';
import { parseFallbackList } from '../../jobs/serving/fallback-list';

const runner = path.resolve(__dirname, '..', '..', 'jobs', 'glue');

const PROGRAM = `
import json, sys, types
from decimal import Decimal
for name in ["boto3", "awsglue", "awsglue.context", "awsglue.job", "awsglue.utils", "pyspark", "pyspark.context", "pyspark.sql"]:
    sys.modules[name] = types.ModuleType(name)
sys.modules["awsglue.context"].GlueContext = sys.modules["awsglue.job"].Job = sys.modules["awsglue.utils"].getResolvedOptions = None
sys.modules["pyspark.context"].SparkContext = sys.modules["pyspark.sql"].functions = None
sys.dont_write_bytecode = True
sys.path.insert(0, sys.argv[1])
import sql_runner as r
from datetime import datetime, timezone
# Tracks with a play count; 't007' and 't008' tie, a null id and a null score are left out.
rows = [{"track": f"t{i:03d}", "plays": 200 - i, "title": f"Track {i}", "price": Decimal("1.25")} for i in range(1, 151)]
rows[7]["plays"] = rows[6]["plays"]
rows.append({"track": None, "plays": 1000, "title": "x", "price": None})
rows.append({"track": "t999", "plays": None, "title": "y", "price": None})
start, end = datetime(2026, 1, 5, 10, tzinfo=timezone.utc), datetime(2026, 1, 5, 11, tzinfo=timezone.utc)
fallback = {"id": "track", "orderBy": "plays", "ascending": False, "top": 100, "columns": ["title", "price"]}
print(json.dumps({
    "hourly": r.fallback_document(rows, fallback, "music/top_tracks", start, end, "hourly"),
    "ascending": [i["id"] for i in r.fallback_document(rows, {**fallback, "ascending": True, "top": 3}, "a", start, end, "daily")["items"]],
    "keys": [r.partition_key(start, c) for c in ["hourly", "daily", "weekly", "monthly"]],
    "problems": r.fallback_problems({**fallback, "columns": ["title", "genre"]}, ["track", "plays", "title"]),
}))
`;

describe('Glue sql_runner.py: the declared fallback list (latest.json)', () => {
  it('writes the newest partition top N by orderBy (ties by id) as { asset, asOf, partition, id, orderBy, items }, like the embedded executor', () => {
    const out = JSON.parse(execFileSync('python3', ['-c', PROGRAM, runner], { encoding: 'utf8' })) as {
      hourly: { asset: string; asOf: string; partition: string; id: string; orderBy: string; items: { id: string; score: number; title: string; price: number }[] };
      ascending: string[];
      keys: string[];
      problems: string[];
    };
    expect(out.keys).to.deep.equal(['2026-01-05T10:00', '2026-01-05', '2026-01-05', '2026-01']);
    const doc = out.hourly;
    expect(Object.keys(doc)).to.deep.equal(['asset', 'asOf', 'partition', 'id', 'orderBy', 'items']);
    expect(doc).to.include({ asset: 'music/top_tracks', asOf: new Date(Date.UTC(2026, 0, 5, 11)).toISOString(), partition: '2026-01-05T10:00', id: 'track', orderBy: 'plays' });
    expect(doc.items).to.have.length(100);
    expect(doc.items[0]).to.deep.equal({ id: 't001', score: 199, title: 'Track 1', price: 1.25 });
    expect(doc.items.slice(5, 9).map((i) => i.id)).to.deep.equal(['t006', 't007', 't008', 't009']);
    expect(doc.items.map((i) => i.id)).to.not.include.members(['t999']);
    expect(out.ascending).to.deep.equal(['t150', 't149', 't148']);
    expect(out.problems).to.deep.equal(["fallback.columns names 'genre', which is not one of its columns (track, plays, title)"]);
    const parsed = parseFallbackList(JSON.stringify(doc), 'latest.json');
    expect(parsed).to.not.have.property('problem');
  });
});
