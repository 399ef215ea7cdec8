import { describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { loadConfig } from '../../../deploy/config.js';
import { trinoQuery } from '../../../deploy/trino.js';

describe('Trino with the Iceberg connector on Nessie', () => {
  it('creates an Iceberg table, inserts and reads it back', async () => {
    const c = loadConfig();
    const schema = `smoke_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
    await trinoQuery(c, `CREATE SCHEMA ${c.trino.catalog}.${schema}`);
    await trinoQuery(c, `CREATE TABLE ${c.trino.catalog}.${schema}.readings (device_id varchar, event_ts timestamp(6) with time zone, temperature double) WITH (partitioning = ARRAY['day(event_ts)'])`);
    await trinoQuery(c, `INSERT INTO ${c.trino.catalog}.${schema}.readings VALUES ('hvac-1', TIMESTAMP '2026-11-01 10:00:00 UTC', 21.5), ('hvac-2', TIMESTAMP '2026-11-02 11:00:00 UTC', 23.0)`);
    const res = await trinoQuery(c, `SELECT count(*), sum(temperature) FROM ${c.trino.catalog}.${schema}.readings`);
    expect(res.rows).toEqual([[2, 44.5]]);
    const files = await trinoQuery(c, `SELECT count(*) FROM ${c.trino.catalog}.${schema}."readings$files"`);
    expect(files.rows[0]![0]).toBe(2); // one file per day partition
    await trinoQuery(c, `DROP TABLE ${c.trino.catalog}.${schema}.readings`);
    await trinoQuery(c, `DROP SCHEMA ${c.trino.catalog}.${schema}`);
  });

  it('reports a failed statement as a TrinoQueryError naming the error', async () => {
    await expect(trinoQuery(loadConfig(), 'SELECT * FROM lake.no_such_schema.no_such_table')).rejects.toThrow(/SCHEMA_NOT_FOUND|TABLE_NOT_FOUND/);
  });
});
