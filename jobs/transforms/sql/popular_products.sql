-- analytics/popular_products: for each hour of the run, the top 100 products over the trailing
-- 7 days as of the end of that hour: the recommender's fallback. score = orders in the window,
-- nudged by the average rating (3 stars is neutral). Shared by DuckDB and Spark SQL
-- (jobs/transforms/sql/convention.ts).
-- lookback: 7 days
-- source_filter source/order_lines: "orderNumber" IN (SELECT "orderNumber" FROM orders WHERE "orderDate" >= {{read_start}} AND "orderDate" < {{partition_end}})
WITH sold AS (
  SELECT
    w.partition_start,
    l.productCode,
    COUNT(DISTINCT o.orderNumber) AS orders,
    SUM(l.quantityOrdered)        AS unitsSold
  FROM partitions w
  JOIN source__orders o
    ON o.orderDate >= w.partition_end - INTERVAL 7 DAYS AND o.orderDate < w.partition_end
  JOIN source__order_lines l ON l.orderNumber = o.orderNumber
  WHERE o.status <> 'Cancelled'
  GROUP BY w.partition_start, l.productCode
),
rated AS (
  SELECT
    w.partition_start,
    r.productCode,
    AVG(CAST(r.productRating AS DOUBLE)) AS avgRating
  FROM partitions w
  JOIN raw__ratings r
    ON r.ratedAt >= w.partition_end - INTERVAL 7 DAYS AND r.ratedAt < w.partition_end
  GROUP BY w.partition_start, r.productCode
),
scored AS (
  SELECT
    s.partition_start,
    s.productCode,
    p.productName,
    p.productLine,
    s.orders,
    s.unitsSold,
    rt.avgRating,
    CAST(s.orders AS DOUBLE) * (1.0 + (COALESCE(rt.avgRating, 3.0) - 3.0) / 4.0) AS score
  FROM sold s
  JOIN raw__products p ON p.productCode = s.productCode
  LEFT JOIN rated rt ON rt.partition_start = s.partition_start AND rt.productCode = s.productCode
),
ranked AS (
  SELECT scored.*, ROW_NUMBER() OVER (PARTITION BY partition_start ORDER BY score DESC, productCode) AS position
  FROM scored
)
SELECT
  CAST(position AS INT)        AS rank,
  CAST(productCode AS STRING)  AS productCode,
  CAST(productName AS STRING)  AS productName,
  CAST(productLine AS STRING)  AS productLine,
  CAST(orders AS BIGINT)       AS orders,
  CAST(unitsSold AS BIGINT)    AS unitsSold,
  CAST(avgRating AS DOUBLE)    AS avgRating,
  CAST(score AS DOUBLE)        AS score,
  partition_start
FROM ranked
WHERE position <= 100
