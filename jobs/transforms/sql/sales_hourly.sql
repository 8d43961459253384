-- analytics/sales_hourly: orders, units and revenue per hour, product line and country; the
-- marketing dashboard table. Cancelled orders do not count. Shared by DuckDB and Spark SQL
-- (jobs/transforms/sql/convention.ts).
-- source_filter source/order_lines: "orderNumber" IN (SELECT "orderNumber" FROM orders WHERE "orderDate" >= {{read_start}} AND "orderDate" < {{partition_end}})
SELECT
  CAST(date_trunc('hour', o.orderDate) AS TIMESTAMP)      AS hour,
  CAST(p.productLine AS STRING)                            AS productLine,
  CAST(c.country AS STRING)                                AS country,
  CAST(COUNT(DISTINCT o.orderNumber) AS BIGINT)            AS orders,
  CAST(SUM(l.quantityOrdered) AS BIGINT)                   AS unitsSold,
  CAST(SUM(l.quantityOrdered * l.priceEach) AS DOUBLE)     AS revenue,
  CAST(date_trunc('hour', o.orderDate) AS TIMESTAMP)      AS partition_start
FROM source__orders o
JOIN source__order_lines l ON l.orderNumber = o.orderNumber
JOIN raw__products p ON p.productCode = l.productCode
JOIN raw__customers c ON c.customerNumber = o.customerNumber
WHERE o.orderDate >= {{partition_start}}
  AND o.orderDate < {{partition_end}}
  AND o.status <> 'Cancelled'
GROUP BY date_trunc('hour', o.orderDate), p.productLine, c.country
