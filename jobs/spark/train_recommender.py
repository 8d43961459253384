"""Headwater recommender training on EMR Serverless (PySpark): the model of the embedded trainer
(jobs/model/), fitted with pyspark.ml's FMRegressor.

Features: exactly those of jobs/model/features.ts. Users: city, country (categorical), creditLimit
(numeric). Items: productCode (the product's identity, a categorical like the others, so each
product learns its own popularity while a new code is still embedded from its other features),
productLine, productScale, productVendor (categorical), buyPrice, MSRP, quantityInStock (numeric).
Each side is laid out in the slot order of jobs/model/artifact.ts: per categorical feature one slot
per vocabulary value (sorted; values on fewer than --minCategoryCount entities fold into "unknown")
plus one "unknown" slot, then one slot per standardized numeric feature (population mean and std,
missing = 0).

Objective: implicit feedback, as the embedded trainer. Each liked rating (stars >= 4) is a row with
label 1; for each, --negatives products drawn uniformly from the catalog are rows with label 0
(ratings under 4 stars are not used, as in the embedded trainer). FMRegressor fits them pointwise
(squared loss). The FM's factor rows become the artifact's factor rows, its item-side linear weights
the item biases, its intercept the global bias, so serving embeds any customer or product from
features alone:

  user . item = sum of user-item factor interactions + item bias  (users carry a constant 1 there)

What remains different from the embedded trainer (jobs/model/factorization.ts), and why:
  - loss: pointwise squared loss on 1 / sampled 0 labels, where the embedded trainer maximizes a
    sampled softmax over the catalog (the likelihood of "which product this customer picks").
    pyspark.ml has no listwise or pairwise objective; both learn "liked above a random product",
    the softmax ranks the head of the catalog better.
  - bias start: the embedded trainer starts each product's identity bias at its centred log
    popularity; FMRegressor has no initial weights, so here the item linear terms learn popularity
    from the labels (liked products get label 1 more often) starting from zero.
  - interactions: an FM also fits user-user and item-item factor interactions and user linear
    terms. The artifact keeps only user-item interactions and item biases (so the score stays an
    inner product); user-only terms shift every item of a user equally and never change a ranking,
    but the dropped item-item terms are part of what FMRegressor fitted.
  - entities: only those in raw/customers and raw/products are embedded (the embedded trainer also
    embeds entities seen only in the training set, from its columns).

Outputs under --output (s3://bucket/prefix/), the layout of the embedded lake: model.json (format
headwater-recommender/v1, with recall@10 and NDCG@10 of the model and of the popularity baseline on
the last --holdoutDays days), item_embeddings.parquet (product_code string, embedding float[]) and
user_embeddings.parquet (customer_number int, embedding float[]), 33 dimensions for 32 factors:
single objects, which the index load (jobs/aws/index-loader.ts) downloads. With --refit true (the
default, as embedded) the saved model is refitted on all ratings once evaluated.

Arguments: --input <view>=<s3 folder> (training__ratings_ml_training, raw__customers,
raw__products) --output s3://bucket/prefix/ --factors 32 --epochs 30 --learningRate 0.05
--regularization 0.01 --holdoutDays 7 --seed 42 --negatives 4 --minCategoryCount 1 --refit true
"""
import argparse
import json
import math
from datetime import datetime, timedelta, timezone

from pyspark.ml.linalg import SparseVector, VectorUDT
from pyspark.ml.regression import FMRegressor
from pyspark.sql import SparkSession, functions as F, types as T

from lake_storage import as_uri, use_lake_conventions, write_single_parquet, write_text

MODEL_FORMAT = "headwater-recommender/v1"
# The features of each side: the same as the embedded trainer (jobs/model/features.ts), read from
# the feature tables (raw/customers, raw/products) so that every customer and product is embedded.
USER_CATEGORICAL = ["city", "country"]
USER_NUMERIC = ["creditLimit"]
ITEM_CATEGORICAL = ["productCode", "productLine", "productScale", "productVendor"]
ITEM_NUMERIC = ["buyPrice", "MSRP", "quantityInStock"]
CUSTOMER_ID, PRODUCT_ID = "customerNumber", "productCode"
RELEVANT_STARS = 4
K = 10


def boolean(text):
    """argparse type for true/false (the asset's params arrive as strings)."""
    if str(text).lower() in ("true", "1", "yes"):
        return True
    if str(text).lower() in ("false", "0", "no"):
        return False
    raise argparse.ArgumentTypeError(f"expected true or false, got {text!r}")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--input", action="append", default=[], help="<view>=<s3 folder>, repeated")
    parser.add_argument("--output", required=True)
    parser.add_argument("--factors", type=int, default=32)
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--learningRate", type=float, default=0.05)
    parser.add_argument("--regularization", type=float, default=0.01)
    parser.add_argument("--holdoutDays", type=int, default=7)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--negatives", type=int, default=4, help="products drawn uniformly per liked rating, label 0")
    parser.add_argument("--batchFraction", type=float, default=0.05, help="share of the rows in each optimiser step; an epoch is 1/batchFraction steps")
    parser.add_argument("--minCategoryCount", type=int, default=1)
    parser.add_argument("--refit", type=boolean, default=True)
    # The launcher passes the run's window to every Spark job; the model trains on all history.
    parser.add_argument("--partition_start", default=None)
    parser.add_argument("--partition_end", default=None)
    args = parser.parse_args(argv)
    args.inputs = dict(item.split("=", 1) for item in args.input)
    for view in ("training__ratings_ml_training", "raw__customers", "raw__products"):
        if view not in args.inputs:
            parser.error(f"missing --input {view}=s3://...; the model reads the training set and both feature tables")
    if not 0 < args.batchFraction <= 1:
        parser.error("--batchFraction must be in (0, 1]")
    if args.negatives < 1:
        parser.error("--negatives must be at least 1: the objective needs sampled products labelled 0")
    return args


def numeric_value(raw):
    """A finite float (numbers, decimals, numeric strings), or None: artifact.ts numericValue."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    try:
        x = float(raw)
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) else None


class Side:
    """One side (users or items): vocabularies, scalers and the slot of each feature value (features.ts)."""

    def __init__(self, rows, categorical, numeric, min_count=1):
        self.categorical = {}
        for name in categorical:
            counts = {}
            for r in rows:
                if r.get(name) is not None:
                    counts[str(r[name])] = counts.get(str(r[name]), 0) + 1
            self.categorical[name] = sorted(v for v, n in counts.items() if n >= min_count)
        self.index = {name: {v: i for i, v in enumerate(vocab)} for name, vocab in self.categorical.items()}
        self.numeric = []
        for name in numeric:
            values = [x for x in (numeric_value(r.get(name)) for r in rows) if x is not None]
            mean = sum(values) / len(values) if values else 0.0
            std = math.sqrt(max(0.0, sum(v * v for v in values) / len(values) - mean * mean)) if len(values) > 1 else 1.0
            self.numeric.append({"name": name, "mean": mean, "std": std if std > 1e-12 else 1.0})
        self.size = sum(len(v) + 1 for v in self.categorical.values()) + len(self.numeric)

    def slots(self, row):
        """(slot, weight) pairs of an entity, slots relative to this side (artifact.ts activeSlots)."""
        out, slot = [], 0
        for name, vocab in self.categorical.items():
            value = row.get(name)
            index = self.index[name].get(str(value), len(vocab)) if value is not None else len(vocab)
            out.append((slot + index, 1.0))
            slot += len(vocab) + 1
        for feature in self.numeric:
            raw = numeric_value(row.get(feature["name"]))
            x = (raw - feature["mean"]) / feature["std"] if raw is not None else 0.0
            if x != 0.0:
                out.append((slot, x))
            slot += 1
        return out

    def export(self, factors, start):
        return {"categorical": self.categorical, "numeric": self.numeric, "factors": [list(map(float, factors[start + i])) for i in range(self.size)]}


def embed(side, row, factors, start, k):
    vector = [0.0] * k
    for slot, weight in side.slots(row):
        factor_row = factors[start + slot]
        for j in range(k):
            vector[j] += weight * factor_row[j]
    return vector


def ranking_metrics(ranked_by_user, relevant_by_user):
    """Mean recall@10 and NDCG@10 over users with at least one relevant held-out item: the
    definitions of jobs/model/metrics.ts evaluateRanking, so both trainers report the same figure
    for the same ranking. recall = hits / relevant items (not / min(10, relevant)); NDCG uses
    binary gains with an ideal of min(relevant, 10) hits on top. A relevant item is a held-out
    rating of RELEVANT_STARS or more; rankings exclude what the user rated in training."""
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


def popularity_order(counts):
    """The popularity baseline of jobs/model/metrics.ts popularityScores: products by liked
    training ratings (RELEVANT_STARS or more), ties broken by all their ratings, then by code.
    `counts` is an iterable of (product, liked, rated)."""
    return [str(p) for p, _, _ in sorted(counts, key=lambda c: (-c[1], -c[2], str(c[0])))]


def implicit_rows(spark, ratings, catalog, negatives, seed):
    """Liked ratings (label 1) and, per liked rating, `negatives` uniformly drawn products (label 0)."""
    liked = ratings.where(F.col("productRating") >= RELEVANT_STARS).select(F.col(CUSTOMER_ID).cast("int").alias(CUSTOMER_ID), F.col(PRODUCT_ID).cast("string").alias(PRODUCT_ID))
    positives = liked.withColumn("label", F.lit(1.0))
    drawn = (
        liked.select(CUSTOMER_ID)
        .withColumn("draw", F.explode(F.sequence(F.lit(1), F.lit(negatives))))
        .withColumn("idx", F.floor(F.rand(seed) * len(catalog)).cast("int"))
    )
    products = spark.createDataFrame(list(enumerate(catalog)), T.StructType([T.StructField("idx", T.IntegerType(), False), T.StructField(PRODUCT_ID, T.StringType(), False)]))
    negative_rows = drawn.join(F.broadcast(products), "idx").select(CUSTOMER_ID, PRODUCT_ID, F.lit(0.0).alias("label"))
    return positives.unionByName(negative_rows)


def main(argv=None):
    args = parse_args(argv)
    spark = SparkSession.builder.appName("headwater-train-recommender").getOrCreate()
    use_lake_conventions(spark)
    out = args.output.rstrip("/") + "/"
    training = as_uri(args.inputs["training__ratings_ml_training"])
    ratings = spark.read.option("basePath", training).parquet(training)
    customers = [r.asDict() for r in spark.read.parquet(as_uri(args.inputs["raw__customers"])).collect()]
    products = [r.asDict() for r in spark.read.parquet(as_uri(args.inputs["raw__products"])).collect()]

    # Hold out the last days of the daily partitions: the model must predict what came next.
    day = F.to_date(F.col("dt"))
    last_day = ratings.select(F.max(day)).first()[0]
    cutoff = last_day - timedelta(days=args.holdoutDays - 1) if last_day else None
    train = ratings.where(day < F.lit(cutoff)) if cutoff else ratings
    holdout = ratings.where(day >= F.lit(cutoff)) if cutoff else ratings.limit(0)

    users = Side(customers, USER_CATEGORICAL, USER_NUMERIC, args.minCategoryCount)
    items = Side(products, ITEM_CATEGORICAL, ITEM_NUMERIC, args.minCategoryCount)
    width = users.size + items.size
    # Each row's vector: the customer's slots, then the product's, looked up by id.
    user_slots = {int(c[CUSTOMER_ID]): users.slots(c) for c in customers}
    item_slots = {str(p[PRODUCT_ID]): [(users.size + s, w) for s, w in items.slots(p)] for p in products}
    catalog = sorted(item_slots)
    lookup = spark.sparkContext.broadcast((user_slots, item_slots))

    def features(customer, product):
        by_user, by_item = lookup.value
        pairs = by_user.get(int(customer), []) + by_item.get(str(product), [])
        return SparseVector(width, sorted(dict(pairs).items()))

    to_vector = F.udf(features, VectorUDT())
    k = args.factors

    def fit(frame):
        data = implicit_rows(spark, frame, catalog, args.negatives, args.seed).select(to_vector(CUSTOMER_ID, PRODUCT_ID).alias("features"), "label")
        # maxIter counts optimiser steps, not passes: full-batch steps (the default fraction 1.0)
        # made 30 "epochs" 30 steps, too few to learn even popularity. Mini-batches make an
        # epoch 1/batchFraction steps, as the embedded trainer's epochs are passes over the data.
        steps = args.epochs * max(1, int(math.ceil(1.0 / args.batchFraction)))
        fm = FMRegressor(
            factorSize=k, maxIter=steps, stepSize=args.learningRate, regParam=args.regularization,
            seed=args.seed, fitIntercept=True, fitLinear=True, solver="adamW", miniBatchFraction=args.batchFraction,
        )
        model = fm.fit(data)
        # Plain Python floats: numpy's float64 is refused by createDataFrame's FloatType columns.
        return model.factors.toArray().tolist(), model.linear.toArray().tolist(), float(model.intercept)

    def artifact_of(factors, linear, intercept):
        return {
            "format": MODEL_FORMAT,
            "factors": k,
            "dimension": k + 1,
            "globalBias": intercept,
            "user": users.export(factors, 0),
            "item": {**items.export(factors, users.size), "bias": [float(linear[users.size + i]) for i in range(items.size)]},
            "trainedAt": datetime.now(timezone.utc).isoformat(),
            "metrics": {},
        }

    def vectors_of(artifact, factors):
        def item_vector(product):
            vector = embed(items, product, factors, users.size, k)
            bias = artifact["globalBias"] + sum(w * artifact["item"]["bias"][s] for s, w in items.slots(product))
            return vector + [bias]
        item_vectors = {str(p[PRODUCT_ID]): item_vector(p) for p in products}
        user_vectors = {int(c[CUSTOMER_ID]): embed(users, c, factors, 0, k) + [1.0] for c in customers}
        return item_vectors, user_vectors

    factors, linear, intercept = fit(train)
    artifact = artifact_of(factors, linear, intercept)
    item_vectors, user_vectors = vectors_of(artifact, factors)

    # Quality vs "popular products": recall@10 and NDCG@10 on the held-out days.
    seen = {}
    for r in train.select(CUSTOMER_ID, PRODUCT_ID).collect():
        seen.setdefault(int(r[0]), set()).add(str(r[1]))
    relevant = {}
    for r in holdout.where(F.col("productRating") >= RELEVANT_STARS).select(CUSTOMER_ID, PRODUCT_ID).collect():
        relevant.setdefault(int(r[0]), set()).add(str(r[1]))
    liked_count = F.sum(F.when(F.col("productRating") >= RELEVANT_STARS, 1).otherwise(0))
    popularity = popularity_order((r[0], r[1], r[2]) for r in train.groupBy(PRODUCT_ID).agg(liked_count, F.count(F.lit(1))).collect())

    def model_ranking(user):
        u = user_vectors.get(user)
        if u is None:
            return []
        scored = sorted(((sum(a * b for a, b in zip(u, v)), item) for item, v in item_vectors.items() if item not in seen.get(user, set())), reverse=True)
        return [item for _, item in scored]

    def popular_ranking(user):
        return [item for item in popularity if item not in seen.get(user, set())]

    recall, ndcg = ranking_metrics(model_ranking, relevant)
    base_recall, base_ndcg = ranking_metrics(popular_ranking, relevant)
    metrics = {
        "recallAt10": recall, "ndcgAt10": ndcg, "baselineRecallAt10": base_recall, "baselineNdcgAt10": base_ndcg,
        "trainRows": float(train.count()), "holdoutUsers": float(len(relevant)),
    }
    # As embedded: once evaluated, the saved model learns from every rating, the held-out days included.
    if args.refit and relevant:
        factors, linear, intercept = fit(ratings)
        artifact = artifact_of(factors, linear, intercept)
        item_vectors, user_vectors = vectors_of(artifact, factors)
    artifact["metrics"] = metrics

    vector_type = T.ArrayType(T.FloatType(), False)
    write_single_parquet(
        spark,
        spark.createDataFrame([(item, v) for item, v in sorted(item_vectors.items())], T.StructType([T.StructField("product_code", T.StringType(), False), T.StructField("embedding", vector_type, False)])),
        out, "item_embeddings.parquet",
    )
    write_single_parquet(
        spark,
        spark.createDataFrame([(user, v) for user, v in sorted(user_vectors.items())], T.StructType([T.StructField("customer_number", T.IntegerType(), False), T.StructField("embedding", vector_type, False)])),
        out, "user_embeddings.parquet",
    )
    # model.json last: serving and the index load see a model only once its embeddings are there.
    write_text(spark, out + "model.json", json.dumps(artifact))
    # No spark.stop(): EMR ends the application when the driver returns, and a local runner keeps
    # its one session for the next script.
    print(json.dumps({"headwater": "result", "metrics": metrics}))


if __name__ == "__main__":
    main()
