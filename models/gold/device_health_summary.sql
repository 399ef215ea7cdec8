-- Per device and day a 0-100 health score and a maintenance recommendation (formula in the
-- model's docs, models/gold/device_health_summary.ts). Every device registered and installed on
-- the day appears; one with no data that day is offline with score 0.
WITH registered AS (
  SELECT device_id, device_type, building_id
  FROM gold_dim_devices
  WHERE valid_from < {{day_end}} AND (valid_to IS NULL OR valid_to > {{day_start}}) AND installed_on <= {{day}}
  QUALIFY row_number() OVER (PARTITION BY device_id ORDER BY valid_from DESC) = 1
),
devices AS (
  SELECT
    coalesce(r.device_id, m.device_id) AS device_id,
    coalesce(r.device_type, m.device_type) AS device_type,
    coalesce(r.building_id, m.building_id) AS building_id,
    m.message_count, m.anomaly_rate, m.offline_seconds, m.battery_min, m.battery_drain,
    m.vibration_slope_per_day, m.stuck_sensors
  FROM registered r
  FULL OUTER JOIN gold_daily_device_metrics m ON m.device_id = r.device_id
),
penalties AS (
  SELECT *,
    coalesce(message_count, 0) AS messages,
    CASE WHEN message_count IS NULL THEN 0 ELSE 1 - offline_seconds / 86400 END AS uptime_ratio,
    least(25, 250 * coalesce(anomaly_rate, 0)) AS anomaly_penalty,
    CASE WHEN message_count IS NULL THEN 60 ELSE 60 * offline_seconds / 86400 END AS uptime_penalty,
    CASE WHEN battery_min < 20 THEN 15 WHEN battery_min < 40 THEN 5 ELSE 0 END
      + least(10, greatest(0, coalesce(battery_drain, 0) - 5)) AS battery_penalty,
    least(15, 5 * greatest(0, coalesce(vibration_slope_per_day, 0))) AS vibration_penalty,
    least(40, 20 * coalesce(len(string_split(stuck_sensors, ',')), 0)) AS stuck_penalty
  FROM devices
),
scored AS (
  SELECT *,
    CASE WHEN message_count IS NULL THEN 0
         ELSE round(greatest(0, 100 - anomaly_penalty - uptime_penalty - battery_penalty - vibration_penalty - stuck_penalty), 1)
    END AS health_score
  FROM penalties
)
SELECT
  {{day}} AS day, device_id, device_type, building_id,
  messages AS message_count,
  coalesce(anomaly_rate, 0) AS anomaly_rate,
  uptime_ratio, battery_min, battery_drain, vibration_slope_per_day, stuck_sensors,
  anomaly_penalty, uptime_penalty, battery_penalty, vibration_penalty, stuck_penalty,
  health_score,
  CASE WHEN message_count IS NULL THEN 'offline'
       WHEN health_score >= 80 THEN 'healthy'
       WHEN health_score >= 50 THEN 'degraded'
       ELSE 'critical' END AS health_status,
  CASE
    WHEN message_count IS NULL THEN 'No data all day: check the power supply and the network connection.'
    WHEN stuck_penalty > 0 AND stuck_penalty >= greatest(anomaly_penalty, uptime_penalty, battery_penalty, vibration_penalty)
      THEN 'Stuck ' || replace(stuck_sensors, ',', ', ') || ' reading: recalibrate or replace the sensor.'
    WHEN battery_penalty > 0 AND battery_penalty >= greatest(anomaly_penalty, uptime_penalty, vibration_penalty)
      THEN 'Battery low (' || round(battery_min)::INTEGER || '%) or draining fast: replace the battery.'
    WHEN uptime_penalty >= 5 AND uptime_penalty >= greatest(anomaly_penalty, vibration_penalty)
      THEN 'Offline ' || round(100 * (1 - uptime_ratio))::INTEGER || '% of the day: check connectivity and the gateway.'
    WHEN vibration_penalty >= 5 AND vibration_penalty >= anomaly_penalty
      THEN 'Vibration rising: inspect bearings, belts and mounting.'
    WHEN anomaly_penalty >= 5
      THEN 'Frequent out-of-range readings: inspect the device and its surroundings.'
    ELSE 'No action needed.'
  END AS recommendation
FROM scored
