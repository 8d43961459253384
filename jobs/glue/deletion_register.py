"""The deletion register for the Spark scripts: rows of erased subjects are left out of a frame.

An entry is `sha256(salt:subject:id)` (hex), the one definition of jobs/erasure/register.ts; the
frame's subject columns (from the asset's contract, `--subject_columns` {column: subject}) are
hashed the same way in Spark (`sha2`) and anti-joined against the registered hashes, broadcast:
the register is small beside any table. A NULL subject field matches nothing and is kept.

Where the register is (`--deletion_register`, `--erasure_salt`):
  * on a stack: `dynamodb:<table>` (items `subject` + `hash`) and `ssm:<parameter>` (a SecureString),
    read with boto3, which Glue provides;
  * on one machine: the embedded register's files, `<state>/erasure/register.json` and
    `<state>/erasure/salt`, read through the lake storage helper.
"""
import json

from pyspark.sql import functions as F

from lake_storage import read_text

REGISTER_FORMAT = "headwater-deletion-register/v1"


def _dynamodb_hashes(table, subjects):
    import boto3  # Glue's own; only needed on a stack

    client = boto3.client("dynamodb")
    out = {}
    for subject in subjects:
        hashes, start = [], None
        while True:
            kwargs = {"TableName": table, "KeyConditionExpression": "subject = :s", "ExpressionAttributeValues": {":s": {"S": subject}}, "ProjectionExpression": "#h", "ExpressionAttributeNames": {"#h": "hash"}}
            if start:
                kwargs["ExclusiveStartKey"] = start
            page = client.query(**kwargs)
            hashes.extend(item["hash"]["S"] for item in page.get("Items", []))
            start = page.get("LastEvaluatedKey")
            if not start:
                break
        out[subject] = hashes
    return out


def _ssm_salt(name):
    import boto3

    return boto3.client("ssm").get_parameter(Name=name, WithDecryption=True)["Parameter"]["Value"]


def load(spark, register, salt, subjects):
    """(salt, {subject: [hashes]}) of the register, or (None, {}) when none is named."""
    if not register:
        return None, {}
    if register.startswith("dynamodb:"):
        hashes = _dynamodb_hashes(register[len("dynamodb:"):], subjects)
    else:
        parsed = json.loads(read_text(spark, register))
        if parsed.get("format") != REGISTER_FORMAT:
            raise ValueError(f"{register} is not a deletion register ({REGISTER_FORMAT}); restore it before any extract runs, or erased subjects may come back")
        hashes = {s: [e["hash"] for e in parsed.get("entries", []) if e.get("subject") == s] for s in subjects}
    value = _ssm_salt(salt[len("ssm:"):]) if salt.startswith("ssm:") else read_text(spark, salt).strip()
    if len(value) != 64 or any(c not in "0123456789abcdef" for c in value):
        raise ValueError(f"the erasure salt {salt} is damaged (expected 64 hex digits)")
    return value, hashes


def exclude_registered(spark, frame, subject_columns, register, salt):
    """`frame` without the rows of registered subjects; `subject_columns` is {column: subject}."""
    if not register or not subject_columns:
        return frame
    value, hashes = load(spark, register, salt, sorted(set(subject_columns.values())))
    for column, subject in subject_columns.items():
        known = hashes.get(subject) or []
        if not known or column not in frame.columns:
            continue
        registered = F.broadcast(spark.createDataFrame([(h,) for h in known], "h string"))
        hashed = F.sha2(F.concat(F.lit(f"{value}:{subject}:"), F.col(f"`{column}`").cast("string")), 256)
        frame = frame.withColumn("__headwater_hash", hashed).join(registered, F.col("__headwater_hash") == registered.h, "left_anti").drop("__headwater_hash")
    return frame
