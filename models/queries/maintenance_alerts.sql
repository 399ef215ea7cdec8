-- maintenance_alerts: Predictive maintenance alerts
-- Devices whose health calls for maintenance on the day, with the recommended action and where
-- to find them (building, floor, zone from the device version current that day): critical and
-- offline first (seed 000's predictive maintenance alerts). Reads gold.device_health_summary and
-- gold.dim_devices.
SELECT
  h.device_id,
  h.device_type,
  d.building_name,
  d.floor,
  d.zone,
  h.health_status,
  round(h.health_score, 1) AS health_score,
  h.recommendation
FROM {{gold}}.device_health_summary h
LEFT JOIN {{gold}}.dim_devices d
  ON d.device_id = h.device_id
  AND d.valid_from < with_timezone(CAST(h.day + INTERVAL '1' DAY AS timestamp(6)), 'UTC')
  AND (d.valid_to IS NULL OR d.valid_to >= with_timezone(CAST(h.day + INTERVAL '1' DAY AS timestamp(6)), 'UTC'))
WHERE h.day = {{day}} AND h.recommendation <> 'No action needed.'
ORDER BY CASE h.health_status WHEN 'critical' THEN 0 WHEN 'offline' THEN 1 WHEN 'degraded' THEN 2 ELSE 3 END, h.health_score, h.device_id
