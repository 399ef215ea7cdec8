-- The device dimension with history (SCD type 2) from the device registry's change events.
-- The registry topic is compacted, so it may have forgotten versions this table already holds:
-- the previous dimension and the topic's events are merged into one timeline per device, a
-- version identical to the one before it is no change, and each version lasts until the next
-- one (or a tombstone) starts. A closed version whose tombstone was compacted away stays closed.
WITH versions AS (
  SELECT device_id, valid_from, false AS tombstone, 0 AS source_rank,
         device_type, building_id, building_name, city, timezone, floor, zone, installed_on,
         rated_power_kw, firmware_version, thresholds
  FROM previous_dim_devices
  UNION ALL
  SELECT device_id, valid_to, true, 0,
         NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL
  FROM previous_dim_devices WHERE valid_to IS NOT NULL
  UNION ALL
  SELECT device_id, coalesce(changed_at, kafka_timestamp), tombstone, 1,
         device_type, building_id, building_name, city, timezone, floor, zone, installed_on,
         rated_power_kw, firmware_version, thresholds
  FROM kafka_device_registry
),
hashed AS (
  SELECT *,
    CASE WHEN NOT tombstone THEN md5(concat_ws('|', device_type, building_id, building_name, city, timezone,
      floor::VARCHAR, zone, installed_on::VARCHAR, coalesce(rated_power_kw::VARCHAR, ''), firmware_version, thresholds)) END AS attributes_hash
  FROM versions
),
one_per_instant AS (
  SELECT * FROM hashed
  QUALIFY row_number() OVER (PARTITION BY device_id, valid_from ORDER BY source_rank DESC, tombstone ASC) = 1
),
changes AS (
  SELECT * FROM one_per_instant
  QUALIFY attributes_hash IS DISTINCT FROM lag(attributes_hash) OVER (PARTITION BY device_id ORDER BY valid_from)
),
ranged AS (
  SELECT *, lead(valid_from) OVER (PARTITION BY device_id ORDER BY valid_from) AS valid_to FROM changes
)
SELECT
  device_id || '@' || strftime(valid_from, '%Y-%m-%dT%H:%M:%S.%fZ') AS device_key,
  device_id, device_type, building_id, building_name, city, timezone, floor, zone, installed_on,
  rated_power_kw, firmware_version, thresholds,
  valid_from, valid_to, valid_to IS NULL AS is_current, attributes_hash
FROM ranged
WHERE NOT tombstone
