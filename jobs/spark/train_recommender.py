"""Headwater recommender training on EMR Serverless (PySpark): the model of the embedded trainer
(jobs/model/), fitted with pyspark.ml's FMRegressor, from the same declaration.

The declaration: --model, the asset's `recommenderModel({...})` as JSON (assets/kinds/emr-spark.ts),
built by jobs/aws/job-arguments.ts as for the Pulumi job and local Spark. It names the interactions
dep and its user, item, rating and time columns, the rule for "liked" (rating >= minRating), each
side's entity dep (optional), id column, id field and type, features (categorical, numeric, multi)
and whether known ids get their own row (idEmbedding), the hold-out days. Each dep is read from its
--input <view>=<folder> (view: the key with '/' as '__').

Features, exactly as jobs/model/features.ts encodes them: each side is laid out in the slot order of
jobs/model/artifact.ts, features in declaration order; a categorical or multi feature has one slot
per vocabulary value (sorted; values on fewer than --minCategoryCount entities fold into "unknown")
plus one "unknown" slot; a numeric feature one standardized slot (population mean and std, missing =
0). A multi feature (an array column, or a string split on its separator) shares weight 1 among its
distinct values. After the feature slots, with idEmbedding, one slot per entity with interactions
in the fitted period (the hybrid, LightFM style): known entities gain from their history, new ones
are embedded from features alone. Id rows are never saved in model.json, only folded into the
embeddings files.

Objective: implicit feedback, as the embedded trainer. Each liked interaction is a row with label 1;
for each, --negatives items drawn uniformly from the catalog are rows with label 0 (interactions not
liked are not used). FMRegressor fits them pointwise (squared loss). The FM's factor rows become the
artifact's factor rows, its item-side linear weights the item biases, its intercept the global bias:

  user . item = sum of user-item factor interactions + item bias  (users carry a constant 1 there)

What remains different from the embedded trainer (jobs/model/factorization.ts), and why:
  - loss: pointwise squared loss on 1 / sampled 0 labels, where the embedded trainer maximizes a
    sampled softmax over the catalog. pyspark.ml has no listwise or pairwise objective; both learn
    "liked above a random item", the softmax ranks the head of the catalog better.
  - regularization: one regParam for every row; the embedded trainer pulls id rows harder
    (idRegularization) so that ids with little history stay small.
  - bias start: the embedded trainer starts each item's id bias at its centred log popularity;
    FMRegressor has no initial weights, so here the linear terms learn popularity from the labels.
  - interactions: an FM also fits user-user and item-item factor interactions and user linear
    terms. User-only terms never change a user's ranking and are dropped; item-item terms depend on
    the item alone and are folded into each item's bias in the embeddings files, so the inner
    product ranks items exactly as the fitted FM does (dropping them instead lost to popularity:
    test/spark/engine.test.ts). model.json's per-slot biases cannot hold them: an item embedded
    from its features alone (no id row) lacks its item-item term.

Evaluation, as the embedded trainer's (jobs/model/metrics.ts): recall@10 and NDCG@10 of the model
and of popularity on the last holdoutDays days, for every hold-out user with a liked item, and
separately for users seen in training (`...Known`) and new ones (`...New`). With --refit true (the
default, as embedded) the saved model is refitted on all interactions once evaluated.

Outputs under --output (s3://bucket/prefix/), the layout of the embedded lake: model.json (format
headwater-recommender/v2, with the feature schema and the metrics), item_embeddings.parquet and
user_embeddings.parquet (<entity field> bigint or string, embedding float[]): single objects, which
the index load (jobs/aws/index-loader.ts) downloads.

Arguments: --input <view>=<folder> (repeated) --output <folder> --model <json> --factors 32
--epochs 30 --learningRate 0.05 --regularization 0.01 --seed 42 --negatives 4 --batchFraction 0.05
--minCategoryCount 1 --refit true
"""
import argparse
import json
import math
from datetime import datetime, timedelta, timezone

from pyspark.ml.linalg import SparseVector, VectorUDT
from pyspark.ml.regression import FMRegressor
from pyspark.sql import SparkSession, Window, functions as F, types as T

from lake_storage import as_uri, use_lake_conventions, write_single_parquet, write_text

MODEL_FORMAT = "headwater-recommender/v2"
K = 10
USER, ITEM, RATING, DAY = "__user", "__item", "__rating", "__day"


def boolean(text):
    """argparse type for true/false (the asset's params arrive as strings)."""
    if str(text).lower() in ("true", "1", "yes"):
        return True
    if str(text).lower() in ("false", "0", "no"):
        return False
    raise argparse.ArgumentTypeError(f"expected true or false, got {text!r}")


def view_name(key):
    """The input view of a dep: jobs/aws/job-arguments.ts viewName."""
    return key.replace("/", "__")


def declaration_problems(model, inputs):
    """What is wrong with --model (missing keys, inputs not given), each naming the fix."""
    problems = []
    interactions = model.get("interactions") or {}
    for key in ("asset", "user", "item", "rating", "time"):
        if not interactions.get(key):
            problems.append(f"model.interactions.{key} is missing")
    for side in ("users", "items"):
        entity = model.get(side)
        if not isinstance(entity, dict) or not entity.get("id") or not entity.get("field"):
            problems.append(f"model.{side} must give id and field")
    if not isinstance((model.get("liked") or {}).get("minRating"), (int, float)):
        problems.append("model.liked.minRating must be a number")
    if not isinstance(model.get("holdoutDays"), int) or model["holdoutDays"] < 1:
        problems.append("model.holdoutDays must be a whole number of days, at least 1")
    for asset in [interactions.get("asset")] + [(model.get(s) or {}).get("asset") for s in ("users", "items")]:
        if asset and view_name(asset) not in inputs:
            problems.append(f"no --input {view_name(asset)}=<folder> for {asset}, which the model reads")
    return problems


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--input", action="append", default=[], help="<view>=<folder>, repeated")
    parser.add_argument("--output", required=True)
    parser.add_argument("--model", required=True, help="the model declaration as JSON (recommenderModel)")
    parser.add_argument("--factors", type=int, default=32)
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--learningRate", type=float, default=0.05)
    parser.add_argument("--regularization", type=float, default=0.01)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--negatives", type=int, default=4, help="items drawn uniformly per liked interaction, label 0")
    parser.add_argument("--batchFraction", type=float, default=0.05, help="share of the rows in each optimiser step; an epoch is 1/batchFraction steps")
    parser.add_argument("--minCategoryCount", type=int, default=1)
    parser.add_argument("--refit", type=boolean, default=True)
    # The launcher passes the run's window to every Spark job; the model trains on all history.
    parser.add_argument("--partition_start", default=None)
    parser.add_argument("--partition_end", default=None)
    args = parser.parse_args(argv)
    args.inputs = dict(item.split("=", 1) for item in args.input)
    try:
        args.declaration = json.loads(args.model)
    except ValueError as e:
        parser.error(f"--model is not JSON ({e}); pass the asset's model declaration")
    problems = declaration_problems(args.declaration, args.inputs)
    if problems:
        parser.error("; ".join(problems))
    if not 0 < args.batchFraction <= 1:
        parser.error("--batchFraction must be in (0, 1]")
    if args.negatives < 1:
        parser.error("--negatives must be at least 1: the objective needs sampled items labelled 0")
    return args


def numeric_value(raw):
    """A finite float (numbers, decimals, numeric strings), or None: artifact.ts numericValue."""
    if raw is None or isinstance(raw, bool) or (isinstance(raw, str) and not raw.strip()):
        return None
    try:
        x = float(raw)
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) else None


def category_value(raw):
    """A category as text, or None when missing: artifact.ts categoryValue."""
    if raw is None:
        return None
    text = str(raw)
    return text if text != "" else None


def multi_values(raw, separator="|"):
    """A multi feature's distinct categories, first seen first: artifact.ts multiValues."""
    if isinstance(raw, (list, tuple)):
        parts = ["" if x is None else str(x) for x in raw]
    elif isinstance(raw, str):
        parts = raw.split(separator)
    elif raw is None:
        parts = []
    else:
        parts = [str(raw)]
    out = []
    for p in (p.strip() for p in parts):
        if p and p not in out:
            out.append(p)
    return out


def entity_schema(entity):
    """model.json's schema of a side, from its declaration: features.ts entitySchema."""
    features = []
    for f in entity.get("features") or []:
        feature = {"column": f["column"], "field": f.get("field") or f["column"], "type": f["type"]}
        if f["type"] == "multi":
            feature["separator"] = f.get("separator") or "|"
        features.append(feature)
    return {"field": entity["field"], "idType": entity.get("idType", "string"), "idEmbedding": entity.get("idEmbedding", True), "features": features}


class Side:
    """One side (users or items): vocabularies, scalers and the slot of each feature value (features.ts)."""

    def __init__(self, rows, schema, min_count=1):
        self.schema = schema
        self.fitted = []
        for f in schema["features"]:
            name = f["column"]
            if f["type"] == "numeric":
                values = [x for x in (numeric_value(r.get(name)) for r in rows) if x is not None]
                mean = sum(values) / len(values) if values else 0.0
                std = math.sqrt(max(0.0, sum(v * v for v in values) / len(values) - mean * mean)) if len(values) > 1 else 1.0
                self.fitted.append({"column": name, "type": "numeric", "mean": mean, "std": std if std > 1e-12 else 1.0})
                continue
            counts = {}
            for r in rows:
                values = multi_values(r.get(name), f.get("separator")) if f["type"] == "multi" else [v for v in [category_value(r.get(name))] if v is not None]
                for v in values:
                    counts[v] = counts.get(v, 0) + 1
            self.fitted.append({"column": name, "type": f["type"], "vocabulary": sorted(v for v, n in counts.items() if n >= min_count)})
        self.index = [{v: i for i, v in enumerate(f["vocabulary"])} if f["type"] != "numeric" else None for f in self.fitted]
        self.separators = {f["column"]: f.get("separator") for f in schema["features"]}
        self.size = sum(1 if f["type"] == "numeric" else len(f["vocabulary"]) + 1 for f in self.fitted)

    def slots(self, row):
        """(slot, weight) pairs of an entity's features, slots relative to this side (artifact.ts activeSlots)."""
        out, base = [], 0
        for f, index in zip(self.fitted, self.index):
            raw = row.get(f["column"])
            if f["type"] == "numeric":
                x = numeric_value(raw)
                scaled = (x - f["mean"]) / (f["std"] or 1.0) if x is not None else 0.0
                if scaled != 0.0:
                    out.append((base, scaled))
                base += 1
                continue
            unknown = len(f["vocabulary"])
            if f["type"] == "categorical":
                value = category_value(raw)
                out.append((base + (index.get(value, unknown) if value is not None else unknown), 1.0))
            else:
                values = multi_values(raw, self.separators.get(f["column"]))
                if not values:
                    out.append((base + unknown, 1.0))
                else:
                    weights = {}
                    for v in values:
                        slot = base + index.get(v, unknown)
                        weights[slot] = weights.get(slot, 0.0) + 1.0 / len(values)
                    out.extend(sorted(weights.items()))
            base += unknown + 1
        return out

    def export(self, factors, start):
        return {"features": self.fitted, "factors": [list(map(float, factors[start + i])) for i in range(self.size)]}


def id_slots(enabled, ids, active, base):
    """Slot of each id with interactions in the fitted period (`active`), after the feature slots."""
    if not enabled:
        return {}
    return {entity_id: base + n for n, entity_id in enumerate(sorted(i for i in ids if i in active))}


def ranking_metrics(ranked_by_user, relevant_by_user):
    """Mean recall@10 and NDCG@10 over users with at least one relevant held-out item: the
    definitions of jobs/model/metrics.ts evaluateRanking, so both trainers report the same figure
    for the same ranking. recall = hits / relevant items (not / min(10, relevant)); NDCG uses
    binary gains with an ideal of min(relevant, 10) hits on top. A relevant item is a held-out
    liked interaction; rankings exclude what the user interacted with in training."""
    recalls, ndcgs = [], []
    for user, relevant in relevant_by_user.items():
        if not relevant:
            continue
        top = ranked_by_user(user)[:K]
        hits = [1.0 if item in relevant else 0.0 for item in top]
        recalls.append(sum(hits) / len(relevant))
        dcg = sum(h / math.log2(i + 2) for i, h in enumerate(hits))
        ideal = sum(1.0 / math.log2(i + 2) for i in range(min(K, len(relevant))))
        ndcgs.append(dcg / ideal)
    n = len(recalls) or 1
    return sum(recalls) / n, sum(ndcgs) / n


def split_known(relevant_by_user, seen):
    """Hold-out users split by whether they interacted in training: metrics.ts holdoutCandidates."""
    known = {u: r for u, r in relevant_by_user.items() if r and seen.get(u)}
    new = {u: r for u, r in relevant_by_user.items() if r and not seen.get(u)}
    return known, new


def group_metrics(model_ranking, popular_ranking, relevant_by_user, seen):
    """Overall, known and new metrics of the model and of popularity, named as the embedded trainer names them."""
    known, new = split_known(relevant_by_user, seen)
    out = {"evalUsers": float(len(known) + len(new)), "evalUsersKnown": float(len(known)), "evalUsersNew": float(len(new))}
    for suffix, users in (("", {**known, **new}), ("Known", known), ("New", new)):
        if not users and suffix:
            continue
        recall, ndcg = ranking_metrics(model_ranking, users)
        base_recall, base_ndcg = ranking_metrics(popular_ranking, users)
        out.update({f"recallAt10{suffix}": recall, f"ndcgAt10{suffix}": ndcg, f"baselineRecallAt10{suffix}": base_recall, f"baselineNdcgAt10{suffix}": base_ndcg})
    return out


def popularity_order(counts):
    """The popularity baseline of jobs/model/metrics.ts popularityScores: items by liked training
    interactions, ties broken by all their interactions, then by id. `counts` is an iterable of
    (item, liked, rated)."""
    return [str(p) for p, _, _ in sorted(counts, key=lambda c: (-c[1], -c[2], str(c[0])))]


def id_column(frame_column, entity):
    """An id as text: integers without a fraction (lake-io.ts idExpression), strings as they are."""
    if entity.get("idType") == "integer":
        return F.col(frame_column).cast("long").cast("string")
    return F.col(frame_column).cast("string")


def feature_column(frame, feature):
    """A feature as the trainer reads it: numbers as double, categories as text, lists as text lists."""
    column = frame.schema[feature["column"]]
    if feature["type"] == "numeric":
        return F.col(feature["column"]).cast("double").alias(feature["column"])
    if feature["type"] == "multi" and isinstance(column.dataType, T.ArrayType):
        return F.col(feature["column"]).cast("array<string>").alias(feature["column"])
    return F.col(feature["column"]).cast("string").alias(feature["column"])


def require_columns(what, frame, wanted):
    missing = [f"'{c}' ({role})" for role, c in wanted if c not in frame.columns]
    if missing:
        raise ValueError(f"{what} has no column {', '.join(missing)}; its columns: {', '.join(frame.columns)}. Fix the model declaration (recommenderModel) or the data")


def require_integer_ids(what, frame, column, side):
    bad = frame.where(F.col(column).isNotNull() & (F.col(column).cast("long").isNull() | (F.col(column).cast("long").cast("double") != F.col(column).cast("double")))).select(F.col(column).cast("string")).first()
    if bad is not None:
        raise ValueError(f"{what}: column '{column}' holds '{bad[0]}', not an integer, but the model declares {side}.idType 'integer'; declare idType: 'string' or fix the data")


def day_column(frame, column):
    """Days since 1970-01-01 of the time column: a date, timestamp, 'YYYY-MM-DD' text or integer epoch seconds (lake-io.ts dayExpression)."""
    kind = frame.schema[column].dataType
    at = F.to_timestamp(F.from_unixtime(F.col(column))) if isinstance(kind, (T.IntegerType, T.LongType, T.ShortType, T.ByteType)) else F.col(column)
    return F.datediff(F.to_date(at), F.lit("1970-01-01").cast("date"))


def read_entities(spark, args, model, side, interactions, interactions_id):
    """(id, features) rows of a side: its own asset (every entity) or the latest interaction of each."""
    entity = model[side]
    features = entity.get("features") or []
    if entity.get("asset"):
        what = entity["asset"]
        frame = spark.read.parquet(as_uri(args.inputs[view_name(what)]))
        source_id, order = entity["id"], None
    else:
        what, frame, source_id = model["interactions"]["asset"], interactions, interactions_id
        order = F.col(model["interactions"]["time"]).desc()
    require_columns(what, frame, [(f"{side}.id", source_id)] + [(f"{side} feature", f["column"]) for f in features])
    if entity.get("idType") == "integer":
        require_integer_ids(what, frame, source_id, side)
    window = Window.partitionBy("__id").orderBy(order) if order is not None else Window.partitionBy("__id").orderBy(F.lit(0))
    rows = (
        frame.where(F.col(source_id).isNotNull())
        .select(id_column(source_id, entity).alias("__id"), *[feature_column(frame, f) for f in features], *([F.col(model["interactions"]["time"])] if order is not None else []))
        .withColumn("__rn", F.row_number().over(window))
        .where(F.col("__rn") == 1)
        .orderBy("__id")
        .collect()
    )
    return [(r["__id"], {f["column"]: r[f["column"]] for f in features}) for r in rows]


def implicit_rows(spark, liked, catalog, negatives, seed):
    """Liked interactions (label 1) and, per liked one, `negatives` uniformly drawn items (label 0)."""
    positives = liked.withColumn("label", F.lit(1.0))
    drawn = liked.select(USER).withColumn("draw", F.explode(F.sequence(F.lit(1), F.lit(negatives)))).withColumn("idx", F.floor(F.rand(seed) * len(catalog)).cast("int"))
    items = spark.createDataFrame(list(enumerate(catalog)), T.StructType([T.StructField("idx", T.IntegerType(), False), T.StructField(ITEM, T.StringType(), False)]))
    negative_rows = drawn.join(F.broadcast(items), "idx").select(USER, ITEM, F.lit(0.0).alias("label"))
    return positives.unionByName(negative_rows)


def main(argv=None):
    args = parse_args(argv)
    model = args.declaration
    spark = SparkSession.builder.appName("headwater-train-recommender").getOrCreate()
    use_lake_conventions(spark)
    out = args.output.rstrip("/") + "/"
    decl = model["interactions"]
    folder = as_uri(args.inputs[view_name(decl["asset"])])
    raw = spark.read.option("basePath", folder).parquet(folder)
    require_columns(decl["asset"], raw, [(f"interactions.{c}", decl[c]) for c in ("user", "item", "rating", "time")])
    for side, column in (("users", decl["user"]), ("items", decl["item"])):
        if model[side].get("idType") == "integer":
            require_integer_ids(decl["asset"], raw, column, side)
    min_rating = float(model["liked"]["minRating"])

    user_rows = read_entities(spark, args, model, "users", raw, decl["user"])
    item_rows = read_entities(spark, args, model, "items", raw, decl["item"])
    ratings = raw.where(F.col(decl["user"]).isNotNull() & F.col(decl["item"]).isNotNull() & F.col(decl["rating"]).isNotNull() & F.col(decl["time"]).isNotNull()).select(
        id_column(decl["user"], model["users"]).alias(USER), id_column(decl["item"], model["items"]).alias(ITEM), F.col(decl["rating"]).cast("double").alias(RATING), day_column(raw, decl["time"]).alias(DAY)
    ).cache()
    # Entities seen only in the interactions are embedded too, from no features (the embedded trainer's rule).
    known_users = {u for u, _ in user_rows}
    known_items = {i for i, _ in item_rows}
    user_rows += [(r[0], {}) for r in ratings.select(USER).distinct().collect() if r[0] not in known_users]
    item_rows += [(r[0], {}) for r in ratings.select(ITEM).distinct().collect() if r[0] not in known_items]

    # Hold out the last days: the model must predict what came next.
    last_day = ratings.agg(F.max(DAY)).first()[0]
    if last_day is None:
        raise ValueError(f"the interactions ({decl['asset']}) hold no rows; materialize {decl['asset']} with data first")
    cutoff = last_day - model["holdoutDays"] + 1
    train = ratings.where(F.col(DAY) < cutoff)
    holdout = ratings.where(F.col(DAY) >= cutoff)

    users = Side([f for _, f in user_rows], entity_schema(model["users"]), args.minCategoryCount)
    items = Side([f for _, f in item_rows], entity_schema(model["items"]), args.minCategoryCount)
    user_features = {u: users.slots(f) for u, f in user_rows}
    item_features = {i: items.slots(f) for i, f in item_rows}
    catalog = sorted(item_features)
    k = args.factors

    def fit(frame):
        """Fits on `frame`'s interactions; returns the factors, linear terms, intercept and the layout used."""
        active_users = {r[0] for r in frame.select(USER).distinct().collect()}
        active_items = {r[0] for r in frame.select(ITEM).distinct().collect()}
        user_ids = id_slots(model["users"].get("idEmbedding", True), user_features, active_users, users.size)
        user_width = users.size + len(user_ids)
        item_ids = id_slots(model["items"].get("idEmbedding", True), item_features, active_items, items.size)
        width = user_width + items.size + len(item_ids)
        layout = {"user_ids": user_ids, "item_ids": item_ids, "item_start": user_width}
        by_user = {u: s + ([(user_ids[u], 1.0)] if u in user_ids else []) for u, s in user_features.items()}
        by_item = {i: [(user_width + slot, w) for slot, w in s + ([(item_ids[i], 1.0)] if i in item_ids else [])] for i, s in item_features.items()}
        lookup = spark.sparkContext.broadcast((by_user, by_item))

        def features(user, item):
            u, i = lookup.value
            pairs = u.get(user, []) + i.get(item, [])
            return SparseVector(width, sorted(dict(pairs).items()))

        to_vector = F.udf(features, VectorUDT())
        liked = frame.where(F.col(RATING) >= min_rating).select(USER, ITEM)
        data = implicit_rows(spark, liked, catalog, args.negatives, args.seed).select(to_vector(USER, ITEM).alias("features"), "label")
        # maxIter counts optimiser steps, not passes: mini-batches make an epoch 1/batchFraction
        # steps, as the embedded trainer's epochs are passes over the data.
        steps = args.epochs * max(1, int(math.ceil(1.0 / args.batchFraction)))
        fm = FMRegressor(
            factorSize=k, maxIter=steps, stepSize=args.learningRate, regParam=args.regularization,
            seed=args.seed, fitIntercept=True, fitLinear=True, solver="adamW", miniBatchFraction=args.batchFraction,
        )
        fitted = fm.fit(data)
        # Plain Python floats: numpy's float64 is refused by createDataFrame's FloatType columns.
        return fitted.factors.toArray().tolist(), fitted.linear.toArray().tolist(), float(fitted.intercept), layout

    def artifact_of(factors, linear, intercept, layout):
        start = layout["item_start"]
        return {
            "format": MODEL_FORMAT,
            "factors": k,
            "dimension": k + 1,
            "globalBias": intercept,
            "schema": {"user": users.schema, "item": items.schema},
            "user": users.export(factors, 0),
            "item": {**items.export(factors, start), "bias": [float(linear[start + i]) for i in range(items.size)]},
            "trainedAt": datetime.now(timezone.utc).isoformat(),
            "metrics": {},
        }

    def vectors_of(factors, linear, intercept, layout):
        """Every entity's embedding: its feature rows plus its id row when it has one; items end with their bias."""
        start = layout["item_start"]

        def summed(pairs, offset):
            vector = [0.0] * k
            for slot, weight in pairs:
                row = factors[offset + slot]
                for j in range(k):
                    vector[j] += weight * row[j]
            return vector

        user_vectors = {}
        for u, pairs in user_features.items():
            with_id = pairs + ([(layout["user_ids"][u], 1.0)] if u in layout["user_ids"] else [])
            user_vectors[u] = summed(with_id, 0) + [1.0]
        item_vectors = {}
        for i, pairs in item_features.items():
            with_id = pairs + ([(layout["item_ids"][i], 1.0)] if i in layout["item_ids"] else [])
            vector = summed(with_id, start)
            # The FM's item-item interactions depend on the item alone, so they belong in its bias:
            # sum over slot pairs a < b of w_a w_b <v_a, v_b> = (|sum w v|^2 - sum w^2 |v|^2) / 2.
            own = sum(w * w * sum(x * x for x in factors[start + s]) for s, w in with_id)
            pairs = (sum(x * x for x in vector) - own) / 2.0
            bias = intercept + sum(w * linear[start + s] for s, w in with_id) + pairs
            item_vectors[i] = vector + [bias]
        return user_vectors, item_vectors

    factors, linear, intercept, layout = fit(train)
    user_vectors, item_vectors = vectors_of(factors, linear, intercept, layout)

    # Quality vs popular items: recall@10 and NDCG@10 on the held-out days, known and new users apart.
    seen = {}
    for r in train.select(USER, ITEM).collect():
        seen.setdefault(r[0], set()).add(r[1])
    relevant = {}
    for r in holdout.where(F.col(RATING) >= min_rating).select(USER, ITEM).collect():
        relevant.setdefault(r[0], set()).add(r[1])
    liked_count = F.sum(F.when(F.col(RATING) >= min_rating, 1).otherwise(0))
    popularity = popularity_order((r[0], r[1], r[2]) for r in train.groupBy(ITEM).agg(liked_count, F.count(F.lit(1))).collect())

    def model_ranking(user):
        u = user_vectors.get(user)
        if u is None:
            return []
        scored = sorted(((sum(a * b for a, b in zip(u, v)), item) for item, v in item_vectors.items() if item not in seen.get(user, set())), reverse=True)
        return [item for _, item in scored]

    def popular_ranking(user):
        return [item for item in popularity if item not in seen.get(user, set())]

    metrics = group_metrics(model_ranking, popular_ranking, relevant, seen)
    metrics.update({"trainRows": float(train.count()), "holdoutRows": float(holdout.count()), "users": float(len(user_features)), "items": float(len(item_features))})
    # As embedded: once evaluated, the saved model learns from every interaction, the held-out days included.
    if args.refit and relevant:
        factors, linear, intercept, layout = fit(ratings)
        user_vectors, item_vectors = vectors_of(factors, linear, intercept, layout)
    artifact = artifact_of(factors, linear, intercept, layout)
    artifact["metrics"] = metrics

    vector_type = T.ArrayType(T.FloatType(), False)
    for side, vectors, name in (("items", item_vectors, "item_embeddings.parquet"), ("users", user_vectors, "user_embeddings.parquet")):
        entity = model[side]
        integer = entity.get("idType") == "integer"
        id_type = T.LongType() if integer else T.StringType()
        rows = [(int(e) if integer else e, v) for e, v in sorted(vectors.items(), key=lambda x: (int(x[0]) if integer else 0, x[0]))]
        schema = T.StructType([T.StructField(entity["field"], id_type, False), T.StructField("embedding", vector_type, False)])
        write_single_parquet(spark, spark.createDataFrame(rows, schema), out, name)
    # model.json last: serving and the index load see a model only once its embeddings are there.
    write_text(spark, out + "model.json", json.dumps(artifact))
    # No spark.stop(): EMR ends the application when the driver returns, and a local runner keeps
    # its one session for the next script.
    print(json.dumps({"headwater": "result", "metrics": metrics}))


if __name__ == "__main__":
    main()
