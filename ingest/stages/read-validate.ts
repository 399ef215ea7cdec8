// Stage 2 of a batch, read and validate: exactly the planned offset ranges, each fetch round
// validated while the next one is fetched. Three routes, by what the reader offers:
// - record runs (the direct fetch path) with the addon: the addon reads the encoded records,
//   on libuv's pool (default) or on this thread;
// - streamed messages (any streaming reader): each round's messages through the addon or the
//   TypeScript path;
// - a whole read (readers without streaming, unit-test fakes): validated in slices, yielding
//   to the event loop between them so heartbeats go out.
import type { IngestBatchInput } from '../types.js';
import type { RangeReader } from '../kafka.js';
import { stopIfCancelled, type BatchLog, type Heartbeat } from './lake.js';
import { NativeDisagreement, type NativeRows } from './native-rows.js';
import type { BatchRows } from './rows.js';

const YIELD_EVERY = 20_000;
export const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export interface ReadDeps {
  reader: RangeReader;
  heartbeat: Heartbeat;
  log: BatchLog;
  signal?: AbortSignal;
  /** With the addon and a reader of record runs: the addon reads off the JavaScript thread (default true). */
  nativeOffThread?: boolean;
}

/**
 * Reads the batch's ranges into `rows` (through `native` when given). Resolves to the fetch time
 * (wall time since `startedAt` less validation and file building), or to 'read again on this thread'
 * when the addon disagreed with the contract off the thread (the caller runs the batch again
 * with nativeOffThread false, after the files written so far have settled).
 */
export async function readAndValidate(deps: ReadDeps, input: Pick<IngestBatchInput, 'topic' | 'batchId' | 'ranges'>, rows: BatchRows, native: NativeRows | undefined, timing: { startedAt: number; buildMs: () => number }): Promise<{ fetchMs: number } | 'read again on this thread'> {
  const { topic, batchId, ranges } = input;
  const cancelled = (): void => stopIfCancelled(deps.signal, `batch ${batchId} of ${topic}`, 'reading');
  const beat = (stage: string): void => deps.heartbeat({ stage, messages: rows.messageCount });
  const t = timing.startedAt;
  const fetchMs = (): number => Math.max(0, performance.now() - t - rows.validateMs - timing.buildMs());
  if (native && deps.reader.streamRecords) {
    const offThread = deps.nativeOffThread ?? true;
    try {
      await deps.reader.streamRecords(topic, ranges, async (runs) => {
        cancelled();
        if (offThread) await native.consumeRunsOffThread(runs);
        else native.consumeRuns(runs);
        beat('fetch+validate');
      }, { recycle: true });
    } catch (e) {
      if (!(e instanceof NativeDisagreement)) throw e;
      deps.log('native path disagrees with the contract; reading the batch again on the calling thread', { topic, batchId, error: e.message });
      return 'read again on this thread';
    }
    return { fetchMs: fetchMs() };
  }
  const consume = native ? native.consumeMessages.bind(native) : rows.consume.bind(rows);
  if (deps.reader.streamRanges) {
    // recycle: consume keeps no Buffer of a message (RAW appends copy values; DLQ rows' key and
    // value are copied by the DLQ builder's binary appends, its headers become a string), so the
    // reader may reuse a round's response memory once this callback has returned.
    await deps.reader.streamRanges(topic, ranges, (chunk) => {
      cancelled();
      consume(chunk, 0, chunk.length);
      beat('fetch+validate');
    }, { recycle: true });
    return { fetchMs: fetchMs() };
  }
  const messages = await deps.reader.readRanges(topic, ranges, (n) => deps.heartbeat({ stage: 'fetch', messages: n }));
  const whole = performance.now() - t;
  deps.heartbeat({ stage: 'validate', messages: messages.length });
  for (let i = 0; i < messages.length; i += YIELD_EVERY) {
    // Let the event loop breathe so heartbeats go out (and sealed files get built).
    if (i > 0) {
      await yieldToEventLoop();
      deps.heartbeat({ stage: 'validate', messages: i });
    }
    consume(messages, i, Math.min(messages.length, i + YIELD_EVERY));
  }
  return { fetchMs: whole };
}
