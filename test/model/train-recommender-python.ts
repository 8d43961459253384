/**
 * Runs Python against jobs/spark/train_recommender.py's pure functions with python3 alone:
 * pyspark is stubbed (its JVM parts exist only on Spark), the storage helper is the real one.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';

const PRELUDE = `
import json, sys, types
for name in ["pyspark", "pyspark.ml", "pyspark.ml.linalg", "pyspark.ml.regression", "pyspark.sql"]:
    sys.modules[name] = types.ModuleType(name)
sys.modules["pyspark.ml.linalg"].SparseVector = sys.modules["pyspark.ml.linalg"].VectorUDT = None
sys.modules["pyspark.ml.regression"].FMRegressor = None
for attr in ("SparkSession", "Window", "functions", "types"):
    setattr(sys.modules["pyspark.sql"], attr, None)
sys.dont_write_bytecode = True
sys.path[:0] = [sys.argv[1], sys.argv[1] + "/../glue"]
import train_recommender as t
job = json.loads(sys.stdin.read())
`;

/** Runs `body` (Python using `t`, the module, and `job`, the parsed input) and parses what it prints as JSON. */
export function runTrainerPython<T>(body: string, input: unknown): T {
  const dir = path.resolve(__dirname, '..', '..', 'jobs', 'spark');
  return JSON.parse(execFileSync('python3', ['-c', PRELUDE + body, dir], { input: JSON.stringify(input), encoding: 'utf8' })) as T;
}
