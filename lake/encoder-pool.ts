// A small pool of worker threads that encode Parquet files (lake/parquet-encoder.ts), so the
// files of a large write (one per partition) are compressed in parallel on all cores while the
// calling thread builds the next file's columns and uploads finished ones. Workers are started
// on first use, kept for the life of the process (unref'd: they never keep it alive), and
// replaced if one dies. If workers cannot be started, encoding runs on the calling thread.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { ENCODER_WORKER_MARKER, encodeParquet, encodeParquetWasm, nativeEncoder, type EncodeJob, type EncodeResult } from './parquet-encoder.js';

interface Pending {
  resolve: (r: EncodeResult) => void;
  reject: (e: Error) => void;
}

interface Slot {
  worker: Worker;
  busy: number;
  pending: Map<number, Pending>;
}

/**
 * Jobs smaller than this many cells (rows x columns) and bytes are encoded inline: a worker
 * round trip costs more. (Bytes count too: 10k dead letters of 700-byte payloads are few cells
 * but took half a second of zstd on the calling thread.)
 */
export const INLINE_ENCODE_MAX_CELLS = 200_000;
export const INLINE_ENCODE_MAX_BYTES = 1 << 20;

/**
 * postMessage copies a typed array's whole ArrayBuffer, not just its view: views into much
 * larger (reused, growable) buffers are cut to size first.
 */
function trimmed(job: EncodeJob): EncodeJob {
  const cut = <T extends ArrayBufferView & { slice(): T }>(a: T): T => (a.byteLength * 2 < a.buffer.byteLength ? a.slice() : a);
  return {
    ...job,
    columns: job.columns.map((c) => ({
      ...c,
      values: cut(c.values as Uint8Array),
      ...(c.offsets ? { offsets: cut(c.offsets) } : {}),
      ...(c.validity ? { validity: cut(c.validity) } : {}),
    })),
  };
}

/** Bytes of a job's column buffers. */
function jobBytes(job: EncodeJob): number {
  let n = 0;
  for (const c of job.columns) n += c.values.byteLength + (c.offsets?.byteLength ?? 0) + (c.validity?.byteLength ?? 0);
  return n;
}

export class EncoderPool {
  private slots: Slot[] = [];
  private nextId = 1;
  private failed = false;
  /**
   * How jobs ran: natively on libuv's thread pool (the addon), in a worker thread
   * (parquet-wasm), inline (small, or neither available), or inline after a worker failed.
   */
  readonly stats = { native: 0, worker: 0, inline: 0, workerFailures: 0 };
  /** Use the addon's encoder when it is built (default); false: parquet-wasm in worker threads. */
  readonly native: boolean;

  constructor(
    readonly size: number = Math.max(1, Math.min(4, availableParallelism())),
    opts: { native?: boolean } = {},
  ) {
    this.native = opts.native ?? true;
  }

  private inline(job: EncodeJob): EncodeResult {
    return this.native ? encodeParquet(job) : encodeParquetWasm(job);
  }

  private start(): Slot {
    const self = import.meta.url;
    const encoderUrl = new URL(`./parquet-encoder${self.endsWith('.ts') ? '.ts' : '.js'}`, self).href;
    const worker = new Worker(new URL('./encoder-worker.mjs', self), { workerData: { role: ENCODER_WORKER_MARKER, encoderUrl } });
    worker.unref();
    const slot: Slot = { worker, busy: 0, pending: new Map() };
    worker.on('message', (msg: { id: number; result: EncodeResult }) => {
      const p = slot.pending.get(msg.id);
      if (!p) return;
      slot.pending.delete(msg.id);
      slot.busy--;
      if (slot.busy === 0) worker.unref();
      p.resolve(msg.result);
    });
    const fail = (err: Error) => {
      this.slots = this.slots.filter((s) => s !== slot);
      for (const p of slot.pending.values()) p.reject(err);
      slot.pending.clear();
    };
    worker.on('error', (e) => fail(e instanceof Error ? e : new Error(String(e))));
    worker.on('exit', (code) => fail(new Error(`Parquet encoder worker exited with code ${code}`)));
    this.slots.push(slot);
    return slot;
  }

  /** Starts the workers now (they load in parallel with whatever the caller does next). */
  warm(): void {
    if (this.failed || (this.native && nativeEncoder())) return;
    try {
      while (this.slots.length < this.size) this.start();
    } catch {
      this.failed = true;
    }
  }

  private pick(): Slot {
    if (this.slots.length < this.size) {
      const idle = this.slots.find((s) => s.busy === 0);
      return idle ?? this.start();
    }
    return this.slots.reduce((a, b) => (b.busy < a.busy ? b : a));
  }

  /**
   * Encodes in a worker. The job's buffers are copied to the worker by postMessage before this
   * returns (so the caller may reuse them at once); small jobs are encoded here, also before
   * this returns, unless `offThread`. If the worker dies before answering, the result says `workerFailed` and the
   * caller must rebuild the job (its buffers may have been reused); workers are not used again.
   */
  encode(job: EncodeJob, opts: { offThread?: boolean | undefined } = {}): Promise<EncodeResult> {
    const small = job.numRows * job.fields.length < INLINE_ENCODE_MAX_CELLS && jobBytes(job) < INLINE_ENCODE_MAX_BYTES;
    const native = this.native ? nativeEncoder() : undefined;
    if (native && (opts.offThread || !small)) {
      // The addon copies the job's buffers before it returns, then encodes on libuv's pool.
      let answer: Promise<EncodeResult>;
      try {
        answer = native.encodeParquet(job);
      } catch (e) {
        return Promise.resolve({ ok: false, message: e instanceof Error ? e.message : String(e) });
      }
      this.stats.native++;
      return answer.catch((e: unknown) => ({ ok: false, message: e instanceof Error ? e.message : String(e) }));
    }
    if (this.failed || native || (!opts.offThread && small)) {
      this.stats.inline++;
      return Promise.resolve(this.inline(job));
    }
    let slot: Slot;
    try {
      slot = this.pick();
    } catch {
      this.failed = true;
      this.stats.inline++;
      return Promise.resolve(this.inline(job));
    }
    const id = this.nextId++;
    const answer = new Promise<EncodeResult>((resolve, reject) => {
      slot.pending.set(id, { resolve, reject });
      slot.busy++;
      slot.worker.ref();
      slot.worker.postMessage({ id, job: trimmed(job) });
    });
    return answer.then(
      (r) => {
        this.stats.worker++;
        return r;
      },
      (e: unknown) => {
        this.failed = true;
        this.stats.workerFailures++;
        return { ok: false, message: `Parquet encoder worker failed: ${e instanceof Error ? e.message : String(e)}`, workerFailed: true } as const;
      },
    );
  }
}

let shared: EncoderPool | undefined;

/** The process-wide pool. */
export function encoderPool(): EncoderPool {
  return (shared ??= new EncoderPool());
}
