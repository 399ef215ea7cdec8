-- Per building and UTC hour: energy (kWh), peak demand (kW), average power factor with a
-- low-power-factor flag, and cost at the configured tariff.
-- Energy is the rise of each device's cumulative energy_kwh counter within the hour, summed over
-- the building's devices (a counter that went down, a replaced meter, counts as zero).
-- Peak demand is the highest 15-minute demand of the hour, as utilities bill it: per 15-minute
-- window, each device's mean power, summed over the building's devices.
WITH metered AS (
  SELECT building_id, device_id, event_ts, power_kw, power_factor, energy_kwh
  FROM silver_telemetry
  WHERE power_kw IS NOT NULL OR energy_kwh IS NOT NULL
),
device_hours AS (
  SELECT building_id, device_id, date_trunc('hour', event_ts) AS hour,
    greatest(0, coalesce(max(energy_kwh) - min(energy_kwh), 0)) AS kwh
  FROM metered GROUP BY ALL
),
windows AS (
  SELECT building_id, time_bucket(INTERVAL 15 MINUTE, event_ts) AS window_start, device_id, avg(power_kw) AS kw
  FROM metered WHERE power_kw IS NOT NULL GROUP BY ALL
),
demand AS (
  SELECT building_id, date_trunc('hour', window_start) AS hour, max(kw) AS peak_kw
  FROM (SELECT building_id, window_start, sum(kw) AS kw FROM windows GROUP BY ALL)
  GROUP BY ALL
),
power_factor AS (
  SELECT building_id, date_trunc('hour', event_ts) AS hour, avg(power_factor) AS avg_power_factor
  FROM metered WHERE power_factor IS NOT NULL GROUP BY ALL
)
SELECT
  h.hour, h.building_id,
  count(*)::INTEGER AS metered_devices,
  sum(h.kwh) AS energy_kwh,
  coalesce(any_value(d.peak_kw), 0) AS peak_kw,
  any_value(p.avg_power_factor) AS avg_power_factor,
  coalesce(any_value(p.avg_power_factor) < {{low_power_factor}}, false) AS low_power_factor,
  {{tariff_per_kwh}} AS tariff_per_kwh,
  sum(h.kwh) * {{tariff_per_kwh}} AS cost
FROM device_hours h
LEFT JOIN demand d ON d.building_id = h.building_id AND d.hour = h.hour
LEFT JOIN power_factor p ON p.building_id = h.building_id AND p.hour = h.hour
GROUP BY h.hour, h.building_id
