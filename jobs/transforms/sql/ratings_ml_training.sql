-- training/ratings_ml_training: the 13 columns of the seed lab, one row per rating, typed as
-- the asset's contract (prices as DOUBLE, ratings as INT). Runs on DuckDB (embedded) and on
-- Spark SQL (Glue); see jobs/transforms/sql/convention.ts for the shared rules.
SELECT
  CAST(r.customerNumber AS INT)       AS customerNumber,
  CAST(c.city AS STRING)              AS city,
  CAST(c.state AS STRING)             AS state,
  CAST(c.postalCode AS STRING)        AS postalCode,
  CAST(c.country AS STRING)           AS country,
  CAST(c.creditLimit AS DOUBLE)       AS creditLimit,
  CAST(r.productCode AS STRING)       AS productCode,
  CAST(p.productLine AS STRING)       AS productLine,
  CAST(p.productScale AS STRING)      AS productScale,
  CAST(p.quantityInStock AS INT)      AS quantityInStock,
  CAST(p.buyPrice AS DOUBLE)          AS buyPrice,
  CAST(p.MSRP AS DOUBLE)              AS MSRP,
  CAST(r.productRating AS INT)        AS productRating,
  CAST(date_trunc('day', r.ratedAt) AS TIMESTAMP) AS partition_start
FROM raw__ratings r
JOIN raw__customers c ON c.customerNumber = r.customerNumber
JOIN raw__products p ON p.productCode = r.productCode
WHERE r.ratedAt >= {{partition_start}}
  AND r.ratedAt < {{partition_end}}
