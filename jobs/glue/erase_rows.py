"""Headwater's erase job: removes data subjects' rows from the lake's Parquet objects.

Run by the stack's erasure state machine (Glue 5.0) and, unchanged, on local Spark. It reads the
request (`--request_uri`: the ids in clear, written by `assets erase --env`, deleted by the
machine's last step) and the holders (`--holders`: a JSON list computed from the graph's
contracts and declared subjects: `{key, uri, fields: [{subject, field}], file?}`), then, for
each Parquet object under a holder's folder (or its one declared file):

  * counts the rows of each requested id in each subject field (a scan changes nothing);
  * with `--mode erase`, writes the object again without those rows, staged under
    `--staging_uri` first and then put in place of the original in one object write (S3: one PUT,
    which readers see whole or not at all; a local folder: a rename), so a job killed at any
    point leaves every object old or new, and running it again completes the rest. Objects that
    hold no requested id are never rewritten. Earlier versions of a rewritten object stay on a
    versioned bucket until the machine's last step deletes them by VersionId.

It writes one report (`--report_uri`): each place with its counts per subject, by the id's
position in the request (never the id), rows before and after, and the SHA-256 of what it wrote.
A row whose subject field is NULL matches no id and is kept.
"""
import json
import os
import sys
from urllib.parse import urlparse

from awsglue.context import GlueContext
from awsglue.job import Job
from awsglue.utils import getResolvedOptions
from pyspark.context import SparkContext
from pyspark.sql import functions as F

from lake_storage import as_uri, join, read_text, use_lake_conventions, write_text

REQUIRED = ["JOB_NAME", "request_uri", "report_uri", "staging_uri", "mode", "holders"]
REQUEST_FORMAT = "headwater-erasure-request/v1"
REPORT_FORMAT = "headwater-erasure-lake-report/v1"


def _fs(spark, uri):
    jvm = spark.sparkContext._jvm
    path = jvm.org.apache.hadoop.fs.Path(as_uri(uri))
    return path.getFileSystem(spark.sparkContext._jsc.hadoopConfiguration()), path


def uri_of(path):
    """A Hadoop Path as the URI the report gives: `s3://bucket/key`, or `file:///abs/path` (Hadoop writes `file:/abs`)."""
    text = path.toString()
    return "file://" + text[len("file:"):] if text.startswith("file:/") and not text.startswith("file:///") else text


def parquet_objects(spark, folder):
    """Every Parquet object below `folder`, skipping hidden and `_` folders (staging, Spark's markers)."""
    fs, root = _fs(spark, folder)
    if not fs.exists(root):
        return []
    base = root.toUri().getPath().rstrip("/") + "/"
    out = []
    files = fs.listFiles(root, True)
    while files.hasNext():
        path = files.next().getPath()
        rel = path.toUri().getPath()[len(base):]
        if path.getName().endswith(".parquet") and not any(part.startswith((".", "_")) for part in rel.split("/")):
            out.append(uri_of(path))
    return sorted(out)


def digest(spark, uri):
    """(bytes, SHA-256 hex) of an object, streamed through the JVM (no copy in Python)."""
    fs, path = _fs(spark, uri)
    jvm = spark.sparkContext._jvm
    stream = fs.open(path)
    try:
        sha = jvm.org.apache.commons.codec.digest.DigestUtils.sha256Hex(stream)
    finally:
        stream.close()
    return int(fs.getFileStatus(path).getLen()), str(sha)


def replace_object(spark, staged, target):
    """Puts the staged object in place of `target` in one write: readers see the old or the new object."""
    fs, src = _fs(spark, staged)
    if fs.getScheme() == "file":
        os.replace(urlparse(as_uri(staged)).path, urlparse(as_uri(target)).path)
        return
    dst_fs, dst = _fs(spark, target)
    jvm = spark.sparkContext._jvm
    # An overwriting copy is one PUT of the whole object on S3 (never a delete first).
    if not jvm.org.apache.hadoop.fs.FileUtil.copy(fs, src, dst_fs, dst, True, True, spark.sparkContext._jsc.hadoopConfiguration()):
        raise OSError(f"could not put {staged} in place of {target}")


def single_part(spark, folder):
    fs, path = _fs(spark, folder)
    parts = [s.getPath().toString() for s in fs.listStatus(path) if s.getPath().getName().endswith(".parquet")]
    if len(parts) != 1:
        raise RuntimeError(f"expected one Parquet part under {folder}, found {len(parts)}")
    return parts[0]


def erase_object(spark, obj, fields, request, mode, staging, n):
    """The place `obj` is, or None when it holds none of the ids."""
    frame = spark.read.parquet(obj)
    columns = set(frame.columns)
    present = [f for f in fields if f["field"] in columns and request.get(f["subject"])]
    if not present:
        return None
    positions = {s: {v: i for i, v in enumerate(ids)} for s, ids in request.items()}
    conditions = [F.col(f"`{f['field']}`").cast("string").isin(list(request[f["subject"]])) for f in present]
    match = conditions[0]
    for c in conditions[1:]:
        match = match | c
    match = F.coalesce(match, F.lit(False))
    by_index = {}
    for f in present:
        value = F.col(f"`{f['field']}`").cast("string")
        for row in frame.where(value.isin(list(request[f["subject"]]))).groupBy(value.alias("id")).count().collect():
            counts = by_index.setdefault(f["subject"], {})
            index = str(positions[f["subject"]][row["id"]])
            counts[index] = counts.get(index, 0) + int(row["count"])
    if not by_index:
        return None
    matched = frame.where(match).count()
    place = {"what": "partition", "location": obj, "rows": matched, "byIndex": by_index}
    if mode != "erase":
        return place
    total = frame.count()
    staged_folder = join(staging, f"{n:05d}")
    frame.where(~match).coalesce(1).write.mode("overwrite").parquet(as_uri(staged_folder))
    replace_object(spark, single_part(spark, staged_folder), obj)
    size, sha = digest(spark, obj)
    return {**place, "rowsBefore": total, "rowsAfter": total - matched, "written": {"location": obj, "bytes": size, "sha256": sha}}


def main(argv):
    args = getResolvedOptions(argv, REQUIRED)
    if args["mode"] not in ("scan", "erase"):
        raise ValueError(f"--mode must be scan or erase, got {args['mode']!r}")
    glue_context = GlueContext(SparkContext.getOrCreate())
    spark = glue_context.spark_session
    use_lake_conventions(spark)
    job = Job(glue_context)
    job.init(args["JOB_NAME"], args)
    request = json.loads(read_text(spark, args["request_uri"]))
    if request.get("format") != REQUEST_FORMAT or request.get("mode") != args["mode"]:
        raise ValueError(f"{args['request_uri']} is not a {REQUEST_FORMAT} request in mode {args['mode']}")
    subjects = request["subjects"]
    places = []
    n = 0
    for holder in json.loads(args["holders"]):
        objects = [join(holder["uri"], holder["file"])] if holder.get("file") else parquet_objects(spark, holder["uri"])
        for obj in objects:
            if holder.get("file") and not _fs(spark, obj)[0].exists(_fs(spark, obj)[1]):
                continue
            place = erase_object(spark, as_uri(obj) if "://" not in obj else obj, holder["fields"], subjects, args["mode"], args["staging_uri"], n)
            n += 1
            if place:
                places.append({"key": holder["key"], **place, "what": "file" if holder.get("file") else "partition"})
    write_text(spark, args["report_uri"], json.dumps({"format": REPORT_FORMAT, "erasureId": request["erasureId"], "mode": args["mode"], "places": places}))
    print(json.dumps({"headwater": "result", "places": len(places), "rowsRemoved": sum(p.get("rowsBefore", 0) - p.get("rowsAfter", 0) for p in places)}))
    job.commit()


if __name__ == "__main__":
    main(sys.argv)
