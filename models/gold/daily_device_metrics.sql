-- Per device and day: messages, anomalies by kind, first and last seen, gaps and uptime, battery,
-- vibration trend and stuck sensors. One window pass per device in time order gives the gaps and
-- the stuck flags (a reading equal to its previous three: four identical readings in a row).
-- A gap counts as offline when longer than max(10 minutes, 5 x the device's typical interval);
-- the stretches before the first and after the last message of the day count the same way. The
-- typical interval is the median gap: a device often offline does not stretch it as a mean would.
WITH readings AS (
  SELECT
    device_id, device_type, building_id, event_ts, status, anomaly_count, duplicate_count,
    battery_level, vibration,
    epoch(event_ts - lag(event_ts) OVER w) AS gap_seconds,
    {{stuck_readings}} AS stuck_now
  FROM silver_telemetry
  WINDOW w AS (PARTITION BY device_id ORDER BY event_ts, event_id)
),
per_device AS (
  SELECT
    device_id,
    any_value(device_type) AS device_type,
    any_value(building_id) AS building_id,
    count(*) AS message_count,
    count(*) FILTER (WHERE anomaly_count > 0) AS anomaly_count,
    count(*) FILTER (WHERE status = 'warn') AS warn_count,
    count(*) FILTER (WHERE status = 'error') AS error_count,
    count(*) FILTER (WHERE status = 'offline') AS offline_status_count,
    sum(duplicate_count - 1) AS duplicates_dropped,
    min(event_ts) AS first_seen,
    max(event_ts) AS last_seen,
    coalesce(max(gap_seconds), 0) AS largest_gap_seconds,
    quantile_cont(gap_seconds, 0.5) AS typical_interval_seconds,
    list(gap_seconds) FILTER (WHERE gap_seconds > 600) AS long_gaps,
    arg_min(battery_level, event_ts) FILTER (WHERE battery_level IS NOT NULL) AS battery_first,
    arg_max(battery_level, event_ts) FILTER (WHERE battery_level IS NOT NULL) AS battery_last,
    min(battery_level) AS battery_min,
    avg(vibration) AS vibration_avg,
    regr_slope(vibration, epoch(event_ts) / 86400.0) AS vibration_slope_per_day,
    list_sort(list_distinct(flatten(list(stuck_now)))) AS stuck
  FROM readings
  GROUP BY device_id
),
anomaly_kinds AS (
  SELECT device_id, reading, count(*) AS n
  FROM (SELECT device_id, unnest(string_split(anomalous_readings, ',')) AS reading FROM silver_telemetry WHERE anomalous_readings IS NOT NULL)
  GROUP BY device_id, reading
),
anomaly_json AS (
  SELECT device_id, to_json(map(list(reading ORDER BY reading), list(n ORDER BY reading)))::VARCHAR AS anomalies_by_reading
  FROM anomaly_kinds GROUP BY device_id
),
offline AS (
  SELECT *,
    greatest(600, 5 * coalesce(typical_interval_seconds, 600)) AS offline_after_seconds
  FROM per_device
)
SELECT
  {{day}} AS day,
  o.device_id, device_type, building_id,
  message_count, anomaly_count,
  anomaly_count / message_count AS anomaly_rate,
  coalesce(a.anomalies_by_reading, '{}') AS anomalies_by_reading,
  warn_count, error_count, offline_status_count, duplicates_dropped,
  first_seen, last_seen, largest_gap_seconds, typical_interval_seconds,
  least(86400,
    coalesce(list_sum(list_filter(long_gaps, g -> g > offline_after_seconds)), 0)
    + CASE WHEN epoch(first_seen - {{day_start}}) > offline_after_seconds THEN epoch(first_seen - {{day_start}}) ELSE 0 END
    + CASE WHEN epoch({{day_end}} - last_seen) > offline_after_seconds THEN epoch({{day_end}} - last_seen) ELSE 0 END
  ) AS offline_seconds,
  battery_first, battery_last, battery_min,
  CASE WHEN battery_first IS NOT NULL THEN greatest(0, battery_first - battery_last) END AS battery_drain,
  vibration_avg, vibration_slope_per_day,
  nullif(array_to_string(stuck, ','), '') AS stuck_sensors
FROM offline o
LEFT JOIN anomaly_json a ON a.device_id = o.device_id
