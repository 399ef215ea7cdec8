-- anomaly_summary: Anomaly summary
-- Out-of-range readings on the day per device type and building: devices, messages, anomalous
-- messages, the anomaly rate and how many devices had any (seed 000's anomaly detection
-- summary). Reads gold.daily_device_metrics; most anomalies first.
SELECT
  device_type,
  building_id,
  count(*) AS devices,
  sum(message_count) AS messages,
  sum(anomaly_count) AS anomalies,
  round(CAST(sum(anomaly_count) AS double) / nullif(sum(message_count), 0), 4) AS anomaly_rate,
  count_if(anomaly_count > 0) AS devices_with_anomalies
FROM {{gold}}.daily_device_metrics
WHERE day = {{day}}
GROUP BY device_type, building_id
ORDER BY anomalies DESC, device_type, building_id
