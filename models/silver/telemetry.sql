-- SILVER telemetry: the day's RAW readings, one row per event id, flagged where a reading lies
-- outside its normal range (models/sensors.ts). A resent event keeps its earliest ingested copy
-- (ties broken by Kafka partition and offset); every other copy is counted as a drop.
-- Deduplication joins a narrow table of the duplicated keys only: a whole-day row_number()
-- over all columns runs out of memory at 10M rows.
WITH duplicate_keys AS (
  SELECT
    event_id,
    min({'at': _ingested_at, 'p': _kafka_partition, 'o': _kafka_offset}) AS keep,
    count(*) AS copies
  FROM raw_telemetry
  GROUP BY event_id
  HAVING count(*) > 1
),
kept AS (
  SELECT r.*, coalesce(d.copies, 1)::INTEGER AS duplicate_count
  FROM raw_telemetry r
  LEFT JOIN duplicate_keys d ON r.event_id = d.event_id
  WHERE d.event_id IS NULL
     OR {'at': r._ingested_at, 'p': r._kafka_partition, 'o': r._kafka_offset} = d.keep
),
flagged AS (
  SELECT *, {{out_of_normal_range}} AS out_of_range FROM kept
)
SELECT
  * EXCLUDE (out_of_range, device_id, building_id, zone, firmware_version, status),
  trim(device_id) AS device_id,
  trim(building_id) AS building_id,
  trim(zone) AS zone,
  trim(firmware_version) AS firmware_version,
  lower(status) AS status,
  nullif(array_to_string(out_of_range, ','), '') AS anomalous_readings,
  len(out_of_range)::INTEGER AS anomaly_count,
  len(out_of_range) > 0 AS is_anomaly
FROM flagged
