"""Headwater Glue runner for `glue-sql` assets: runs the asset's SQL file with Spark SQL.

The same SQL file runs embedded on DuckDB; jobs/transforms/sql/convention.ts is the contract:
  - each dep is a temp view named after its key with '/' -> '__' (raw__ratings, source__orders);
  - `partitions` is a view with one row (partition_start, partition_end) per partition of the run;
  - {{partition_start}} / {{partition_end}} are the run's whole window, replaced by
    TIMESTAMP 'YYYY-MM-DD HH:MM:SS' literals; {{read_start}} (in source filters) is the start
    minus the `-- lookback:` directive;
  - the output has the contract's columns plus, for time-partitioned assets, `partition_start`,
    which places each row in its partition: each partition is written to its own Hive folder
    (replacing it, so an empty partition is emptied too), without that column, and registered
    in the Glue Catalog;
  - `-- source_filter <dep key>: <Postgres predicate>` selects a source table's rows in the
    database (pushed down over JDBC), with the placeholders above.

Job arguments (set by Pulumi as default arguments, the window by the launcher per run):
  --sql_uri s3://.../x.sql        --inputs JSON list of {view, kind: lake|jdbc, ...}
  --output_uri s3://bucket/prefix/ --output_format parquet|json
  --partition_keys dt[,hour] --partition_cadence hourly|daily|weekly|monthly|static|none
  --catalog_table db.table (may be empty)
  --partition_start ISO           --partition_end ISO (exclusive; both absent when unpartitioned)
  --asset_key zone/name (set by Pulumi on every job)
  --fallback JSON {id, orderBy, ascending, top, columns} (only for an asset declaring `fallback`)

With --fallback, the run also writes `latest.json` next to its partitions (<output_uri>latest.json):
the newest partition's top rows by `orderBy` (ties by `id`) as {asset, asOf, partition, id, orderBy,
items: [{id, score, <columns>...}]}, exactly what the embedded executor writes
(jobs/embedded/executors/glue-sql.ts) and serving's fallback reads (jobs/serving/fallback-list.ts).
A backfill of older partitions leaves a newer latest.json in place.
"""
import json
import re
import sys
from datetime import datetime, timedelta, timezone

from awsglue.context import GlueContext
from awsglue.job import Job
from awsglue.utils import getResolvedOptions
from pyspark.context import SparkContext
from pyspark.sql import functions as F

from lake_storage import as_uri, join, read_text, use_lake_conventions, write_text

REQUIRED = ["JOB_NAME", "sql_uri", "inputs", "output_uri", "output_format", "partition_keys", "partition_cadence", "catalog_table"]
OPTIONAL = ["partition_start", "partition_end", "asset_key", "fallback"]


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
    """Hive folder values of a window, e.g. dt=2026-01-05."""
    parts = {"dt": start.strftime("%Y-%m-%d"), "hour": f"{start.hour:02d}", "month": start.strftime("%Y-%m")}
    return [(k, parts[k]) for k in keys]


LOOKBACK = re.compile(r"^\s*--\s*lookback:\s*(\d+)\s*(hour|day)s?\s*$", re.I | re.M)
SOURCE_FILTER = re.compile(r"^\s*--\s*source_filter\s+([a-z0-9_]+/[a-z0-9_]+)\s*:\s*(.+)$", re.I | re.M)
PLACEHOLDER = re.compile(r"\{\{\s*([a-z_]+)\s*\}\}")


def directives(sql):
    """The `-- lookback:` duration and the `-- source_filter` predicates of a SQL file."""
    lookback = timedelta(0)
    match = LOOKBACK.search(sql)
    if match:
        amount, unit = int(match.group(1)), match.group(2).lower()
        lookback = timedelta(hours=amount) if unit == "hour" else timedelta(days=amount)
    return lookback, {key: predicate.strip() for key, predicate in SOURCE_FILTER.findall(sql)}


def literal(value):
    return f"TIMESTAMP '{value.strftime('%Y-%m-%d %H:%M:%S')}'"


def render(text, values, where):
    """Replaces {{name}} placeholders; an unknown one is an error naming it."""
    def substitute(match):
        name = match.group(1)
        if name not in values:
            raise ValueError(f"{where}: unknown placeholder {{{{{name}}}}}; available: {', '.join(sorted(values))}")
        return values[name]
    return PLACEHOLDER.sub(substitute, text)


def register_inputs(spark, glue_context, inputs, filters, values):
    """Registers each dep as a temp view: lake folders by path, source tables over JDBC."""
    for item in inputs:
        if item["kind"] == "lake":
            path = as_uri(item["path"])
            reader = spark.read.option("basePath", path)
            frame = reader.parquet(path) if item["format"] == "parquet" else reader.json(path)
        else:
            conf = glue_context.extract_jdbc_conf(item["connection"])
            if not item.get("options"):
                raise ValueError(f'{item["view"]}: no JDBC TLS options in --inputs; refusing to read the source in clear (redeploy the stack)')
            table = f'{item["schema"]}."{item["table"]}"'
            key = item["view"].replace("__", "/", 1)
            query = table
            if key in filters and values:
                query = f"(SELECT * FROM {table} WHERE {render(filters[key], values, key)}) AS filtered"
            frame = (
                spark.read.format("jdbc")
                .option("url", conf["fullUrl"])
                .option("user", conf["user"])
                .option("password", conf["password"])
                .option("dbtable", query)
                .option("fetchsize", "10000")
                .options(**item["options"])
                # The window is pushed down by the source_filter above. Spark 3.5 would also push
                # the SQL's own comparisons, and it prints TIMESTAMP_NTZ values unquoted
                # (`>= 2026-11-19T22:00`), which Postgres rejects.
                .option("pushDownPredicate", "false")
                .load()
            )
        frame.createOrReplaceTempView(item["view"])


def write_partition(spark, frame, args, start):
    """Writes one partition's rows to its folder (replacing it), then registers the partition."""
    keys = [k for k in args["partition_keys"].split(",") if k]
    target = args["output_uri"]
    values = partition_values(keys, start) if keys and start is not None else []
    for key, value in values:
        target = f"{target.rstrip('/')}/{key}={value}"
    writer = frame.write.mode("overwrite")
    (writer.parquet(as_uri(target)) if args["output_format"] == "parquet" else writer.json(as_uri(target), compression="gzip"))
    if values and args["catalog_table"]:
        spec = ", ".join(f"{k}='{v}'" for k, v in values)
        spark.sql(f"ALTER TABLE {args['catalog_table']} ADD IF NOT EXISTS PARTITION ({spec}) LOCATION '{target}/'")
    return frame.count()


def partition_key(start, cadence):
    """The partition's key as assets/core/partitions.ts names it: 2026-01-05T10:00, 2026-01-05, 2026-01."""
    if start is None:
        return ""
    if cadence == "hourly":
        return start.strftime("%Y-%m-%dT%H:00")
    if cadence == "monthly":
        return start.strftime("%Y-%m")
    return start.strftime("%Y-%m-%d")


def iso_millis(value):
    """UTC timestamp as JavaScript's toISOString prints it: 2026-01-05T11:00:00.000Z."""
    value = value.astimezone(timezone.utc)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def fallback_document(rows, fallback, asset, start, end, cadence):
    """The latest.json document of one partition's rows (dicts holding the fallback's columns)."""
    key, order_by = fallback["id"], fallback["orderBy"]
    usable = [r for r in rows if r[key] is not None and r[order_by] is not None]
    # Highest first (or lowest with `ascending`), ties by id: ORDER BY orderBy DESC, id in both engines.
    usable.sort(key=lambda r: str(r[key]))
    usable.sort(key=lambda r: float(r[order_by]), reverse=not fallback.get("ascending", False))
    return {
        "asset": asset,
        "asOf": iso_millis(end) if end is not None else iso_millis(datetime.now(timezone.utc)),
        "partition": partition_key(start, cadence),
        "id": key,
        "orderBy": order_by,
        "items": [
            {"id": str(r[key]), "score": float(r[order_by]), **{c: json_value(r[c]) for c in fallback.get("columns", [])}}
            for r in usable[: int(fallback.get("top", 100))]
        ],
    }


def json_value(value):
    """A column value as JSON holds it (decimals and timestamps are not JSON types)."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, datetime):
        return value.isoformat()
    try:
        return float(value)
    except (TypeError, ValueError):
        return str(value)


def fallback_problems(fallback, columns):
    """The fallback's columns the result does not have (assets/kinds/glue-sql.ts checks the same)."""
    named = [("id", fallback["id"]), ("orderBy", fallback["orderBy"])] + [("columns", c) for c in fallback.get("columns", [])]
    return [f"fallback.{what} names '{name}', which is not one of its columns ({', '.join(columns)})" for what, name in named if name not in columns]


def write_fallback(spark, frame, args, fallback, start, end):
    """Writes <output_uri>latest.json from the newest partition of the run, unless a newer one is there."""
    uri = join(args["output_uri"], "latest.json")
    key, order_by = fallback["id"], fallback["orderBy"]
    wanted = list(dict.fromkeys([key, order_by, *fallback.get("columns", [])]))
    direction = F.col(order_by).asc() if fallback.get("ascending", False) else F.col(order_by).desc()
    top = frame.where(F.col(key).isNotNull() & F.col(order_by).isNotNull()).select(*wanted).orderBy(direction, F.col(key).cast("string")).limit(int(fallback.get("top", 100)))
    document = fallback_document([r.asDict() for r in top.collect()], fallback, args.get("asset_key", ""), start, end, args["partition_cadence"])
    try:
        current = json.loads(read_text(spark, uri))
        # Keys of one cadence sort by time: a backfill of older partitions must not replace a newer list.
        if document["partition"] and isinstance(current.get("partition"), str) and current["partition"] > document["partition"]:
            print(json.dumps({"headwater": "latest.json kept", "current": current["partition"], "run": document["partition"]}))
            return
    except FileNotFoundError:
        pass
    except (ValueError, AttributeError):
        pass  # unreadable: replace it
    write_text(spark, uri, json.dumps(document, indent=2) + "\n")


def main(argv):
    args = resolve_args(argv)
    spark_context = SparkContext.getOrCreate()
    glue_context = GlueContext(spark_context)
    spark = glue_context.spark_session
    use_lake_conventions(spark)
    job = Job(glue_context)
    job.init(args["JOB_NAME"], args)
    sql = read_text(spark, args["sql_uri"])
    lookback, filters = directives(sql)
    parts = windows(args)
    values = {}
    if parts[0][0] is not None:
        run_start, run_end = parts[0][0], parts[-1][1]
        values = {"partition_start": literal(run_start), "partition_end": literal(run_end), "read_start": literal(run_start - lookback)}
        # SQL literals, as DuckDB gets them: Python datetimes would go through the driver's local zone.
        rows = ", ".join(f"({literal(a)}, {literal(b)})" for a, b in parts)
        spark.sql(f"SELECT * FROM VALUES {rows} AS t(partition_start, partition_end)").createOrReplaceTempView("partitions")
    register_inputs(spark, glue_context, json.loads(args["inputs"]), filters, values)
    result = spark.sql(render(sql, values, args["sql_uri"]) if values else sql)
    fallback = json.loads(args["fallback"]) if args.get("fallback") else None
    if fallback:
        problems = fallback_problems(fallback, [c for c in result.columns if c != "partition_start"])
        if problems:
            raise ValueError(f"{args.get('asset_key', args['JOB_NAME'])}: {'; '.join(problems)}; nothing was written: fix the asset's fallback setting")
    rows = 0
    newest = result
    if values:
        result = result.cache()
        for start, _ in parts:
            window = result.where(F.col("partition_start") == F.expr(literal(start))).drop("partition_start")
            rows += write_partition(spark, window, args, start)
            newest = window
    else:
        rows = write_partition(spark, result, args, None)
    if fallback:
        write_fallback(spark, newest, args, fallback, parts[-1][0], parts[-1][1])
    print(json.dumps({"headwater": "result", "rows": rows}))
    job.commit()


if __name__ == "__main__":
    main(sys.argv)
