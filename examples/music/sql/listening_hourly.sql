-- analytics/listening_hourly: plays, listeners, minutes and the skip rate per hour, country and
-- subscription: the content team's dashboard. A listener not yet in the daily snapshot (signed
-- up today) counts under 'unknown'. Shared by DuckDB and Spark SQL
-- (jobs/transforms/sql/convention.ts); divisions and averages are over DOUBLEs, since Spark would
-- compute them as DECIMALs of limited scale where DuckDB gives doubles.
SELECT
  CAST(date_trunc('hour', p.played_at) AS TIMESTAMP)                       AS hour,
  CAST(COALESCE(l.country, 'unknown') AS STRING)                           AS country,
  CAST(COALESCE(l.subscription, 'unknown') AS STRING)                      AS subscription,
  CAST(COUNT(*) AS BIGINT)                                                 AS plays,
  CAST(COUNT(DISTINCT p.listener_id) AS BIGINT)                            AS listeners,
  CAST(SUM(p.ms_played) AS DOUBLE) / 60000                                 AS minutes_played,
  AVG(CAST(CASE WHEN p.ms_played < 30000 THEN 1 ELSE 0 END AS DOUBLE))     AS skip_rate,
  CAST(date_trunc('hour', p.played_at) AS TIMESTAMP)                       AS partition_start
FROM source__plays p
LEFT JOIN raw__listeners l ON l.listener_id = p.listener_id
WHERE p.played_at >= {{partition_start}}
  AND p.played_at < {{partition_end}}
GROUP BY date_trunc('hour', p.played_at), COALESCE(l.country, 'unknown'), COALESCE(l.subscription, 'unknown')
