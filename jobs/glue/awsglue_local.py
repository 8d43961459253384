"""A thin stand-in for the `awsglue` modules, which exist only inside AWS Glue: used off Glue only
(the local Spark runner installs it; on Glue the real modules are imported and this file is not
shipped).

It provides exactly what the Glue scripts use: `getResolvedOptions` (Glue's `--name value`
parser: every listed name required, unlisted ones ignored), a GlueContext over the SparkSession
whose `extract_jdbc_conf` reads connections from HEADWATER_JDBC_CONNECTIONS (a JSON object
{name: {fullUrl, user, password}}, as Glue returns them from the connection and its secret), and
a Job whose init/commit do nothing (job bookmarks are not used).
"""
import json
import os
import sys
import types


def getResolvedOptions(argv, names):  # noqa: N802 (Glue's name)
    """Glue's parser: `--name value` pairs; each of `names` must be present (a value may be empty)."""
    values = {}
    i = 1
    while i < len(argv):
        arg = argv[i]
        if arg.startswith("--"):
            key, eq, inline = arg[2:].partition("=")
            if eq:
                values[key] = inline
            elif i + 1 < len(argv):
                values[key] = argv[i + 1]
                i += 1
            else:
                values[key] = ""
        i += 1
    missing = [n for n in names if n not in values]
    if missing:
        raise SystemExit(f"missing job arguments: {', '.join('--' + m for m in missing)}")
    return {n: values[n] for n in names}


class GlueContext:
    def __init__(self, spark_context):
        from pyspark.sql import SparkSession

        self.spark_session = SparkSession.builder.getOrCreate()
        self._sc = spark_context

    def extract_jdbc_conf(self, connection_name):
        connections = json.loads(os.environ.get("HEADWATER_JDBC_CONNECTIONS", "{}"))
        if connection_name not in connections:
            known = ", ".join(sorted(connections)) or "none"
            raise KeyError(f"JDBC connection {connection_name!r} is not configured locally (HEADWATER_JDBC_CONNECTIONS has {known})")
        return connections[connection_name]


class Job:
    def __init__(self, glue_context):
        self.glue_context = glue_context

    def init(self, name, args):
        self.name = name

    def commit(self):
        pass


def install():
    """Registers this module as awsglue, awsglue.context, awsglue.job and awsglue.utils."""
    package = types.ModuleType("awsglue")
    package.__path__ = []
    modules = {"context": {"GlueContext": GlueContext}, "job": {"Job": Job}, "utils": {"getResolvedOptions": getResolvedOptions}}
    sys.modules["awsglue"] = package
    for name, members in modules.items():
        module = types.ModuleType(f"awsglue.{name}")
        module.__dict__.update(members)
        sys.modules[f"awsglue.{name}"] = module
        setattr(package, name, module)
