-- SILVER telemetry: the day's RAW readings, one row per event id, flagged where a reading lies
-- outside its normal range (models/sensors.ts). A resent event keeps its earliest ingested copy
-- (ties broken by Kafka partition and offset); every other copy is counted as a drop.
-- Deduplication sorts only the rows of duplicated keys (found by a narrow aggregate): a
-- whole-day row_number() over all columns runs out of memory at 10M rows.
WITH duplicate_keys AS (
  SELECT event_id, count(*) AS copies
  FROM raw_telemetry
  GROUP BY event_id
  HAVING count(*) > 1
),
-- One row per duplicated key: the earliest ingested copy. DISTINCT ON also collapses copies
-- that are identical down to their Kafka position (a data file committed twice).
first_copies AS (
  SELECT DISTINCT ON (r.event_id) r.*, d.copies::INTEGER AS duplicate_count
  FROM raw_telemetry r
  JOIN duplicate_keys d ON r.event_id = d.event_id
  ORDER BY r.event_id, r._ingested_at, r._kafka_partition, r._kafka_offset
),
kept AS (
  SELECT r.*, 1 AS duplicate_count FROM raw_telemetry r ANTI JOIN duplicate_keys d ON r.event_id = d.event_id
  UNION ALL BY NAME
  SELECT * FROM first_copies
),
flagged AS (
  SELECT *, {{out_of_normal_range}} AS out_of_range FROM kept
)
-- device_id passes through untouched: the contract's pattern admits no blanks, and a filter on it
-- (the writer's device ranges, one per file) then reaches the RAW scan.
SELECT
  * EXCLUDE (out_of_range, building_id, zone, firmware_version, status),
  trim(building_id) AS building_id,
  trim(zone) AS zone,
  trim(firmware_version) AS firmware_version,
  lower(status) AS status,
  nullif(array_to_string(out_of_range, ','), '') AS anomalous_readings,
  len(out_of_range)::INTEGER AS anomaly_count,
  len(out_of_range) > 0 AS is_anomaly
FROM flagged
