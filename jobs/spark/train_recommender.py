"""Headwater recommender training on EMR Serverless (PySpark): the content-based factorization
model of the embedded trainer, with pyspark.ml's FMRegressor.

Each rating (user, item, stars) becomes one feature vector: the user's features then the item's,
each side laid out in the slot order of jobs/model/artifact.ts (per categorical feature one slot
per vocabulary value plus one for "unknown", then one slot per standardized numeric feature). The
FM's factor rows become the artifact's factor rows, its item-side linear weights the item biases,
its intercept the global bias, so serving embeds any customer or product from features alone:

  user . item = sum of factor interactions + item bias  (users carry a constant 1 in the bias slot)

Outputs under --output: model.json (format headwater-recommender/v1, with recall@10 and NDCG@10
of the model and of the popularity baseline on the last --holdoutDays days), and Parquet
embeddings in item_embeddings/ (product_code, embedding) and user_embeddings/ (customer_number,
embedding), 33 dimensions for 32 factors.

Arguments: --input <view>=<s3 folder> (training__ratings_ml_training, raw__customers,
raw__products) --output s3://bucket/prefix/ --factors 32 --epochs 30 --learningRate 0.05
--regularization 0.01 --holdoutDays 7 --seed 42
"""
import argparse
import json
import math
from datetime import datetime, timedelta, timezone

import boto3
from pyspark.ml.linalg import SparseVector, VectorUDT
from pyspark.ml.regression import FMRegressor
from pyspark.sql import SparkSession, functions as F, types as T

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
    # The launcher passes the run's window to every Spark job; the model trains on all history.
    parser.add_argument("--partition_start", default=None)
    parser.add_argument("--partition_end", default=None)
    args = parser.parse_args(argv)
    args.inputs = dict(item.split("=", 1) for item in args.input)
    for view in ("training__ratings_ml_training", "raw__customers", "raw__products"):
        if view not in args.inputs:
            parser.error(f"missing --input {view}=s3://...; the model reads the training set and both feature tables")
    return args


class Side:
    """One side (users or items): vocabularies, scalers and the slot of each feature value."""

    def __init__(self, rows, categorical, numeric, offset):
        self.categorical = {name: sorted({str(r[name]) for r in rows if r[name] is not None}) for name in categorical}
        self.numeric = []
        for name in numeric:
            values = [float(r[name]) for r in rows if r[name] is not None]
            mean = sum(values) / len(values) if values else 0.0
            var = sum((v - mean) ** 2 for v in values) / len(values) if len(values) > 1 else 1.0
            std = math.sqrt(var)
            self.numeric.append({"name": name, "mean": mean, "std": std if std > 1e-12 else 1.0})
        self.offset = offset
        self.size = sum(len(v) + 1 for v in self.categorical.values()) + len(self.numeric)

    def slots(self, row):
        """(slot, weight) pairs of an entity, slots relative to this side."""
        out, slot = [], 0
        for name, vocab in self.categorical.items():
            value = row[name]
            index = vocab.index(str(value)) if value is not None and str(value) in vocab else len(vocab)
            out.append((slot + index, 1.0))
            slot += len(vocab) + 1
        for feature in self.numeric:
            raw = row[feature["name"]]
            x = (float(raw) - feature["mean"]) / feature["std"] if raw is not None else 0.0
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
    """Mean recall@10 and NDCG@10 over users with at least one relevant held-out item."""
    recalls, ndcgs = [], []
    for user, relevant in relevant_by_user.items():
        if not relevant:
            continue
        top = ranked_by_user(user)[:K]
        hits = [1.0 if item in relevant else 0.0 for item in top]
        recalls.append(sum(hits) / min(K, len(relevant)))
        dcg = sum(h / math.log2(i + 2) for i, h in enumerate(hits))
        ideal = sum(1.0 / math.log2(i + 2) for i in range(min(K, len(relevant))))
        ndcgs.append(dcg / ideal if ideal else 0.0)
    n = len(recalls) or 1
    return sum(recalls) / n, sum(ndcgs) / n


def main(argv=None):
    args = parse_args(argv)
    spark = SparkSession.builder.appName("headwater-train-recommender").getOrCreate()
    out = args.output.rstrip("/") + "/"
    ratings = spark.read.option("basePath", args.inputs["training__ratings_ml_training"]).parquet(args.inputs["training__ratings_ml_training"])
    customers = [r.asDict() for r in spark.read.parquet(args.inputs["raw__customers"]).collect()]
    products = [r.asDict() for r in spark.read.parquet(args.inputs["raw__products"]).collect()]

    # Hold out the last days of the daily partitions: the model must predict what came next.
    day = F.to_date(F.col("dt"))
    last_day = ratings.select(F.max(day)).first()[0]
    cutoff = last_day - timedelta(days=args.holdoutDays - 1) if last_day else None
    train = ratings.where(day < F.lit(cutoff)) if cutoff else ratings
    holdout = ratings.where(day >= F.lit(cutoff)) if cutoff else ratings.limit(0)

    users = Side(customers, USER_CATEGORICAL, USER_NUMERIC, 0)
    items = Side(products, ITEM_CATEGORICAL, ITEM_NUMERIC, users.size)
    width = users.size + items.size
    # Each rating's vector: the customer's slots, then the product's, looked up by id.
    user_slots = {int(c[CUSTOMER_ID]): users.slots(c) for c in customers}
    item_slots = {str(p[PRODUCT_ID]): [(users.size + s, w) for s, w in items.slots(p)] for p in products}
    lookup = spark.sparkContext.broadcast((user_slots, item_slots))

    def features(customer, product):
        by_user, by_item = lookup.value
        pairs = by_user.get(int(customer), []) + by_item.get(str(product), [])
        return SparseVector(width, sorted(dict(pairs).items()))

    to_vector = F.udf(features, VectorUDT())
    data = train.select(to_vector(CUSTOMER_ID, PRODUCT_ID).alias("features"), F.col("productRating").cast("double").alias("label"))
    fm = FMRegressor(
        factorSize=args.factors, maxIter=args.epochs, stepSize=args.learningRate, regParam=args.regularization,
        seed=args.seed, fitIntercept=True, fitLinear=True, solver="adamW",
    )
    model = fm.fit(data)
    factors = model.factors.toArray()
    linear = model.linear.toArray()
    k = args.factors

    artifact = {
        "format": MODEL_FORMAT,
        "factors": k,
        "dimension": k + 1,
        "globalBias": float(model.intercept),
        "user": users.export(factors, 0),
        "item": {**items.export(factors, users.size), "bias": [float(linear[users.size + i]) for i in range(items.size)]},
        "trainedAt": datetime.now(timezone.utc).isoformat(),
        "metrics": {},
    }

    def item_vector(product):
        vector = embed(items, product, factors, users.size, k)
        bias = artifact["globalBias"] + sum(w * artifact["item"]["bias"][s] for s, w in items.slots(product))
        return vector + [bias]

    item_vectors = {str(p[PRODUCT_ID]): item_vector(p) for p in products}
    user_vectors = {int(c[CUSTOMER_ID]): embed(users, c, factors, 0, k) + [1.0] for c in customers}

    # Quality vs "popular products": recall@10 and NDCG@10 on the held-out days.
    seen = {}
    for r in train.select(CUSTOMER_ID, PRODUCT_ID).collect():
        seen.setdefault(int(r[0]), set()).add(str(r[1]))
    relevant = {}
    for r in holdout.where(F.col("productRating") >= RELEVANT_STARS).select(CUSTOMER_ID, PRODUCT_ID).collect():
        relevant.setdefault(int(r[0]), set()).add(str(r[1]))
    popularity = [str(r[0]) for r in train.groupBy(PRODUCT_ID).count().orderBy(F.desc("count"), PRODUCT_ID).collect()]

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
    artifact["metrics"] = {
        "recallAt10": recall, "ndcgAt10": ndcg, "baselineRecallAt10": base_recall, "baselineNdcgAt10": base_ndcg,
        "trainRows": float(train.count()), "holdoutUsers": float(len(relevant)),
    }

    bucket, _, prefix = out[len("s3://"):].partition("/")
    boto3.client("s3").put_object(Bucket=bucket, Key=f"{prefix}model.json", Body=json.dumps(artifact).encode("utf-8"), ContentType="application/json")
    vector_type = T.ArrayType(T.FloatType(), False)
    spark.createDataFrame([(item, v) for item, v in item_vectors.items()], T.StructType([T.StructField("product_code", T.StringType(), False), T.StructField("embedding", vector_type, False)])) \
        .coalesce(1).write.mode("overwrite").parquet(f"{out}item_embeddings/")
    spark.createDataFrame([(user, v) for user, v in user_vectors.items()], T.StructType([T.StructField("customer_number", T.IntegerType(), False), T.StructField("embedding", vector_type, False)])) \
        .coalesce(1).write.mode("overwrite").parquet(f"{out}user_embeddings/")
    print(json.dumps({"headwater": "result", "metrics": artifact["metrics"]}))
    spark.stop()


if __name__ == "__main__":
    main()
