"""Headwater Glue runner for `glue-extract` assets: snapshots a source table over JDBC.

Unpartitioned tables are copied whole (the folder is replaced); partitioned ones are read one
window at a time (`partition_column >= start AND < end`), each window written to its Hive
folder and registered in the Glue Catalog. Credentials come from the Glue connection, which
reads them from Secrets Manager.

Job arguments: --connection_name --source_schema --source_table --partition_column (may be
empty), --jdbc_options (JSON of the driver's TLS settings, e.g. {"sslmode": "require"}; the job
refuses to read without them) and the output arguments of sql_runner.py (--output_uri --output_format
--partition_keys --partition_cadence --catalog_table, optional --partition_start/--partition_end), and,
for a table with subject columns, --deletion_register --erasure_salt --subject_columns: rows of erased
subjects are left out before anything is written (deletion_register.py).
"""
import json
import sys
from datetime import datetime, timedelta, timezone

from awsglue.context import GlueContext
from awsglue.job import Job
from awsglue.utils import getResolvedOptions
from pyspark.context import SparkContext

from deletion_register import exclude_registered
from lake_storage import as_uri, use_lake_conventions

REQUIRED = [
    "JOB_NAME", "connection_name", "source_schema", "source_table", "partition_column", "jdbc_options",
    "output_uri", "output_format", "partition_keys", "partition_cadence", "catalog_table",
]
OPTIONAL = ["partition_start", "partition_end", "deletion_register", "erasure_salt", "subject_columns"]
STEP = {"hourly": timedelta(hours=1), "daily": timedelta(days=1), "weekly": timedelta(days=7)}


def parse_time(text):
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def windows(args):
    """[start, end) windows of the run, or a single open window for a full snapshot."""
    if not args.get("partition_start") or not args["partition_column"]:
        return [(None, None)]
    start, end = parse_time(args["partition_start"]), parse_time(args["partition_end"])
    cadence = args["partition_cadence"]
    out = []
    while start < end:
        if cadence == "monthly":
            stop = start.replace(year=start.year + start.month // 12, month=start.month % 12 + 1)
        else:
            stop = start + STEP[cadence]
        out.append((start, stop))
        start = stop
    return out


def query(args, start, end):
    """The SELECT pushed down to the source: the whole table, or one window of it."""
    table = f'{args["source_schema"]}."{args["source_table"]}"'
    if start is None:
        return f"(SELECT * FROM {table}) AS snapshot"
    column = args["partition_column"]
    fmt = "%Y-%m-%d %H:%M:%S"
    # The alias must not be a reserved word of the source: Postgres rejects `AS window`.
    return f"(SELECT * FROM {table} WHERE \"{column}\" >= TIMESTAMP '{start.strftime(fmt)}' AND \"{column}\" < TIMESTAMP '{end.strftime(fmt)}') AS source_window"


def folder(args, start):
    """The output folder of a window, with its Hive partition values."""
    keys = [k for k in args["partition_keys"].split(",") if k]
    if start is None or not keys:
        return args["output_uri"], []
    parts = {"dt": start.strftime("%Y-%m-%d"), "hour": f"{start.hour:02d}", "month": start.strftime("%Y-%m")}
    values = [(k, parts[k]) for k in keys]
    return args["output_uri"].rstrip("/") + "/" + "/".join(f"{k}={v}" for k, v in values), values


def main(argv):
    present = [name for name in OPTIONAL if f"--{name}" in argv]
    args = getResolvedOptions(argv, REQUIRED + present)
    glue_context = GlueContext(SparkContext.getOrCreate())
    spark = glue_context.spark_session
    use_lake_conventions(spark)
    job = Job(glue_context)
    job.init(args["JOB_NAME"], args)
    conf = glue_context.extract_jdbc_conf(args["connection_name"])
    tls = json.loads(args["jdbc_options"] or "{}")
    if not tls:
        raise ValueError("--jdbc_options is empty: refusing to read the source without TLS settings (redeploy the stack)")
    rows = 0
    for start, end in windows(args):
        frame = (
            spark.read.format("jdbc")
            .option("url", conf["fullUrl"])
            .option("user", conf["user"])
            .option("password", conf["password"])
            .option("dbtable", query(args, start, end))
            .option("fetchsize", "10000")
            .options(**tls)
            .load()
        )
        frame = exclude_registered(spark, frame, json.loads(args.get("subject_columns") or "{}"), args.get("deletion_register"), args.get("erasure_salt", ""))
        target, values = folder(args, start)
        writer = frame.write.mode("overwrite")
        (writer.parquet(as_uri(target)) if args["output_format"] == "parquet" else writer.json(as_uri(target), compression="gzip"))
        if values and args["catalog_table"]:
            spec = ", ".join(f"{k}='{v}'" for k, v in values)
            spark.sql(f"ALTER TABLE {args['catalog_table']} ADD IF NOT EXISTS PARTITION ({spec}) LOCATION '{target}/'")
        rows += frame.count()
    print(json.dumps({"headwater": "result", "rows": rows}))
    job.commit()


if __name__ == "__main__":
    main(sys.argv)
