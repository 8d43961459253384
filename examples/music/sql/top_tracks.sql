-- analytics/top_tracks: for each hour of the run, the 100 tracks most listened to over the
-- trailing 7 days as of the end of that hour: what the API answers when it cannot personalise.
-- score = plays listened through + 3 x likes. Shared by DuckDB and Spark SQL
-- (jobs/transforms/sql/convention.ts).
-- lookback: 7 days
WITH played AS (
  SELECT
    w.partition_start,
    p.track_id,
    COUNT(DISTINCT p.listener_id)                                  AS listeners,
    SUM(CASE WHEN p.ms_played >= t.duration_ms THEN 1 ELSE 0 END)  AS completed_plays
  FROM partitions w
  JOIN source__plays p
    ON p.played_at >= w.partition_end - INTERVAL 7 DAYS AND p.played_at < w.partition_end
  JOIN raw__tracks t ON t.track_id = p.track_id
  GROUP BY w.partition_start, p.track_id
),
liked AS (
  SELECT w.partition_start, k.track_id, COUNT(*) AS likes
  FROM partitions w
  JOIN source__likes k
    ON k.liked_at >= w.partition_end - INTERVAL 7 DAYS AND k.liked_at < w.partition_end
  GROUP BY w.partition_start, k.track_id
),
scored AS (
  SELECT
    p.partition_start,
    p.track_id,
    t.title,
    t.artist,
    t.genres,
    p.listeners,
    p.completed_plays,
    COALESCE(k.likes, 0)                                            AS likes,
    CAST(p.completed_plays AS DOUBLE) + 3.0 * COALESCE(k.likes, 0)  AS score
  FROM played p
  JOIN raw__tracks t ON t.track_id = p.track_id
  LEFT JOIN liked k ON k.partition_start = p.partition_start AND k.track_id = p.track_id
),
ranked AS (
  SELECT scored.*, ROW_NUMBER() OVER (PARTITION BY partition_start ORDER BY score DESC, track_id) AS position
  FROM scored
)
SELECT
  CAST(position AS INT)          AS rank,
  CAST(track_id AS STRING)       AS track_id,
  CAST(title AS STRING)          AS title,
  CAST(artist AS STRING)         AS artist,
  CAST(genres AS STRING)         AS genres,
  CAST(listeners AS BIGINT)      AS listeners,
  CAST(completed_plays AS BIGINT) AS completed_plays,
  CAST(likes AS BIGINT)          AS likes,
  CAST(score AS DOUBLE)          AS score,
  partition_start
FROM ranked
WHERE position <= 100
