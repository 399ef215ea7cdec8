-- building_temperature_heatmap: Building temperature heatmap
-- Average and highest temperature per building, floor and UTC hour of the day: the cells of seed
-- 000's building temperature heatmap. Hourly aggregates joined to the device version (SCD 2 in
-- gold.dim_devices) valid at that hour, for the floor.
SELECT
  a.building_id,
  d.floor,
  hour(a.hour) AS hour_of_day,
  round(avg(a.avg_value), 2) AS avg_temperature,
  round(max(a.max_value), 2) AS max_temperature,
  count(DISTINCT a.device_id) AS devices
FROM {{gold}}.hourly_sensor_aggregates a
JOIN {{gold}}.dim_devices d
  ON d.device_id = a.device_id AND d.valid_from <= a.hour AND (d.valid_to IS NULL OR a.hour < d.valid_to)
WHERE a.reading = 'temperature' AND date(a.hour) = {{day}}
GROUP BY a.building_id, d.floor, hour(a.hour)
ORDER BY a.building_id, d.floor, hour_of_day
