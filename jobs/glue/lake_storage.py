"""Headwater's one storage helper for the Glue and EMR scripts: small objects and single files by URI.

Paths are `s3://bucket/prefix/...` on AWS and local paths or `file://` URIs on one machine. Every
operation goes through the Hadoop FileSystem of the running Spark (S3 through Glue's and EMR's
own S3 file system, local paths through Hadoop's local one), so the scripts carry no boto3 and run
unchanged wherever Spark runs. Shipped beside the scripts (Glue: --extra-py-files, EMR
Serverless: --py-files).
"""
import os

__all__ = ["as_uri", "join", "read_text", "write_text", "exists", "write_single_parquet", "use_lake_conventions"]


def as_uri(path):
    """An absolute URI Hadoop understands: s3://... kept, a local path becomes file:///abs/path."""
    if "://" in path:
        return path
    if path.startswith("file:"):
        return path
    absolute = os.path.abspath(path)
    return "file://" + absolute + ("/" if path.endswith("/") and not absolute.endswith("/") else "")


def join(base, name):
    """`name` inside the folder `base` (a URI or path, with or without a trailing slash)."""
    return base.rstrip("/") + "/" + name.lstrip("/")


def _fs(spark, uri):
    jvm = spark.sparkContext._jvm
    path = jvm.org.apache.hadoop.fs.Path(as_uri(uri))
    return path.getFileSystem(spark.sparkContext._jsc.hadoopConfiguration()), path


def exists(spark, uri):
    fs, path = _fs(spark, uri)
    return bool(fs.exists(path))


def read_text(spark, uri):
    """A small object (a SQL file, a JSON document) as text; FileNotFoundError when absent."""
    fs, path = _fs(spark, uri)
    if not fs.exists(path):
        raise FileNotFoundError(f"no such object: {uri}")
    jvm = spark.sparkContext._jvm
    stream = fs.open(path)
    try:
        data = jvm.org.apache.commons.io.IOUtils.toByteArray(stream)
    finally:
        stream.close()
    return bytes(data).decode("utf-8")


def write_text(spark, uri, text):
    """Writes a small object whole. Locally it is written beside and renamed into place (atomic)."""
    fs, path = _fs(spark, uri)
    target = path
    staged = path if fs.getScheme() not in ("file",) else path.suffix(f".tmp-{os.getpid()}")
    stream = fs.create(staged, True)
    try:
        stream.write(bytearray(text.encode("utf-8")))
    finally:
        stream.close()
    if staged is not target:
        # Hadoop's local rename refuses an existing target: delete it first (readers see old or new).
        fs.delete(target, False)
        if not fs.rename(staged, target):
            raise OSError(f"could not rename {staged.toString()} to {uri}")


def write_single_parquet(spark, frame, folder, name):
    """Writes a DataFrame as the single Parquet object <folder>/<name> (Spark writes folders:
    stage one part, then move it into place)."""
    staging = join(folder, f".staging-{name}-{os.getpid()}")
    frame.coalesce(1).write.mode("overwrite").parquet(as_uri(staging))
    fs, staging_path = _fs(spark, staging)
    parts = [s.getPath() for s in fs.listStatus(staging_path) if s.getPath().getName().endswith(".parquet")]
    if len(parts) != 1:
        raise RuntimeError(f"expected one Parquet part under {staging}, found {len(parts)}")
    target = _fs(spark, join(folder, name))[1]
    fs.delete(target, False)
    if not fs.rename(parts[0], target):
        raise OSError(f"could not move {parts[0].toString()} to {join(folder, name)}")
    fs.delete(staging_path, True)


def use_lake_conventions(spark):
    """The session settings every script reads and writes the lake with, whatever the cluster's defaults.

    The lake's timestamps are UTC wall-clock values without a zone (Postgres `timestamp`, DuckDB
    TIMESTAMP, Parquet INT64 micros with isAdjustedToUTC=false). Spark 3.4+ reads such Parquet
    columns as TIMESTAMP_NTZ but would read the same JDBC columns, TIMESTAMP literals and CASTs as
    zoned TIMESTAMPs in the JVM's time zone, and write them as INT96 by default. So: every
    timestamp is TIMESTAMP_NTZ (JDBC reads, literals, CAST ... AS TIMESTAMP), written as INT64
    micros, and the session zone is UTC for whatever still converts (date_trunc on a zoned value).
    Verified by the equivalence tests, which run the driver with TZ=America/New_York."""
    spark.conf.set("spark.sql.session.timeZone", "UTC")
    spark.conf.set("spark.sql.timestampType", "TIMESTAMP_NTZ")
    spark.conf.set("spark.sql.parquet.outputTimestampType", "TIMESTAMP_MICROS")
