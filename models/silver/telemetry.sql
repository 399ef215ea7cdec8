-- SILVER telemetry: the day's RAW readings, one row per event id, flagged where a reading lies
-- outside its normal range (models/sensors.ts). A resent event keeps its earliest ingested copy
-- (ties broken by Kafka partition and offset, then by where the copy was read from, so two copies
-- identical down to their Kafka position, a data file committed twice, keep one); every other
-- copy is counted as a drop.
--
-- The two temporary tables run once per day; the final SELECT runs once per output file (the
-- writer filters it by a device range and sorts it), so deduplication is decided once and each
-- file reads only RAW's rows of its devices. The final SELECT is one scan of RAW filtered
-- through a join with the kept copies' positions: DuckDB 1.5 spills the sort of such a scan,
-- where it ran out of memory sorting a UNION of RAW with the kept copies.
-- Duplicated event ids, found by a narrow aggregate over 64-bit hashes (a whole-day group by
-- the ids themselves, or a row_number() over all columns, costs far more at 10M rows); the
-- candidates' ids are then grouped for real, so a hash collision never merges two events.
CREATE OR REPLACE TEMP TABLE silver_duplicate_keys AS
SELECT event_id, count(*)::INTEGER AS copies
FROM raw_telemetry
WHERE hash(event_id) IN (SELECT hash(event_id) FROM raw_telemetry GROUP BY 1 HAVING count(*) > 1)
GROUP BY event_id
HAVING count(*) > 1;

-- One row per duplicated key: where its earliest ingested copy was read from.
CREATE OR REPLACE TEMP TABLE silver_kept_copies AS
SELECT DISTINCT ON (r.event_id) r.event_id, r._file, r._file_row, d.copies
FROM raw_telemetry r
JOIN silver_duplicate_keys d ON r.event_id = d.event_id
ORDER BY r.event_id, r._ingested_at, r._kafka_partition, r._kafka_offset, r._file, r._file_row;

-- device_id passes through untouched: the contract's pattern admits no blanks, and a filter on it
-- (the writer's device ranges, one per file) then reaches the RAW scan.
SELECT
  r.* EXCLUDE (_file, _file_row, building_id, zone, firmware_version, status),
  trim(r.building_id) AS building_id,
  trim(r.zone) AS zone,
  trim(r.firmware_version) AS firmware_version,
  lower(r.status) AS status,
  coalesce(k.copies, 1) AS duplicate_count,
  {{anomalous_readings}} AS anomalous_readings,
  {{anomaly_count}}::INTEGER AS anomaly_count,
  {{anomaly_count}} > 0 AS is_anomaly
FROM raw_telemetry r
LEFT JOIN silver_kept_copies k ON r.event_id = k.event_id
WHERE k.event_id IS NULL OR (r._file = k._file AND r._file_row = k._file_row)
