// Messages and fakes shared by the unit tests of the batch stages (ingest/stages/).
import { randomUUID } from 'node:crypto';
import type { KafkaMessage } from '../../../../ingest/kafka.js';
import type { CommittedState, IngestLake, RawFile, WriteResult } from '../../../../ingest/stages/lake.js';
import { columnBatchRows } from '../../../../lake/column-batch.js';
import { batchIdOf, type OffsetRange } from '../../../../models/offsets.js';

export const TOPIC = 'unit-stages';
export const registry = new Set(['dev-1']);

export function event(ts: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    event_id: randomUUID(),
    device_id: 'dev-1',
    device_type: 'environmental_sensor',
    building_id: 'b1',
    floor: 2,
    zone: 'z1',
    event_ts: ts,
    firmware_version: '1.2.3',
    status: 'ok',
    temperature: 21.5,
    humidity: 40,
    ...extra,
  };
}

/** Messages of one partition at offsets from `from`; a string value is sent as it is (not JSON). */
export function messages(partition: number, values: (Record<string, unknown> | string)[], from = 0): KafkaMessage[] {
  return values.map((v, i) => ({
    partition,
    offset: from + i,
    timestamp: 1_700_000_000_000 + i,
    key: Buffer.from('dev-1'),
    value: Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)),
    headers: {},
  }));
}

export const input = (ranges: OffsetRange[], extra: { after?: OffsetRange[] } = {}) => ({ topic: TOPIC, batchId: batchIdOf(TOPIC, ranges), ranges, ingestedAt: Date.UTC(2026, 0, 1), ...extra });

/** A lake that keeps what it is given: RAW and DLQ files decoded, commits in order, a head hash moved by each. */
export class RecordingLake implements IngestLake {
  raw: { name: string; rows: Record<string, unknown>[] }[] = [];
  dlq: { name: string; rows: Record<string, unknown>[] }[] = [];
  commits: Parameters<IngestLake['commit']>[0][] = [];
  head = 'h0';
  summary: Record<string, string> = {};
  /** Errors the next commits throw, in order (then commits succeed). */
  commitErrors: Error[] = [];
  /** What readCommitted returns after a conflict (else the current head and summary). */
  onConflict?: () => void;
  async readCommitted(): Promise<CommittedState> {
    return { hash: this.head, summary: { ...this.summary } };
  }
  private keep(into: RecordingLake['raw'], files: RawFile[]): Promise<WriteResult> {
    into.push(...files.map((f) => ({ name: f.name, rows: columnBatchRows(f.batch) })));
    return Promise.resolve({ handles: files.map((f) => f.name), encodeMs: 0, uploadMs: 0 });
  }
  writeRaw(files: RawFile[]) {
    return this.keep(this.raw, files);
  }
  writeDlq(files: RawFile[]) {
    return this.keep(this.dlq, files);
  }
  async commit(args: Parameters<IngestLake['commit']>[0]) {
    const err = this.commitErrors.shift();
    if (err) {
      if ((err as { conflict?: boolean }).conflict) this.onConflict?.();
      throw err;
    }
    this.commits.push(args);
    this.head = `h${this.commits.length}`;
    this.summary = { ...this.summary, ...args.rawSummary };
    return { hash: this.head, snapshotId: String(this.commits.length) };
  }
}

export const conflict = (): Error => Object.assign(new Error('reference conflict'), { conflict: true });
