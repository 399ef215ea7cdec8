-- device_status: Device status
-- Every device's last reported status on the day (ok, warn, error or offline) with when it was
-- last seen, its battery and its signal; devices in trouble first (seed 000's real-time device
-- status panel). Reads SILVER, one row per device; the 500 most urgent.
SELECT device_id, device_type, building_id, status, last_seen, battery_level, signal_strength
FROM (
  SELECT
    device_id,
    device_type,
    building_id,
    max_by(status, event_ts) AS status,
    max(event_ts) AS last_seen,
    max_by(battery_level, event_ts) AS battery_level,
    max_by(signal_strength, event_ts) AS signal_strength
  FROM {{silver}}.telemetry
  WHERE date(event_ts) = {{day}}
  GROUP BY device_id, device_type, building_id
)
ORDER BY CASE status WHEN 'error' THEN 0 WHEN 'offline' THEN 1 WHEN 'warn' THEN 2 ELSE 3 END, last_seen, device_id
LIMIT 500
