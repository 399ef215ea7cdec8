// lake/ against the real stack (SeaweedFS S3, Nessie, Trino): every kind of snapshot written
// here is read back by Trino, a table written by Trino is read back here, and concurrency and
// faults give typed errors and never a partial commit.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BasicAuth, Trino } from 'trino-client';
import { loadConfig } from '../../../deploy/config.js';
import { ColumnBatchBuilder, ConflictError, createLake, lakeConfigFrom, NotFoundError, SchemaMismatchError, StorageError, type Lake } from '../../../lake/index.js';
import { schemaOf } from '../../../lake/schema.js';

const deterministicHour = (iso: string): number => Math.floor(Date.parse(iso) / 3_600_000);

const cfg = loadConfig();
const lake: Lake = createLake(lakeConfigFrom(cfg));
const ns = `lake_it_${Date.now().toString(36)}_${Math.floor(Math.random() * 1e6).toString(36)}`;
const trino = Trino.create({ server: cfg.trino.url, catalog: cfg.trino.catalog, schema: ns, auth: new BasicAuth(cfg.trino.user) });

async function sql(query: string): Promise<unknown[][]> {
  const rows: unknown[][] = [];
  for await (const r of await trino.query(query)) {
    if (r.error) throw new Error(`Trino: ${r.error.message} (query: ${query})`);
    rows.push(...((r.data as unknown[][] | undefined) ?? []));
  }
  return rows;
}

const telemetry = [
  { name: 'event_id', type: 'long', required: true },
  { name: 'device_id', type: 'string', required: true },
  { name: 'event_ts', type: 'timestamptz', required: true },
  { name: 'temperature', type: 'double' },
  { name: 'note', type: 'string' },
] as const;

const BIG = 2n ** 60n + 3n; // above 2^53: would be rounded by a double

function rowsFor(hourIso: string, n: number, start: number) {
  return Array.from({ length: n }, (_, i) => ({
    event_id: BigInt(start + i),
    device_id: `dev-${(start + i) % 3}`,
    event_ts: new Date(Date.parse(hourIso) + i * 1000),
    temperature: 20 + i,
    note: i % 2 ? 'Ünïcødé 🌡' : null,
  }));
}

beforeAll(async () => {
  await lake.createNamespace(ns);
});

afterAll(async () => {
  // Tables stay for inspection; the namespace name is unique per run.
});

describe('lake/ tables read by Trino', () => {
  const table = `${ns}.telemetry`;

  it('append: Trino sees exact counts, sums, pre-1970 hours, NaN, nulls, unicode and ids above 2^53', async () => {
    await lake.createTable(table, [...telemetry], [{ column: 'event_ts', transform: 'hour' }], [{ column: 'event_ts' }], { 'floe.layer': 'raw' });
    const t = await lake.loadTable(table);
    const rows = [
      ...rowsFor('2024-05-01T10:00:00Z', 10, 0),
      ...rowsFor('2024-05-01T11:00:00Z', 5, 100),
      { event_id: BIG, device_id: 'old', event_ts: '1969-12-31T23:30:00.000001Z', temperature: NaN, note: '日本語' },
    ];
    const files = await lake.writeDataFiles(t, rows, { fileName: 'batch-000001' });
    expect(files).toHaveLength(3);
    const c = await lake.append(table, files, { summary: { 'floe.kafka.offsets': '{"iot-telemetry":{"0":16}}' } });
    expect(c.snapshots.get(table)).toBeTypeOf('bigint');

    expect(await sql('select count(*), sum(temperature) filter (where not is_nan(temperature)) from telemetry')).toEqual([[16, 10 * 20 + 45 + 5 * 20 + 10]]);
    expect(await sql(`select cast(event_id as varchar), note, is_nan(temperature), format_datetime(event_ts, 'yyyy-MM-dd HH:mm:ss.SSS') from telemetry where event_ts < timestamp '1970-01-01 00:00:00 UTC'`))
      .toEqual([[BIG.toString(), '日本語', true, '1969-12-31 23:30:00.000']]);
    expect(await sql(`select count(*) from telemetry where note = 'Ünïcødé 🌡'`)).toEqual([[5 + 2]]);
    expect(await sql('select count(*) from telemetry where note is null')).toEqual([[5 + 3]]);
    // Partition values as Trino sees them, one per hour.
    expect((await sql('select count(*) from "telemetry$partitions"'))[0]).toEqual([3]);
    expect(await lake.latestSummaryProperty(table, 'floe.kafka.offsets')).toMatchObject({ value: '{"iot-telemetry":{"0":16}}' });
  });

  it('partition pruning: lake/ and Trino read only the matching hour', async () => {
    const files = await lake.liveDataFiles(table, { filter: [{ column: 'event_ts', op: '>=', value: '2024-05-01T11:00:00Z' }, { column: 'event_ts', op: '<', value: '2024-05-01T12:00:00Z' }] });
    expect(files.map((f) => f.recordCount)).toEqual([5]);
    expect(files[0]!.filePath).toContain('event_ts_hour=2024-05-01-11');
    expect(await lake.liveDataFiles(table, { filter: [{ column: 'event_ts', op: '<', value: '1970-01-01T00:00:00Z' }] })).toHaveLength(1);
    expect(await lake.liveDataFiles(table)).toHaveLength(3);
    const plan = (await sql(`explain analyze select count(*) from telemetry where event_ts >= timestamp '2024-05-01 11:00:00 UTC' and event_ts < timestamp '2024-05-01 12:00:00 UTC'`)).flat().join('\n');
    expect(plan).toMatch(/Input: 5 rows/);
  });

  it('partition overwrite replaces one hour atomically; the previous snapshot stays readable by time travel', async () => {
    const before = (await lake.history(table))[0]!;
    const t = await lake.loadTable(table);
    const replacement = await lake.writeDataFiles(t, rowsFor('2024-05-01T10:00:00Z', 4, 500), { fileName: 'overwrite-000001' });
    await lake.overwritePartitions(table, replacement);
    expect(await sql(`select count(*) from telemetry where event_ts < timestamp '2024-05-01 11:00:00 UTC' and event_ts >= timestamp '2024-05-01 10:00:00 UTC'`)).toEqual([[4]]);
    expect(await sql('select count(*) from telemetry')).toEqual([[4 + 5 + 1]]);
    expect(await sql(`select count(*) from telemetry for version as of ${before.snapshotId}`)).toEqual([[16]]);
    const h = await lake.history(table);
    expect(h[0]!.summary.operation).toBe('overwrite');
    expect(h[0]!.summary['total-records']).toBe('10');
    expect(await lake.liveDataFiles(table, { snapshotId: before.snapshotId })).toHaveLength(3);
    expect(await lake.liveDataFiles(table, { asOfTimestampMs: before.timestampMs })).toHaveLength(3);
  });

  it('rewrite (compaction) keeps the same rows in fewer files with operation replace', async () => {
    const t = await lake.loadTable(table);
    const extra = await lake.writeDataFiles(t, rowsFor('2024-05-01T11:30:00Z', 3, 900), { fileName: 'batch-000002' });
    await lake.append(table, extra);
    const sumBefore = await sql('select count(*), sum(event_id) from telemetry where event_id < 1000');
    const live = await lake.liveDataFiles(table, { filter: [{ column: 'event_ts', op: '>=', value: '2024-05-01T11:00:00Z' }] });
    expect(live).toHaveLength(2);
    const t2 = await lake.loadTable(table);
    const merged = await lake.writeDataFiles(t2, [...rowsFor('2024-05-01T11:00:00Z', 5, 100), ...rowsFor('2024-05-01T11:30:00Z', 3, 900)], { fileName: 'compact-000001' });
    expect(merged).toHaveLength(1);
    await lake.rewriteFiles(table, live, merged);
    expect(await sql('select count(*), sum(event_id) from telemetry where event_id < 1000')).toEqual(sumBefore);
    expect(await sql(`select count(*) from "telemetry$files"`)).toEqual([[3]]);
    expect((await lake.history(table))[0]!.summary.operation).toBe('replace');
    // The offsets property survives snapshots that don't set it.
    expect((await lake.latestSummaryProperty(table, 'floe.kafka.offsets')).value).toBe('{"iot-telemetry":{"0":16}}');
    // Rewriting files that are gone is a conflict, not a silent duplicate.
    await expect(lake.rewriteFiles(table, live, merged)).rejects.toThrow(ConflictError);
  });

  it('schema change: an added optional column is null for old rows and readable for new ones', async () => {
    await lake.addColumn(table, { name: 'humidity', type: 'double' });
    const t = await lake.loadTable(table);
    const files = await lake.writeDataFiles(t, [{ event_id: 7000n, device_id: 'new', event_ts: '2024-05-02T00:00:00Z', humidity: 55.5 }], { fileName: 'batch-000003' });
    await lake.append(table, files);
    expect(await sql('select count(*), count(humidity), sum(humidity) from telemetry')).toEqual([[4 + 5 + 3 + 1 + 1, 1, 55.5]]);
  });
});

describe('column batches', () => {
  it('a table written from column batches reads in Trino exactly like one written from rows', async () => {
    const table = `${ns}.columnar`;
    await lake.createTable(table, [...telemetry], [{ column: 'event_ts', transform: 'hour' }]);
    const t = await lake.loadTable(table);
    const b = new ColumnBatchBuilder(schemaOf([...telemetry]), { table });
    const files = [];
    for (const [hour, start] of [['2024-05-01T10:00:00Z', 0], ['2024-05-01T11:00:00Z', 500]] as const) {
      for (const r of rowsFor(hour, 400, start)) b.appendRow(r);
      b.longs('event_id').push(BIG + BigInt(start));
      b.strings('device_id').push('big');
      b.longs('event_ts').pushMillis(Date.parse(hour) + 3_599_999);
      b.doubles('temperature').push(NaN);
      b.strings('note').push(null);
      files.push(...(await lake.writeColumnBatch(t, b.build(), { fileName: `cols-${start}` })));
      b.reset();
    }
    expect(files.map((f) => [f.partition, Number(f.recordCount)])).toEqual([[[deterministicHour('2024-05-01T10:00:00Z')], 401], [[deterministicHour('2024-05-01T11:00:00Z')], 401]]);
    await lake.append(table, files);
    expect(await sql('select count(*), count(note), sum(temperature) filter (where not is_nan(temperature)), cast(max(event_id) as varchar) from columnar')).toEqual([[802, 400, 2 * (400 * 20 + (399 * 400) / 2), (BIG + 500n).toString()]]);
    expect(await sql(`select count(*) from columnar where event_ts >= timestamp '2024-05-01 11:00:00 UTC'`)).toEqual([[401]]);
    // One batch must hold one partition: rows of two hours are refused before anything is written.
    for (const r of rowsFor('2024-05-01T12:59:59Z', 2, 900)) b.appendRow(r);
    await expect(lake.writeColumnBatch(t, b.build(), { fileName: 'cols-mixed' })).rejects.toThrow(/column batch spans several partitions of event_ts_hour/);
    b.reset();
    // A batch built for the schema before a column was added is refused, naming the table.
    await lake.addColumn(table, { name: 'humidity', type: 'double' });
    for (const r of rowsFor('2024-05-01T12:00:00Z', 2, 900)) b.appendRow(r);
    await expect(lake.writeColumnBatch(await lake.loadTable(table), b.build(), { fileName: 'cols-old' })).rejects.toThrow(/is not the table's current schema \[table .*columnar/);
  });
});

describe('tables written by Trino, read by lake/', () => {
  it('lists the live files and schema of a Trino table', async () => {
    await sql(`create table trino_made (id bigint, ts timestamp(6) with time zone, name varchar, v double) with (partitioning = ARRAY['day(ts)'])`);
    await sql(`insert into trino_made values (1, timestamp '1969-12-31 12:00:00 UTC', 'ü', nan()), (2, timestamp '2024-01-01 00:00:00 UTC', null, 1.0), (${BIG}, timestamp '2024-01-01 05:00:00 UTC', 'x', 2.0)`);
    const t = await lake.loadTable(`${ns}.trino_made`);
    expect(t.metadata.schemas.at(-1)!.fields.map((f) => [f.name, f.type])).toEqual([['id', 'long'], ['ts', 'timestamptz'], ['name', 'string'], ['v', 'double']]);
    const files = await lake.liveDataFiles(`${ns}.trino_made`);
    expect(files.reduce((s, f) => s + f.recordCount, 0)).toBe(3);
    expect(files.map((f) => f.partition[0]).sort()).toEqual([-1, 19723]);
    const jan = await lake.liveDataFiles(`${ns}.trino_made`, { filter: [{ column: 'ts', op: '>=', value: '2024-01-01T00:00:00Z' }] });
    expect(jan.reduce((s, f) => s + f.recordCount, 0)).toBe(2);
    // And lake/ can append to it, Trino reading both.
    const more = await lake.writeDataFiles(t, [{ id: 4n, ts: '2024-01-01T06:00:00Z', name: 'lake', v: 3 }], { fileName: 'lake-000001' });
    await lake.append(`${ns}.trino_made`, more);
    expect(await sql('select count(*), sum(v) filter (where not is_nan(v)) from trino_made')).toEqual([[4, 6]]);
  });
});

describe('atomic multi-table commits and branches', () => {
  it('commits RAW and DLQ in one Nessie commit with the offsets in the RAW summary', async () => {
    await lake.createTable(`${ns}.raw`, [...telemetry], [{ column: 'event_ts', transform: 'hour' }]);
    await lake.createTable(`${ns}.dlq`, [{ name: 'reason', type: 'string', required: true }, { name: 'ingested_at', type: 'timestamptz', required: true }], [{ column: 'ingested_at', transform: 'day' }]);
    const head = await lake.latestSummaryProperty(`${ns}.raw`, 'floe.offsets');
    expect(head.value).toBeUndefined();
    const [raw, dlq] = await Promise.all([lake.loadTable(`${ns}.raw`, `main@${head.hash}`), lake.loadTable(`${ns}.dlq`, `main@${head.hash}`)]);
    const rawFiles = await lake.writeDataFiles(raw, rowsFor('2024-05-01T10:00:00Z', 3, 0), { fileName: 'b-0-3' });
    const dlqFiles = await lake.writeDataFiles(dlq, [{ reason: 'bad json', ingested_at: new Date() }], { fileName: 'b-0-3' });
    const before = await lake.reference('main');
    const c = await lake.commitMulti([
      { table: `${ns}.raw`, change: { type: 'append', files: rawFiles, summary: { 'floe.offsets': '0:4' } } },
      { table: `${ns}.dlq`, change: { type: 'append', files: dlqFiles } },
    ], { branch: 'main', expectedHash: head.hash, message: 'ingest 0:4' });
    const log = await lake.nessie.log('main', 5);
    expect(log[0]!.hash).toBe(c.hash);
    expect(log[1]!.hash).toBe(before.hash); // exactly one commit for both tables
    expect(await sql('select (select count(*) from raw) + (select count(*) from dlq)')).toEqual([[4]]);
    expect((await lake.latestSummaryProperty(`${ns}.raw`, 'floe.offsets')).value).toBe('0:4');
    // A writer still holding the old hash cannot commit over the newer snapshot.
    await expect(lake.append(`${ns}.raw`, rawFiles, { expectedHash: head.hash, summary: { 'floe.offsets': '0:4' } })).rejects.toThrow(ConflictError);
    expect(await sql('select count(*) from raw')).toEqual([[3]]);
  });

  it('writes on a branch stay off main until merged; all tables publish at once', async () => {
    const branch = `run_${ns}`;
    await lake.createBranch(branch);
    const t = await lake.loadTable(`${ns}.raw`, branch);
    const files = await lake.writeDataFiles(t, rowsFor('2024-05-02T00:00:00Z', 2, 50), { fileName: 'branch-1' });
    await lake.append(`${ns}.raw`, files, { branch });
    expect((await lake.liveDataFiles(`${ns}.raw`, { ref: branch })).length).toBe((await lake.liveDataFiles(`${ns}.raw`)).length + 1);
    expect(await sql('select count(*) from raw')).toEqual([[3]]);
    await lake.merge(branch, 'main');
    expect(await sql('select count(*) from raw')).toEqual([[5]]);
    await lake.deleteBranch(branch);
    await expect(lake.loadTable(`${ns}.raw`, branch)).rejects.toThrow(new RegExp(`NotFound|not found.*ref ${branch}`));
    await expect(lake.append(`${ns}.raw`, files, { branch })).rejects.toThrow(NotFoundError);
    await expect(lake.append(`${ns}.raw`, files, { branch })).rejects.toThrow(new RegExp(`branch does not exist \\[table ${ns}.raw, ref ${branch}\\]`));
  });
});

describe('concurrency and faults', () => {
  const table = `${ns}.contended`;

  it('two writers committing to the same table at once both land; no file is lost', async () => {
    await lake.createTable(table, [...telemetry], [{ column: 'event_ts', transform: 'day' }]);
    const t = await lake.loadTable(table);
    const a = await lake.writeDataFiles(t, rowsFor('2024-05-01T00:00:00Z', 3, 0), { fileName: 'writer-a' });
    const b = await lake.writeDataFiles(t, rowsFor('2024-05-01T00:00:00Z', 4, 10), { fileName: 'writer-b' });
    const writerB = createLake(lakeConfigFrom(cfg));
    const [ca, cb] = await Promise.all([lake.append(table, a), writerB.append(table, b)]);
    expect(ca.attempts + cb.attempts).toBeGreaterThanOrEqual(3);
    const live = await lake.liveDataFiles(table);
    expect(live.map((f) => f.filePath).sort()).toEqual([...a, ...b].map((f) => f.filePath).sort());
    expect(await sql('select count(*) from contended')).toEqual([[7]]);
  });

  it('a missing table is a NotFoundError naming table and ref', async () => {
    await expect(lake.loadTable(`${ns}.nope`)).rejects.toThrow(NotFoundError);
    await expect(lake.append(`${ns}.nope`, [])).rejects.toThrow(new RegExp(`table does not exist \\[table ${ns}.nope, ref main@`));
  });

  it('rows that do not match the schema fail before anything is written or committed', async () => {
    const head = await lake.reference('main');
    const t = await lake.loadTable(table);
    await expect(lake.writeDataFiles(t, [{ event_id: 1n, device_id: 'x', event_ts: 'not a time' }], { fileName: 'bad' })).rejects.toThrow(SchemaMismatchError);
    await expect(lake.writeDataFiles(t, [{ event_id: 1n, device_id: null, event_ts: new Date() }], { fileName: 'bad' })).rejects.toThrow(/required column "device_id" is null \[table .*contended, file s3:\/\/.*bad.parquet\]/);
    expect((await lake.reference('main')).hash).toBe(head.hash);
  });

  it('an S3 failure is a StorageError naming the file, and nothing is committed', async () => {
    const broken = createLake(lakeConfigFrom({ ...cfg, s3: { ...cfg.s3, secretAccessKey: 'wrong-secret' } }));
    const t = await lake.loadTable(table);
    const files = await lake.writeDataFiles(t, rowsFor('2024-05-03T00:00:00Z', 2, 0), { fileName: 'fault' });
    const head = await lake.reference('main');
    const err = await broken.append(table, files).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StorageError);
    expect(String((err as Error).message)).toMatch(/\[table .*contended.*file s3:\/\/|file s3:\/\//);
    expect((await lake.reference('main')).hash).toBe(head.hash);
    await expect(broken.writeDataFiles(t, rowsFor('2024-05-03T00:00:00Z', 2, 0), { fileName: 'fault2' })).rejects.toThrow(/S3 write failed.*file s3:\/\/floe-warehouse\/.*fault2.parquet/);
  });
});
