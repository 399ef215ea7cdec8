import { describe, expect, it } from 'vitest';
import { BatchBuffers } from '../../../../ingest/stages/buffers.js';
import { BatchRows } from '../../../../ingest/stages/rows.js';
import { RawFileWriter } from '../../../../ingest/stages/seal-encode.js';
import { readAndValidate, type ReadDeps } from '../../../../ingest/stages/read-validate.js';
import { NativeDisagreement, type NativeRows } from '../../../../ingest/stages/native-rows.js';
import type { KafkaMessage, RangeReader, RecordRun } from '../../../../ingest/kafka.js';
import type { OffsetRange } from '../../../../models/offsets.js';
import { validateTelemetry } from '../../../../models/telemetry.js';
import { event, input, messages, RecordingLake, registry } from './fixtures.js';

const ranges = [{ partition: 0, from: 0, to: 3 }, { partition: 1, from: 0, to: 2 }];
const topic = new Map<number, KafkaMessage[]>([
  [0, messages(0, [event('2026-01-01T10:00:00Z'), 'nope', event('2026-01-01T11:00:00Z')])],
  [1, messages(1, [event('2026-01-01T10:30:00Z'), event('2026-01-01T10:31:00Z', { device_id: 'ghost' })])],
]);
const slice = (r: OffsetRange): KafkaMessage[] => topic.get(r.partition)!.slice(r.from, r.to);

/** A reader of whole reads only, or one that streams each partition as a chunk. */
function reader(streaming: boolean): RangeReader & { chunks: number } {
  const r = {
    chunks: 0,
    watermarks: async () => [],
    offsetsForTime: async () => ({}),
    readRanges: async (_t: string, rs: OffsetRange[]) => rs.flatMap(slice),
    close: async () => undefined,
  };
  if (!streaming) return r;
  return Object.assign(r, {
    async streamRanges(_t: string, rs: OffsetRange[], onChunk: (ms: KafkaMessage[]) => void | Promise<void>) {
      let n = 0;
      for (const range of rs) {
        r.chunks++;
        await onChunk(slice(range));
        n += range.to - range.from;
      }
      return n;
    },
  });
}

function setup() {
  const i = input(ranges);
  const rows = new BatchRows({ registry, validate: validateTelemetry, buffers: new BatchBuffers(), writer: new RawFileWriter(new RecordingLake(), i.batchId), fileRows: 100, fastPath: true }, i);
  return { i, rows };
}
const timing = { startedAt: performance.now(), buildMs: () => 0 };
const deps = (r: RangeReader, stages: string[] = [], signal?: AbortSignal): ReadDeps => ({ reader: r, heartbeat: (p) => stages.push(p.stage), log: () => undefined, signal });

describe('read and validate stage', () => {
  it('validates a streamed read round by round, and a whole read in one, to the same rows and rejects', async () => {
    const results = [];
    for (const streaming of [true, false]) {
      const { i, rows } = setup();
      const stages: string[] = [];
      const r = reader(streaming);
      const read = await readAndValidate(deps(r, stages), i, rows, undefined, timing);
      expect(read).toEqual({ fetchMs: expect.any(Number) });
      expect(stages).toEqual(streaming ? ['fetch+validate', 'fetch+validate'] : ['validate']);
      results.push([rows.messageCount, rows.rowCount, rows.partition(0).rejects, rows.partition(1).rejects]);
    }
    expect(results).toEqual([[5, 3, 1, 1], [5, 3, 1, 1]]);
  });

  it('stops reading when the attempt is cancelled', async () => {
    const { i, rows } = setup();
    const abort = new AbortController();
    abort.abort('worker shutting down');
    await expect(readAndValidate(deps(reader(true), [], abort.signal), i, rows, undefined, timing)).rejects.toThrow(/batch .* stopped reading: worker shutting down/);
    expect(rows.messageCount).toBe(0);
  });

  it('reads record runs through the addon when the reader has them, and asks for a read on this thread when the addon disagrees with the contract', async () => {
    const { i, rows } = setup();
    const runsSeen: RecordRun[][] = [];
    const r = Object.assign(reader(true), {
      async streamRecords(_t: string, _rs: OffsetRange[], onChunk: (runs: RecordRun[]) => void | Promise<void>) {
        await onChunk([]);
        await onChunk([]);
      },
    });
    let calls = 0;
    const native = {
      async consumeRunsOffThread(runs: RecordRun[]) {
        runsSeen.push(runs);
        if (++calls === 2) throw new NativeDisagreement(topic.get(0)![0]!);
      },
    } as unknown as NativeRows;
    const logs: string[] = [];
    const read = await readAndValidate({ ...deps(r), log: (m) => logs.push(m) }, i, rows, native, timing);
    expect(read).toBe('read again on this thread');
    expect(runsSeen).toHaveLength(2);
    expect(logs).toEqual(['native path disagrees with the contract; reading the batch again on the calling thread']);
    expect(r.chunks).toBe(0);
  });

  it('passes on any other error of the read', async () => {
    const { i, rows } = setup();
    const r = Object.assign(reader(false), { readRanges: async () => Promise.reject(new Error('broker went away')) });
    await expect(readAndValidate(deps(r), i, rows, undefined, timing)).rejects.toThrow('broker went away');
  });
});
