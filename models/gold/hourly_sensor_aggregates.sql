-- Per device, hour and reading: count, min, max, average and 95th percentile. Readings are
-- unpivoted (a missing reading is no value, not a zero). quantile_cont, not approx_quantile:
-- the approximate one ignores DuckDB's memory_limit.
SELECT
  date_trunc('hour', event_ts) AS hour,
  device_id,
  any_value(building_id) AS building_id,
  reading,
  count(*) AS reading_count,
  min(value) AS min_value,
  max(value) AS max_value,
  avg(value) AS avg_value,
  quantile_cont(value, 0.95) AS p95_value
FROM (
  UNPIVOT (SELECT device_id, building_id, event_ts, {{reading_columns}} FROM silver_telemetry)
  ON {{reading_columns}}
  INTO NAME reading VALUE value
)
GROUP BY 1, 2, 4
