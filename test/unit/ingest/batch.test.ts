import { describe, expect, it } from 'vitest';
import { FakeReader } from './fake-reader.js';
import {
  batchStatus,
  pipelineStatus,
  dataFileName,
  hourOf,
  positionKey,
  positionsFromSummary,
  runBatch,
  BatchError,
  CommitSignal,
  type CommittedState,
  type IngestLake,
  type RawFile,
  type FaultPoint,
} from '../../../ingest/batch.js';
import { columnBatchRows } from '../../../lake/column-batch.js';
import type { KafkaMessage, RangeReader } from '../../../ingest/kafka.js';
import { validateTelemetry } from '../../../models/telemetry.js';
import type { OffsetRange } from '../../../models/offsets.js';
import { batchIdOf } from '../../../models/offsets.js';
import { event as stageEvent } from './stages/fixtures.js';

const TOPIC = 'unit-telemetry';

function event(deviceId: string, ts: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return stageEvent(ts, { device_id: deviceId, ...extra });
}


function topicOf(values: (Record<string, unknown> | string)[][]): Map<number, KafkaMessage[]> {
  return new Map(
    values.map((vs, partition) => [
      partition,
      vs.map((v, offset) => ({
        partition,
        offset,
        timestamp: 1_700_000_000_000 + offset,
        key: Buffer.from('dev-1'),
        value: Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)),
        headers: { source: Buffer.from('unit') },
      })),
    ]),
  );
}

/** A file as the fake lake keeps it: decoded rows. */
interface TableFile<Row> {
  name: string;
  rows: Row[];
}

interface Commit {
  hash: string;
  summary: Record<string, string>;
  raw: TableFile<Record<string, unknown>>[];
  dlq: TableFile<Record<string, unknown>>[];
}

/** A lake that keeps files and commits in memory and enforces the expected hash. */
class FakeLake implements IngestLake {
  commits: Commit[] = [];
  uploads = new Map<string, number>();
  conflictsToInject = 0;
  head = 'h0';
  summary: Record<string, string> = {};
  async readCommitted(): Promise<CommittedState> {
    return { hash: this.head, summary: { ...this.summary }, snapshotId: String(this.commits.length) };
  }
  private store(kind: 'raw' | 'dlq', files: RawFile[]) {
    // Decoded now: the batch's builder is reused as soon as this returns.
    const decoded = files.map((f) => ({ name: f.name, rows: columnBatchRows(f.batch) }));
    for (const f of files) this.uploads.set(`${kind}/${f.name}`, (this.uploads.get(`${kind}/${f.name}`) ?? 0) + 1);
    return Promise.resolve({ handles: decoded, encodeMs: 1, uploadMs: 1 });
  }
  writeRaw(files: RawFile[]) {
    return this.store('raw', files);
  }
  writeDlq(files: RawFile[]) {
    return this.store('dlq', files);
  }
  async commit(args: { expectedHash: string; raw: unknown[]; dlq: unknown[]; rawSummary: Record<string, string> }) {
    if (this.conflictsToInject > 0) {
      this.conflictsToInject--;
      this.head = `${this.head}x`; // someone else committed another table
      throw Object.assign(new Error('reference conflict'), { conflict: true });
    }
    if (args.expectedHash !== this.head) throw Object.assign(new Error(`expected ${args.expectedHash}, head ${this.head}`), { conflict: true });
    this.head = `h${this.commits.length + 1}`;
    this.summary = { ...this.summary, ...args.rawSummary };
    this.commits.push({ hash: this.head, summary: args.rawSummary, raw: args.raw as Commit['raw'], dlq: args.dlq as Commit['dlq'] });
    return { hash: this.head, snapshotId: String(this.commits.length) };
  }
  rows(kind: 'raw' | 'dlq') {
    return this.commits.flatMap((c) => c[kind].flatMap((f) => f.rows));
  }
}

const registry = new Set(['dev-1']);

function deps(reader: RangeReader, lake: IngestLake, fault?: (p: FaultPoint) => void) {
  return { reader, lake, registry, validate: validateTelemetry, fault };
}

const input = (ranges: OffsetRange[]) => ({ topic: TOPIC, batchId: batchIdOf(TOPIC, ranges), ranges, ingestedAt: Date.UTC(2026, 0, 1) });

describe('runBatch', () => {
  const good = (ts: string) => event('dev-1', ts);
  const parts = () =>
    topicOf([
      [good('2026-01-01T10:15:00Z'), good('2026-01-01T11:59:59.999+00:00'), 'not json', good('2026-01-01T09:00:00+02:00')],
      [good('2026-01-01T10:20:00Z'), event('ghost', '2026-01-01T10:21:00Z'), event('dev-1', '2026-01-01T10:22:00Z', { temperature: 9999 })],
    ]);

  it('writes valid rows per event hour and rejects to the DLQ, in one commit carrying the positions', async () => {
    const lake = new FakeLake();
    const ranges = [{ partition: 0, from: 0, to: 4 }, { partition: 1, from: 0, to: 3 }];
    const r = await runBatch(deps(new FakeReader(parts()), lake), input(ranges));
    expect(r.outcome).toBe('committed');
    expect(r.messages).toBe(7);
    expect(r.rows + r.rejects).toBe(7);
    expect(r.rows).toBe(4);
    expect(r.hours).toEqual(['2026-01-01T07', '2026-01-01T10', '2026-01-01T11']);
    expect(lake.commits).toHaveLength(1);
    const c = lake.commits[0]!;
    expect(c.summary[positionKey(TOPIC, 0)]).toBe('4');
    expect(c.summary[positionKey(TOPIC, 1)]).toBe('3');
    // No partition's hour reached fileRows: one file per event hour, partitions in range order.
    expect(c.raw.map((f) => f.name)).toEqual([
      dataFileName(r.batchId, '2026-01-01T07rest', 0),
      dataFileName(r.batchId, '2026-01-01T10rest', 0),
      dataFileName(r.batchId, '2026-01-01T11rest', 0),
    ]);
    expect(c.raw[1]!.rows.map((x) => `${x._kafka_partition}@${x._kafka_offset}`)).toEqual(['0@0', '1@0']);
    expect(r.dataFiles).toBe(4); // 3 RAW + one DLQ file for every partition's rejects
    expect(c.dlq.map((f) => f.name)).toEqual([dataFileName(r.batchId, 'dlq', 0)]);
    const dlq = lake.rows('dlq');
    expect(dlq.map((d) => [d._kafka_partition, d._kafka_offset, d.error_kind])).toEqual([
      [0, 2n, 'malformed_json'],
      [1, 1n, 'unknown_device'],
      [1, 2n, 'out_of_physical_range'],
    ]);
    expect(Buffer.from(dlq[0]!.value as Uint8Array).toString()).toBe('not json');
    expect(dlq[0]!.headers).toBe('{"source":"unit"}');
    const offsets = lake.rows('raw').map((x) => `${x._kafka_partition}@${x._kafka_offset}`).sort();
    expect(offsets).toEqual(['0@0', '0@1', '0@3', '1@0']);
  });

  it('a repeated attempt of a committed batch writes nothing and reports already-committed', async () => {
    const lake = new FakeLake();
    const reader = new FakeReader(parts());
    const ranges = [{ partition: 0, from: 0, to: 4 }];
    await runBatch(deps(reader, lake), input(ranges));
    const again = await runBatch(deps(reader, lake), input(ranges));
    expect(again.outcome).toBe('already-committed');
    expect(lake.commits).toHaveLength(1);
    expect(reader.reads).toBe(1);
  });

  it('a crash after upload leaves nothing committed, and the retry rewrites the same file names', async () => {
    const lake = new FakeLake();
    const reader = new FakeReader(parts());
    const ranges = [{ partition: 0, from: 0, to: 4 }];
    await expect(
      runBatch(deps(reader, lake, (p) => { if (p === 'after-upload') throw new Error('killed'); }), input(ranges)),
    ).rejects.toThrow('killed');
    expect(lake.commits).toHaveLength(0);
    await runBatch(deps(reader, lake), input(ranges));
    expect(lake.commits).toHaveLength(1);
    expect([...lake.uploads.values()].every((n) => n === 2)).toBe(true);
    expect(lake.rows('raw')).toHaveLength(3);
  });

  it('re-reads and retries the commit on a Nessie conflict', async () => {
    const lake = new FakeLake();
    lake.conflictsToInject = 2;
    const r = await runBatch(deps(new FakeReader(parts()), lake), input([{ partition: 1, from: 0, to: 3 }]));
    expect(r.outcome).toBe('committed');
    expect(lake.commits).toHaveLength(1);
  });

  it('gives up after too many conflicts so the activity retry takes over', async () => {
    const lake = new FakeLake();
    lake.conflictsToInject = 10;
    await expect(runBatch({ ...deps(new FakeReader(parts()), lake), maxCommitAttempts: 3 }, input([{ partition: 1, from: 0, to: 3 }]))).rejects.toThrow(/conflict/);
  });

  it('counts duplicate event ids and keeps them', async () => {
    const e = good('2026-01-01T10:00:00Z');
    const lake = new FakeLake();
    const r = await runBatch(deps(new FakeReader(topicOf([[e, e, e]])), lake), input([{ partition: 0, from: 0, to: 3 }]));
    expect(r.duplicates).toBe(2);
    expect(r.rows).toBe(3);
  });

  it('refuses ranges that do not start at the committed position', async () => {
    const lake = new FakeLake();
    lake.summary = { [positionKey(TOPIC, 0)]: '2' };
    await expect(runBatch(deps(new FakeReader(parts()), lake), input([{ partition: 0, from: 0, to: 4 }]))).rejects.toThrow(
      /partition 0: committed 2, range 0-4/,
    );
  });
});

describe('runBatch pipelined (the batch before it still in flight)', () => {
  const good = (ts: string) => event('dev-1', ts);
  const topic = () => topicOf([[0, 1, 2, 3, 4, 5].map((i) => good(`2026-01-01T10:0${i}:00Z`)), [0, 1, 2].map((i) => good(`2026-01-01T10:1${i}:00Z`))]);
  const first = [{ partition: 0, from: 0, to: 3 }, { partition: 1, from: 0, to: 3 }];
  const second = [{ partition: 0, from: 3, to: 6 }];

  it('reads and uploads at once, but commits only after the batch before it, in order', async () => {
    const lake = new FakeLake();
    const reader = new FakeReader(topic());
    let releaseFirst!: () => void;
    const firstMayCommit = new Promise<void>((r) => (releaseFirst = r));
    const slowLake = Object.assign(Object.create(lake) as FakeLake, {
      commit: async (args: Parameters<FakeLake['commit']>[0]) => {
        if (args.rawSummary['floe.ingest.batch-id'] === batchIdOf(TOPIC, first)) await firstMayCommit;
        return lake.commit(args);
      },
    });
    // One signal per worker, as workers/deps.ts makes it: the first batch's commit wakes the second.
    const commits = new CommitSignal();
    const a = runBatch({ ...deps(reader, slowLake), commits }, { ...input(first), concurrent: true });
    const b = runBatch({ ...deps(reader, slowLake), commits }, { ...input(second), concurrent: true, after: first });
    // The second batch has read and uploaded, and waits: nothing is committed yet.
    await new Promise((r) => setTimeout(r, 50));
    expect(lake.commits).toHaveLength(0);
    expect(commits.waiting).toBe(1);
    expect([...lake.uploads.keys()].some((k) => k.includes(batchIdOf(TOPIC, second)))).toBe(true);
    releaseFirst();
    const [ra, rb] = await Promise.all([a, b]);
    expect([ra.outcome, rb.outcome]).toEqual(['committed', 'committed']);
    expect(lake.commits.map((c) => c.summary['floe.ingest.batch-id'])).toEqual([batchIdOf(TOPIC, first), batchIdOf(TOPIC, second)]);
    // The second snapshot carries every partition's position, including the one it did not move.
    expect(lake.commits[1]!.summary[positionKey(TOPIC, 0)]).toBe('6');
    expect(lake.commits[1]!.summary[positionKey(TOPIC, 1)]).toBe('3');
    expect(rb.timings.waitMs).toBeGreaterThan(0);
    expect(lake.rows('raw')).toHaveLength(9);
  });

  it('a retried attempt of the later batch finds itself committed, and one whose predecessor is committed runs as usual', async () => {
    const lake = new FakeLake();
    const reader = new FakeReader(topic());
    await runBatch(deps(reader, lake), input(first));
    const r = await runBatch(deps(reader, lake), { ...input(second), after: first });
    expect(r.outcome).toBe('committed');
    expect(r.timings.waitMs).toBeUndefined();
    const again = await runBatch(deps(reader, lake), { ...input(second), after: first });
    expect(again.outcome).toBe('already-committed');
    expect(lake.commits).toHaveLength(2);
  });

  it('stops waiting when the activity is cancelled, and commits nothing', async () => {
    const lake = new FakeLake();
    const abort = new AbortController();
    const waiting = runBatch({ ...deps(new FakeReader(topic()), lake), signal: abort.signal }, { ...input(second), after: first });
    await new Promise((r) => setTimeout(r, 30));
    abort.abort('workflow ended');
    await expect(waiting).rejects.toThrow(/stopped (waiting for the batch before it|committing): workflow ended/);
    expect(lake.commits).toHaveLength(0);
  });

  it('pipelineStatus: waiting only while RAW is exactly at the start of the batch before', () => {
    const i = { ranges: second, after: first };
    expect(pipelineStatus(TOPIC, i, {})).toBe('waiting');
    expect(pipelineStatus(TOPIC, i, { 0: 3, 1: 3 })).toBe('pending');
    expect(pipelineStatus(TOPIC, i, { 0: 6, 1: 3 })).toBe('done');
    // Half of the predecessor committed, or RAW moved elsewhere: another writer.
    expect(() => pipelineStatus(TOPIC, i, { 0: 3 })).toThrow(BatchError);
    expect(() => pipelineStatus(TOPIC, i, { 0: 4, 1: 3 })).toThrow(/partition 0: committed 4, range 3-6/);
    // Without a predecessor, the plain rule.
    expect(() => pipelineStatus(TOPIC, { ranges: second }, { 0: 0 })).toThrow(BatchError);
    expect(pipelineStatus(TOPIC, { ranges: second }, { 0: 3 })).toBe('pending');
  });
});

describe('helpers', () => {
  it('batchStatus: pending, done, or a mismatch error', () => {
    const ranges = [{ partition: 0, from: 5, to: 9 }, { partition: 1, from: 0, to: 3 }];
    expect(batchStatus('t', ranges, { 0: 5 }).kind).toBe('pending');
    expect(batchStatus('t', ranges, { 0: 9, 1: 3 }).kind).toBe('done');
    expect(() => batchStatus('t', ranges, { 0: 9, 1: 0 })).toThrow(BatchError);
  });
  it('batchStatus: a range may start past the committed position only across a declared retention gap', () => {
    const ranges = [{ partition: 0, from: 5, to: 9 }];
    expect(() => batchStatus('t', ranges, { 0: 2 })).toThrow(/partition 0: committed 2, range 5-9/);
    expect(batchStatus('t', ranges, { 0: 2 }, { 0: 2 }).kind).toBe('pending');
    expect(() => batchStatus('t', ranges, { 0: 3 }, { 0: 2 })).toThrow(BatchError);
  });
  it('positionsFromSummary reads only this topic', () => {
    expect(positionsFromSummary('a.b', { 'floe.kafka.a.b.0': '7', 'floe.kafka.a.b.12': '3', 'floe.kafka.other.0': '1', x: 'y' })).toEqual({ 0: 7, 12: 3 });
  });
  it('hourOf floors to the UTC hour', () => {
    expect(hourOf(Date.parse('2026-03-04T05:59:59.999+01:00'))).toBe('2026-03-04T04');
  });
});

describe('runBatch fast path', () => {
  /** A value as the lake stores it (Date -> epoch µs, long numbers -> bigint). */
  const stored = (rows: Record<string, unknown>[]) =>
    rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v instanceof Date ? BigInt(v.getTime()) * 1000n : typeof v === 'number' && (k === '_kafka_offset' || k === 'sequence_number') ? BigInt(v) : v])));

  it('writes the same files, rows (in the same order) and rejects as the validator-only path', async () => {
    const evs = (p: number) => [
      event('dev-1', '2026-01-01T10:15:00Z', { sequence_number: p }),
      'not json',
      event('dev-1', '2026-01-01T11:59:59.999123+00:00'),
      event('ghost', '2026-01-01T10:21:00Z'),
      event('dev-1', '2026-01-01T09:00:00+02:00', { gateway_id: 'gw', pm25: null }),
      event('dev-1', '2026-01-01T10:22:00Z', { temperature: 9999 }),
      event('dev-1', '2026-01-01T10:16:00Z'),
    ];
    const topic = topicOf([evs(0), evs(1), evs(2)]);
    const ranges = [0, 1, 2].map((partition) => ({ partition, from: 0, to: 7 }));
    const fastLake = new FakeLake();
    const slowLake = new FakeLake();
    const a = await runBatch({ ...deps(new FakeReader(topic), fastLake), fastPath: true }, input(ranges));
    const b = await runBatch({ ...deps(new FakeReader(topic), slowLake), fastPath: false }, input(ranges));
    expect({ ...a, timings: undefined }).toEqual({ ...b, timings: undefined });
    expect(a.rows).toBe(12);
    expect(a.rejects).toBe(9);
    const files = (l: FakeLake) => l.commits[0]!.raw.map((f) => ({ name: f.name, rows: stored(f.rows) }));
    expect(files(fastLake)).toEqual(files(slowLake));
    expect(fastLake.rows('dlq')).toEqual(slowLake.rows('dlq'));
    // One file per hour, rows in (partition, offset) order.
    const tenOClock = fastLake.commits[0]!.raw.filter((f) => f.name.includes('20260101T10'));
    expect(tenOClock.map((f) => f.rows.map((r) => `${r._kafka_partition}@${r._kafka_offset}`))).toEqual([['0@0', '0@6', '1@0', '1@6', '2@0', '2@6']]);
  });
});

/** Streams the ranges in small rounds that interleave partitions, like a pipelined Kafka fetch. */
class ChunkedReader extends FakeReader {
  chunks = 0;
  constructor(parts: Map<number, KafkaMessage[]>, readonly chunkSize: number) {
    super(parts);
  }
  async streamRanges(_kafka_topic: string, ranges: OffsetRange[], onChunk: (ms: KafkaMessage[]) => void | Promise<void>) {
    const next = new Map(ranges.map((r) => [r.partition, r.from]));
    let total = 0;
    // Newest partition first, to differ from the ranges' order.
    for (let open = [...ranges].reverse(); open.length > 0; open = open.filter((r) => next.get(r.partition)! < r.to)) {
      const chunk: KafkaMessage[] = [];
      for (const r of open) {
        const from = next.get(r.partition)!;
        const to = Math.min(r.to, from + this.chunkSize);
        chunk.push(...this.parts.get(r.partition)!.slice(from, to));
        next.set(r.partition, to);
      }
      this.chunks++;
      total += chunk.length;
      await onChunk(chunk);
    }
    return total;
  }
}

describe('runBatch over a streamed (pipelined) read', () => {
  it('writes byte-for-byte the same files as over a whole read, rows in (partition, offset) order', async () => {
    const hours = ['2026-01-01T10:05:00Z', '2026-01-01T11:05:00Z', '2026-01-01T10:06:00Z', 'oops', '2026-01-01T09:59:59.999Z'];
    const parts = topicOf([0, 1, 2].map((p) => Array.from({ length: 23 }, (_, i) => (hours[(i + p) % hours.length] === 'oops' ? '{' : event('dev-1', hours[(i + p) % hours.length]!, { sequence_number: i })))));
    const ranges = [0, 1, 2].map((partition) => ({ partition, from: 2, to: 21 }));
    const whole = new FakeLake();
    const streamed = new FakeLake();
    const reader = new ChunkedReader(parts, 4);
    const a = await runBatch(deps(new FakeReader(parts), whole), input(ranges));
    const b = await runBatch(deps(reader, streamed), input(ranges));
    expect(reader.chunks).toBeGreaterThan(3);
    expect(reader.reads).toBe(0);
    expect({ ...b, timings: undefined }).toEqual({ ...a, timings: undefined });
    expect(b.messages).toBe(57);
    expect(streamed.commits[0]!.raw).toEqual(whole.commits[0]!.raw);
    expect(streamed.commits[0]!.dlq).toEqual(whole.commits[0]!.dlq);
  });

  it('seals a file per fileRows rows of one partition and hour while reading, with the same files as a whole read', async () => {
    const parts = topicOf([0, 1].map((p) => Array.from({ length: 20 }, (_, i) => (i === 7 ? '{' : event('dev-1', i < 12 ? '2026-01-01T10:05:00Z' : '2026-01-01T11:05:00Z', { sequence_number: p * 100 + i })))));
    const ranges = [0, 1].map((partition) => ({ partition, from: 0, to: 20 }));
    const whole = new FakeLake();
    const streamed = new FakeLake();
    // Uploads seen by the time each chunk arrives: files are written before the read ends.
    const uploadsAtChunk: number[] = [];
    const reader = new ChunkedReader(parts, 3);
    const stream = reader.streamRanges.bind(reader);
    reader.streamRanges = (t, r, onChunk) => stream(t, r, async (ms) => {
      uploadsAtChunk.push(streamed.uploads.size);
      await onChunk(ms);
    });
    const a = await runBatch({ ...deps(new FakeReader(parts), whole), fileRows: 4 }, input(ranges));
    const b = await runBatch({ ...deps(reader, streamed), fileRows: 4 }, input(ranges));
    expect({ ...b, timings: undefined }).toEqual({ ...a, timings: undefined });
    const byName = (l: FakeLake) => [...l.commits[0]!.raw].sort((x, y) => x.name.localeCompare(y.name));
    expect(byName(streamed)).toEqual(byName(whole));
    // Partition 0: 11 rows of hour 10 (one reject) -> 4, 4 sealed while reading, 3 left; 8 rows
    // of hour 11 -> 4, 4. Same for partition 1. The rests of hour 10 (3 + 3) exceed fileRows
    // together: two files, partition 0's then partition 1's.
    const files = byName(streamed);
    expect(files.map((f) => [f.name.split('-').slice(2).join('-'), f.rows.length, Number(f.rows[0]!._kafka_partition)])).toEqual([
      ['20260101T10p0-000.parquet', 4, 0], ['20260101T10p0-001.parquet', 4, 0],
      ['20260101T10p1-000.parquet', 4, 1], ['20260101T10p1-001.parquet', 4, 1],
      ['20260101T10rest-000.parquet', 3, 0], ['20260101T10rest-001.parquet', 3, 1],
      ['20260101T11p0-000.parquet', 4, 0], ['20260101T11p0-001.parquet', 4, 0],
      ['20260101T11p1-000.parquet', 4, 1], ['20260101T11p1-001.parquet', 4, 1],
    ]);
    for (const f of files) {
      const offs = f.rows.map((r) => Number(r._kafka_offset));
      expect(offs).toEqual([...offs].sort((x, y) => x - y));
    }
    expect(b.dataFiles).toBe(11); // 10 RAW + one DLQ file
    expect(Math.max(...uploadsAtChunk)).toBeGreaterThan(0);
    const offsets = streamed.commits[0]!.raw[0]!.rows.map((r) => [Number(r._kafka_partition), Number(r._kafka_offset)]);
    expect(offsets).toEqual([...offsets].sort((x, y) => x[0]! - y[0]! || x[1]! - y[1]!));
  });

  it('a failing stream fails the batch before anything is written', async () => {
    const parts = topicOf([[event('dev-1', '2026-01-01T10:05:00Z'), event('dev-1', '2026-01-01T10:06:00Z')]]);
    const reader = new ChunkedReader(parts, 1);
    reader.streamRanges = async (_t, _r, onChunk) => {
      await onChunk(parts.get(0)!.slice(0, 1));
      throw new Error('broker went away');
    };
    const lake = new FakeLake();
    await expect(runBatch(deps(reader, lake), input([{ partition: 0, from: 0, to: 2 }]))).rejects.toThrow('broker went away');
    expect(lake.uploads.size).toBe(0);
    expect(lake.commits).toHaveLength(0);
  });
});
