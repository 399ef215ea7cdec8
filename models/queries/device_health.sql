-- device_health: Device health checks
-- The 100 least healthy devices on the day: health score (0-100) and status, and the measures
-- behind them: uptime, anomaly rate, battery, vibration trend, stuck sensors (seed 000's device
-- health checks). Reads gold.device_health_summary.
SELECT
  device_id,
  device_type,
  building_id,
  round(health_score, 1) AS health_score,
  health_status,
  round(uptime_ratio, 3) AS uptime_ratio,
  round(anomaly_rate, 4) AS anomaly_rate,
  round(battery_min, 1) AS battery_min,
  round(vibration_slope_per_day, 4) AS vibration_slope_per_day,
  stuck_sensors
FROM {{gold}}.device_health_summary
WHERE day = {{day}}
ORDER BY health_score, device_id
LIMIT 100
