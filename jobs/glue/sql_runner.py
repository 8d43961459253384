"""Headwater Glue runner for `glue-sql` assets: runs the asset's SQL file with Spark SQL.

The same SQL file runs embedded on DuckDB, so it sticks to the common dialect. Its deps are
temp views named after their keys with '/' -> '__' (raw/ratings -> raw__ratings); the
placeholders {{partition_start}} and {{partition_end}} are replaced by the window being
computed, as 'YYYY-MM-DD HH:MM:SS' (UTC). A range of partitions is computed window by window,
each written to its own Hive folder and registered in the Glue Catalog.

Job arguments (set by Pulumi as default arguments, the window by the launcher per run):
  --sql_uri s3://.../x.sql        --inputs JSON list of {view, kind: lake|jdbc, ...}
  --output_uri s3://bucket/prefix/ --output_format parquet|json
  --partition_keys year,month,day --partition_cadence hourly|daily|weekly|monthly|static|none
  --catalog_table db.table (may be empty)
  --partition_start ISO           --partition_end ISO (exclusive; both empty when unpartitioned)
"""
import json
import sys
from datetime import datetime, timedelta, timezone

import boto3
from awsglue.context import GlueContext
from awsglue.job import Job
from awsglue.utils import getResolvedOptions
from pyspark.context import SparkContext

REQUIRED = ["JOB_NAME", "sql_uri", "inputs", "output_uri", "output_format", "partition_keys", "partition_cadence", "catalog_table"]
OPTIONAL = ["partition_start", "partition_end"]


def resolve_args(argv):
    """Required arguments plus the optional window (Glue's parser rejects absent optional keys)."""
    present = [name for name in OPTIONAL if f"--{name}" in argv]
    return getResolvedOptions(argv, REQUIRED + present)


def parse_time(text):
    """Parses the launcher's ISO timestamps (UTC)."""
    text = text.replace("Z", "+00:00")
    value = datetime.fromisoformat(text)
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def next_window(start, cadence):
    """End of the window starting at `start` for a cadence."""
    if cadence == "hourly":
        return start + timedelta(hours=1)
    if cadence == "daily":
        return start + timedelta(days=1)
    if cadence == "weekly":
        return start + timedelta(days=7)
    if cadence == "monthly":
        return start.replace(year=start.year + (start.month // 12), month=start.month % 12 + 1)
    raise ValueError(f"cadence {cadence!r} has no time windows")


def windows(args):
    """The [start, end) windows of this run: one per partition of the range, or one open window."""
    cadence = args["partition_cadence"]
    start_text, end_text = args.get("partition_start", ""), args.get("partition_end", "")
    if cadence in ("none", "static") or not start_text:
        return [(None, None)]
    start, end = parse_time(start_text), parse_time(end_text)
    out = []
    while start < end:
        stop = next_window(start, cadence)
        out.append((start, stop))
        start = stop
    return out


def partition_values(keys, start):
    """Hive folder values of a window, e.g. year=2026/month=01/day=05."""
    parts = {"year": f"{start.year:04d}", "month": f"{start.month:02d}", "day": f"{start.day:02d}", "hour": f"{start.hour:02d}", "week": start.strftime("%Y-%m-%d")}
    return [(k, parts[k]) for k in keys]


def read_text(uri):
    """Reads a small S3 object (the SQL file) as text."""
    bucket, _, key = uri[len("s3://"):].partition("/")
    return boto3.client("s3").get_object(Bucket=bucket, Key=key)["Body"].read().decode("utf-8")


def register_inputs(spark, glue_context, inputs):
    """Registers each dep as a temp view: lake folders by path, source tables over JDBC."""
    for item in inputs:
        if item["kind"] == "lake":
            reader = spark.read.option("basePath", item["path"])
            frame = reader.parquet(item["path"]) if item["format"] == "parquet" else reader.json(item["path"])
        else:
            conf = glue_context.extract_jdbc_conf(item["connection"])
            frame = (
                spark.read.format("jdbc")
                .option("url", conf["fullUrl"])
                .option("user", conf["user"])
                .option("password", conf["password"])
                .option("dbtable", f'{item["schema"]}."{item["table"]}"')
                .load()
            )
        frame.createOrReplaceTempView(item["view"])


def render(sql, start, end):
    """Substitutes the window placeholders (left alone for unpartitioned assets)."""
    if start is None:
        return sql
    fmt = "%Y-%m-%d %H:%M:%S"
    return sql.replace("{{partition_start}}", start.strftime(fmt)).replace("{{partition_end}}", end.strftime(fmt))


def write(spark, frame, args, start):
    """Writes one window to its folder (replacing it), then registers the partition."""
    keys = [k for k in args["partition_keys"].split(",") if k]
    target = args["output_uri"]
    values = partition_values(keys, start) if keys and start is not None else []
    for key, value in values:
        target = f"{target.rstrip('/')}/{key}={value}"
    writer = frame.write.mode("overwrite")
    (writer.parquet(target) if args["output_format"] == "parquet" else writer.json(target, compression="gzip"))
    if values and args["catalog_table"]:
        spec = ", ".join(f"{k}='{v}'" for k, v in values)
        spark.sql(f"ALTER TABLE {args['catalog_table']} ADD IF NOT EXISTS PARTITION ({spec}) LOCATION '{target}/'")
    return frame.count()


def main(argv):
    args = resolve_args(argv)
    spark_context = SparkContext.getOrCreate()
    glue_context = GlueContext(spark_context)
    spark = glue_context.spark_session
    job = Job(glue_context)
    job.init(args["JOB_NAME"], args)
    register_inputs(spark, glue_context, json.loads(args["inputs"]))
    sql = read_text(args["sql_uri"])
    rows = 0
    for start, end in windows(args):
        rows += write(spark, spark.sql(render(sql, start, end)), args, start)
    print(json.dumps({"headwater": "result", "rows": rows}))
    job.commit()


if __name__ == "__main__":
    main(sys.argv)
