-- SILVER telemetry: the day's RAW readings, one row per event id, flagged where a reading lies
-- outside its normal range (models/sensors.ts). A resent event keeps its earliest ingested copy
-- (ties broken by Kafka partition and offset); every other copy is counted as a drop.
--
-- The two temporary tables run once per day; the final SELECT runs once per output file (the
-- writer filters it by a device range and sorts it), so deduplication is decided once and each
-- file reads only RAW's rows of its devices.
-- Duplicated event ids, found by a narrow aggregate over 64-bit hashes (a whole-day group by
-- the ids themselves, or a row_number() over all columns, costs far more at 10M rows); the
-- candidates' ids are then grouped for real, so a hash collision never merges two events.
CREATE OR REPLACE TEMP TABLE silver_duplicate_keys AS
SELECT event_id, count(*)::INTEGER AS copies
FROM raw_telemetry
WHERE hash(event_id) IN (SELECT hash(event_id) FROM raw_telemetry GROUP BY 1 HAVING count(*) > 1)
GROUP BY event_id
HAVING count(*) > 1;

-- One row per duplicated key: the earliest ingested copy. DISTINCT ON also collapses copies
-- that are identical down to their Kafka position (a data file committed twice).
CREATE OR REPLACE TEMP TABLE silver_first_copies AS
SELECT DISTINCT ON (r.event_id) r.*, d.copies AS duplicate_count
FROM raw_telemetry r
JOIN silver_duplicate_keys d ON r.event_id = d.event_id
ORDER BY r.event_id, r._ingested_at, r._kafka_partition, r._kafka_offset;

WITH kept AS (
  SELECT r.*, 1 AS duplicate_count FROM raw_telemetry r ANTI JOIN silver_duplicate_keys d ON r.event_id = d.event_id
  UNION ALL BY NAME
  SELECT * FROM silver_first_copies
)
-- device_id passes through untouched: the contract's pattern admits no blanks, and a filter on it
-- (the writer's device ranges, one per file) then reaches the RAW scan.
SELECT
  * EXCLUDE (building_id, zone, firmware_version, status),
  trim(building_id) AS building_id,
  trim(zone) AS zone,
  trim(firmware_version) AS firmware_version,
  lower(status) AS status,
  {{anomalous_readings}} AS anomalous_readings,
  {{anomaly_count}}::INTEGER AS anomaly_count,
  {{anomaly_count}} > 0 AS is_anomaly
FROM kept
