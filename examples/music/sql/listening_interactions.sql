-- training/listening_interactions: one row per listener and track played that day, with the
-- strength of the signal as a 1-5 rating (5: liked that day; 4: played through twice or more;
-- 3: once; 2: only partly; 1: skipped within 30 seconds) and the features of both, typed as the
-- asset's contract. Shared by DuckDB and Spark SQL (jobs/transforms/sql/convention.ts).
WITH sessions AS (
  SELECT
    p.listener_id,
    p.track_id,
    date_trunc('day', p.played_at)                                    AS day,
    COUNT(*)                                                          AS plays,
    SUM(CASE WHEN p.ms_played >= t.duration_ms THEN 1 ELSE 0 END)     AS completed,
    MAX(p.ms_played)                                                  AS longest,
    SUM(CAST(p.ms_played AS BIGINT))                                  AS ms_played,
    MIN(p.played_at)                                                  AS first_played_at
  FROM raw__plays p
  JOIN raw__tracks t ON t.track_id = p.track_id
  WHERE p.played_at >= {{partition_start}}
    AND p.played_at < {{partition_end}}
  GROUP BY p.listener_id, p.track_id, date_trunc('day', p.played_at)
),
liked AS (
  SELECT DISTINCT listener_id, track_id, date_trunc('day', liked_at) AS day
  FROM raw__likes
  WHERE liked_at >= {{partition_start}}
    AND liked_at < {{partition_end}}
)
SELECT
  CAST(s.listener_id AS STRING)        AS listener_id,
  CAST(s.track_id AS STRING)           AS track_id,
  CAST(CASE
         WHEN k.track_id IS NOT NULL THEN 5
         WHEN s.completed >= 2 THEN 4
         WHEN s.completed = 1 THEN 3
         WHEN s.longest >= 30000 THEN 2
         ELSE 1
       END AS INT)                     AS rating,
  CAST(s.plays AS INT)                 AS plays,
  CAST(s.ms_played AS BIGINT)          AS ms_played,
  CAST(s.first_played_at AS TIMESTAMP) AS first_played_at,
  CAST(l.age_band AS STRING)           AS age_band,
  CAST(l.country AS STRING)            AS country,
  CAST(l.subscription AS STRING)       AS subscription,
  CAST(t.artist AS STRING)             AS artist,
  CAST(t.genres AS STRING)             AS genres,
  CAST(t.duration_ms AS INT)           AS duration_ms,
  CAST(s.day AS TIMESTAMP)             AS partition_start
FROM sessions s
JOIN raw__listeners l ON l.listener_id = s.listener_id
JOIN raw__tracks t ON t.track_id = s.track_id
LEFT JOIN liked k ON k.listener_id = s.listener_id AND k.track_id = s.track_id AND k.day = s.day
