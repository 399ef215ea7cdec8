// A RAW table made before the Kafka columns were renamed (`_topic`, `_partition`, `_offset`;
// Iceberg reserves `_partition`, and Spark refuses to scan a table that has it) is renamed in
// place by field id when ingestion first opens it: its data files stay, and read on unchanged.
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../deploy/config.js';
import { createIngestLake } from '../../../ingest/lakeAdapter.js';
import { schemaOfTable } from '../../../ingest/rawColumns.js';
import { currentSchema } from '../../../lake/index.js';
import { RAW_TELEMETRY, RAW_TELEMETRY_DLQ, ICEBERG_RESERVED_COLUMNS } from '../../../models/tables.js';
import { uniqueName } from './helpers.js';

const OLD_NAMES: Record<string, string> = { _kafka_topic: '_topic', _kafka_partition: '_partition', _kafka_offset: '_offset' };

describe('RAW tables of an earlier floe (real stack)', () => {
  it('are renamed to the current column names by field id, keeping their rows', async () => {
    const namespace = `t_${uniqueName('migrate').toLowerCase()}`;
    const config = loadConfig({ ...process.env, FLOE_RAW_NAMESPACE: namespace });
    const { lake } = await createIngestLake(config);
    await lake.createNamespace(namespace);
    for (const def of [RAW_TELEMETRY, RAW_TELEMETRY_DLQ]) {
      const schema = schemaOfTable(def);
      const old = { ...schema, fields: schema.fields.map((f) => ({ ...f, name: OLD_NAMES[f.name] ?? f.name })) };
      await lake.createTable(`${namespace}.${def.name}`, old, def.partitionSpec.map((p) => ({ column: p.sourceColumn, transform: p.transform, name: p.name })));
    }
    const dlq = `${namespace}.${RAW_TELEMETRY_DLQ.name}`;
    const oldDlq = await lake.loadTable(dlq);
    const row = { key: null, value: Buffer.from('x'), headers: null, error_path: '$', error_message: 'm', error_kind: 'malformed_json', _topic: 't', _partition: 2, _offset: 7n, kafka_timestamp: null, _ingested_at: 1_767_225_600_000_000n };
    await lake.append(dlq, await lake.writeDataFiles(oldDlq, [row], { fileName: 'old' }));

    const ingest = await createIngestLake(config);
    await ingest.readCommitted(); // opens (and migrates) the tables
    for (const def of [RAW_TELEMETRY, RAW_TELEMETRY_DLQ]) {
      const t = await lake.loadTable(`${namespace}.${def.name}`);
      const fields = currentSchema(t.metadata).fields;
      expect(fields.map((f) => [f.id, f.name])).toEqual(def.columns.map((c) => [c.id, c.name]));
      expect(fields.filter((f) => ICEBERG_RESERVED_COLUMNS.has(f.name))).toEqual([]);
    }
    // The file written under the old names is still the table's, found by its renamed columns' bounds.
    const { readLakeOffsets } = await import('../../../ingest/verify.js');
    expect(await readLakeOffsets(ingest, 't', [{ partition: 2, from: 0, to: 100 }])).toEqual([{ partition: 2, offset: 7, table: 'dlq' }]);
  });
});
