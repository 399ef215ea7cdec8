// Model output as Iceberg data files: field ids on every column, exact metrics, partition from
// the rows, files split by the first sort column; against an in-memory file store.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parquetMetadataAsync } from 'hyparquet';
import { fromBytes, type Lake, type LoadedTable } from '../../../lake/index.js';
import { partitionSpecOf, UNSORTED } from '../../../lake/partitioning.js';
import { newTableMetadata } from '../../../lake/table-metadata.js';
import { modelByName } from '../../../models/catalog.js';
import { quoteIdent, withDuck } from '../../../transform/duck.js';
import { columnMetrics, scannedMetrics, writeModelOutput, writeRelationFiles } from '../../../transform/output.js';
import { loadRows } from '../../../transform/rows.js';
import { schemaOfModel } from '../../../transform/tables.js';
import { MemoryIO } from '../lake/memory-io.js';

function tableFor(name: string): { table: LoadedTable; io: MemoryIO; lake: Lake } {
  const model = modelByName(name);
  const schema = schemaOfModel(model);
  const spec = partitionSpecOf(schema, model.partitionBy ? [{ column: model.partitionBy.column, transform: model.partitionBy.transform }] : []);
  const metadata = newTableMetadata({ location: 's3://b/wh/gold/t', schema, spec, sortOrder: UNSORTED });
  const io = new MemoryIO();
  const table = { name, key: name.split('.'), ref: { type: 'BRANCH', name: 'main', hash: 'h' }, content: { type: 'ICEBERG_TABLE', metadataLocation: 'm', snapshotId: -1n, schemaId: 0, specId: 0, sortOrderId: 0 }, metadataLocation: 'm', metadata } as unknown as LoadedTable;
  return { table, io, lake: { io } as unknown as Lake };
}

const rows = (n: number) => Array.from({ length: n }, (_, i) => ({
  hour: new Date(Date.parse('2025-03-01T00:00:00Z') + (i % 24) * 3_600_000).toISOString(), device_id: `dev-${String(i % 7).padStart(2, '0')}`, building_id: 'b1', reading: i % 2 ? 'temperature' : 'humidity',
  reading_count: i, min_value: i - 1, max_value: i + 1, avg_value: i, p95_value: i + 0.5,
}));

describe('model output files', () => {
  it('writes field ids on every column and exact Iceberg metrics, in the partition of its rows', async () => {
    const { table, io, lake } = tableFor('gold.hourly_sensor_aggregates');
    const model = modelByName('gold.hourly_sensor_aggregates');
    const files = await withDuck({ threads: 1, memoryLimit: '256MB' }, async (duck) => {
      await loadRows(duck, 'gold_hourly_sensor_aggregates', rows(100));
      // NaN does not travel through JSON.
      await duck.run(`UPDATE gold_hourly_sensor_aggregates SET min_value = 'NaN'::DOUBLE WHERE reading_count % 5 = 0`);
      return writeModelOutput(duck, lake, table, model, { fileStem: 'run1' });
    });
    expect(files).toHaveLength(1);
    const f = files[0]!;
    expect(f.filePath).toBe('s3://b/wh/gold/t/data/hour_day=2025-03-01/run1-0.parquet');
    expect(f.partition).toEqual([Date.parse('2025-03-01T00:00:00Z') / 86_400_000]);
    expect(f.recordCount).toBe(100);
    const bytes = io.files.get(f.filePath)!;
    expect(f.fileSizeInBytes).toBe(bytes.length);
    const md = await parquetMetadataAsync(new Uint8Array(bytes).buffer);
    expect(md.schema.filter((s) => !s.num_children).map((s) => s.field_id)).toEqual(model.columns.map((c) => c.id));
    const id = (name: string) => model.columns.find((c) => c.name === name)!.id;
    expect(fromBytes('string', f.lowerBounds.get(id('device_id'))!)).toBe('dev-00');
    expect(fromBytes('string', f.upperBounds.get(id('device_id'))!)).toBe('dev-06');
    expect(fromBytes('long', f.upperBounds.get(id('reading_count'))!)).toBe(99n);
    expect(fromBytes('timestamptz', f.upperBounds.get(id('hour'))!)).toBe(BigInt(Date.parse('2025-03-01T23:00:00Z')) * 1000n);
    // NaNs are counted, and kept out of the bounds.
    expect(f.nanValueCounts.get(id('min_value'))).toBe(20n);
    expect(fromBytes('double', f.lowerBounds.get(id('min_value'))!)).toBe(0);
    expect(fromBytes('double', f.upperBounds.get(id('min_value'))!)).toBe(98);
    expect(f.valueCounts.get(id('building_id'))).toBe(100n);
    expect(f.nullValueCounts.get(id('building_id'))).toBe(0n);
    expect(f.columnSizes.get(id('device_id'))).toBeGreaterThan(0n);
  });

  it('splits a large output by ranges of its first sort column, never splitting a key', async () => {
    const { table, lake } = tableFor('gold.hourly_sensor_aggregates');
    const model = modelByName('gold.hourly_sensor_aggregates');
    const files = await withDuck({ threads: 1, memoryLimit: '256MB' }, async (duck) => {
      await loadRows(duck, 'gold_hourly_sensor_aggregates', rows(700));
      return writeModelOutput(duck, lake, table, model, { fileStem: 'run2', rowsPerFile: 250 });
    });
    expect(files.map((f) => f.recordCount)).toEqual([200, 200, 200, 100]);
    expect(files.reduce((n, f) => n + f.recordCount, 0)).toBe(700);
  });

  it('writes a view by ranges counted on its input, each file sorted', async () => {
    const { table, io, lake } = tableFor('gold.hourly_sensor_aggregates');
    const model = modelByName('gold.hourly_sensor_aggregates');
    await withDuck({ threads: 1, memoryLimit: '256MB' }, async (duck) => {
      await loadRows(duck, 'gold_hourly_sensor_aggregates', rows(700));
      await duck.run('CREATE VIEW hourly_view AS SELECT * FROM gold_hourly_sensor_aggregates');
      const files = await writeRelationFiles(duck, lake, table, { relation: 'hourly_view', rangeRelation: 'gold_hourly_sensor_aggregates', name: 'model x', columns: model.columns, sortBy: model.sortBy }, { fileStem: 'run3', rowsPerFile: 250 });
      expect(files.map((f) => f.recordCount)).toEqual([200, 200, 200, 100]);
      const local = join(duck.dir, 'check.parquet');
      await writeFile(local, io.files.get(files[1]!.filePath)!);
      const got = await duck.rows(`SELECT device_id, hour, reading FROM read_parquet('${local}')`);
      const sorted = [...got].sort((a, b) => String(a.device_id).localeCompare(String(b.device_id)) || Number(a.hour) - Number(b.hour) || String(a.reading).localeCompare(String(b.reading)));
      expect(got).toEqual(sorted);
      expect(new Set(got.map((r) => r.device_id))).toEqual(new Set(['dev-02', 'dev-03']));
    });
  });

  it('refuses rows of several partitions, and nulls in a required column, naming the model', async () => {
    const { table, lake } = tableFor('gold.hourly_sensor_aggregates');
    const model = modelByName('gold.hourly_sensor_aggregates');
    await withDuck({ threads: 1, memoryLimit: '256MB' }, async (duck) => {
      await loadRows(duck, 'gold_hourly_sensor_aggregates', [...rows(3), { ...rows(1)[0], hour: '2025-03-02T01:00:00Z' }]);
      await expect(writeModelOutput(duck, lake, table, model, { fileStem: 'x' })).rejects.toThrow(/model gold.hourly_sensor_aggregates: rows span several hour_day partitions/);
      await loadRows(duck, 'gold_hourly_sensor_aggregates', [{ ...rows(1)[0], building_id: null }]);
      await expect(writeModelOutput(duck, lake, table, model, { fileStem: 'x' })).rejects.toThrow('model gold.hourly_sensor_aggregates: required column building_id has 1 null values');
      await expect(writeRelationFiles(duck, lake, table, { relation: 'gold_hourly_sensor_aggregates', name: 'model x', columns: [{ id: 99, name: 'device_id', type: 'string', doc: 'd' }], sortBy: [] }, { fileStem: 'x' })).rejects.toThrow("model x: column device_id (id 99) is not in gold.hourly_sensor_aggregates's current schema with that id");
    });
  });
});

describe('file metrics from the Parquet footer', () => {
  it('equal the metrics computed over the rows, for every column type, nulls and several row groups', async () => {
    const model = modelByName('silver.telemetry');
    await withDuck({ threads: 1, memoryLimit: '256MB' }, async (duck) => {
      const file = join(duck.dir, 'm.parquet');
      const cols = model.columns.map((c) => {
        const i = 'i';
        const v = {
          string: `CASE WHEN ${i} % 11 = 0 THEN NULL ELSE 'v-' || (${i} * 7919 % 100003)::VARCHAR END`,
          double: `CASE WHEN ${i} % 13 = 0 THEN NULL ELSE (${i} * 7919 % 100003) / 7.0 - 5000 END`,
          long: `(${i} * 31 % 100003)::BIGINT - 500`,
          int: `CASE WHEN ${i} % 17 = 0 THEN NULL ELSE (${i} % 1000)::INTEGER - 3 END`,
          timestamptz: `make_timestamptz(1700000000000000 + (${i} * 7919 % 100003) * 1000003)`,
          boolean: `${i} % 3 = 0`,
          date: `DATE '2025-01-01' + (${i} % 50)::INTEGER`,
          binary: `NULL::BLOB`,
        }[c.type];
        return `${v} AS ${quoteIdent(c.name)}`;
      });
      await duck.run(`COPY (SELECT ${cols.join(', ')} FROM range(300000) t(i)) TO '${file}' (FORMAT parquet, ROW_GROUP_SIZE 100000)`);
      const footer = await columnMetrics(duck, file, model.columns);
      const scanned = await scannedMetrics(duck, file, model.columns);
      expect(footer.rows).toBe(300000);
      expect(footer).toEqual(scanned);
      expect(footer.metrics.some((m) => m.nullCount > 0)).toBe(true);
    });
  });

  it('reads a double column holding a NaN (the footer has no bounds for it)', async () => {
    await withDuck({ threads: 1, memoryLimit: '256MB' }, async (duck) => {
      const file = join(duck.dir, 'nan.parquet');
      await duck.run(`COPY (SELECT CASE WHEN i = 5 THEN 'NaN'::DOUBLE ELSE i END AS x FROM range(10) t(i)) TO '${file}' (FORMAT parquet)`);
      const { metrics } = await columnMetrics(duck, file, [{ id: 1, name: 'x', type: 'double', doc: 'x' }]);
      expect(metrics).toEqual([{ valueCount: 10, nullCount: 0, nanCount: 1, lower: 0, upper: 9 }]);
    });
  });
});
