"""Rewrites Spark's output folders as the embedded lake stores them: one Parquet file per folder.

Spark writes a folder of part files (one per task, often several even for a few rows). On S3 the
Glue Catalog and Athena read such folders as they are; the embedded lake keeps exactly one file
per partition folder (jobs/embedded/lake/layout.ts), so `--engine spark` compacts a folder that
holds several parts before committing it. Spark does the rewrite, so the file keeps Spark's own
types and encodings (the lake's conventions: TIMESTAMP_NTZ as INT64 micros).

Arguments: one JSON list of [folder, file name] pairs; writes <folder>/<file name> for each.
Local plumbing only: never shipped to Glue or EMR.
"""
import json
import sys

from pyspark.sql import SparkSession

from lake_storage import as_uri, use_lake_conventions, write_single_parquet


def main(argv):
    spark = SparkSession.builder.getOrCreate()
    use_lake_conventions(spark)
    pairs = json.loads(argv[1])
    for folder, name in pairs:
        write_single_parquet(spark, spark.read.parquet(as_uri(folder)), folder, name)
    print(json.dumps({"headwater": "result", "folders": len(pairs)}))


if __name__ == "__main__":
    main(sys.argv)
