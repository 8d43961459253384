"""Runs Headwater's Glue and EMR scripts on one local SparkSession, unchanged.

One process, one SparkSession (starting Spark costs seconds of CPU): it reads requests, one JSON
object a line on stdin, {"id", "script", "argv"}, runs the script as `__main__` with that argv
(the arguments the AWS launchers pass), and answers one line on stdout per request:
`@@headwater {"id", "ok", "result"?, "error"?, "ms"}`, where result is the script's own
`{"headwater": "result", ...}` line. Everything else the script prints goes to stderr.

Off Glue the `awsglue` modules do not exist: jobs/glue/awsglue_local.py stands in for them.
Session settings come from the environment the TypeScript side sets (HEADWATER_SPARK_*).
"""
import contextlib
import io
import json
import os
import runpy
import sys
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
JOBS = os.path.dirname(HERE)
MARK = "@@headwater "


def session():
    from pyspark.sql import SparkSession

    builder = (
        SparkSession.builder.master(os.environ.get("HEADWATER_SPARK_MASTER", "local[2]"))
        .appName("headwater-local")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", os.environ.get("HEADWATER_SPARK_SHUFFLE_PARTITIONS", "4"))
        .config("spark.default.parallelism", "2")
        .config("spark.driver.memory", os.environ.get("HEADWATER_SPARK_DRIVER_MEMORY", "2g"))
        .config("spark.sql.adaptive.enabled", "true")
    )
    jars = os.environ.get("HEADWATER_SPARK_JARS")
    if jars:
        # On the driver's class path too: java.sql.DriverManager only sees drivers loaded there.
        builder = builder.config("spark.jars", jars).config("spark.driver.extraClassPath", jars)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def run(request):
    script = request["script"]
    argv = [script] + list(request.get("argv", []))
    captured = io.StringIO()
    saved_argv = sys.argv
    sys.argv = argv
    try:
        with contextlib.redirect_stdout(captured):
            runpy.run_path(script, run_name="__main__")
    finally:
        sys.argv = saved_argv
        sys.stderr.write(captured.getvalue())
    result = None
    for line in captured.getvalue().splitlines():
        try:
            parsed = json.loads(line)
        except ValueError:
            continue
        if isinstance(parsed, dict) and parsed.get("headwater") == "result":
            result = parsed
    return result


def describe(error):
    """One line for a failure; for a Java exception, Java's own message (the Python one only says `o48.load`)."""
    java = getattr(error, "java_exception", None)
    text = str(java.toString()) if java is not None else f"{type(error).__name__}: {error}"
    return (text.splitlines() or [type(error).__name__])[0][:2000]


def main():
    sys.path[:0] = [os.path.join(JOBS, "glue"), os.path.join(JOBS, "spark")]
    import awsglue_local

    awsglue_local.install()
    started = time.time()
    session()
    out = sys.stdout
    out.write(MARK + json.dumps({"id": "ready", "ok": True, "ms": round((time.time() - started) * 1000)}) + "\n")
    out.flush()
    for line in sys.stdin:
        if not line.strip():
            continue
        request = json.loads(line)
        t0 = time.time()
        try:
            answer = {"id": request["id"], "ok": True, "result": run(request)}
        except SystemExit as e:
            answer = {"id": request["id"], "ok": e.code in (0, None), "error": f"exited: {e.code}"}
        except BaseException as e:  # noqa: BLE001 (the answer carries any failure of the script)
            traceback.print_exc(file=sys.stderr)
            answer = {"id": request["id"], "ok": False, "error": describe(e)}
        answer["ms"] = round((time.time() - t0) * 1000)
        out.write(MARK + json.dumps(answer) + "\n")
        out.flush()


if __name__ == "__main__":
    main()
