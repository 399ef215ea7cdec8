-- energy_trends: Energy consumption trends
-- Energy per building and hour on the day with the running total, peak demand, power factor and
-- cost at the tariff (seed 000's energy consumption trends). Reads gold.building_energy_dashboard.
SELECT
  building_id,
  hour,
  round(energy_kwh, 3) AS energy_kwh,
  round(sum(energy_kwh) OVER (PARTITION BY building_id ORDER BY hour), 3) AS cumulative_kwh,
  round(peak_kw, 3) AS peak_kw,
  round(avg_power_factor, 3) AS avg_power_factor,
  low_power_factor,
  round(cost, 2) AS cost
FROM {{gold}}.building_energy_dashboard
WHERE date(hour) = {{day}}
ORDER BY building_id, hour
