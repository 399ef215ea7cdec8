// One TCP connection to a Kafka broker speaking the wire protocol directly (request header v1,
// response header v0), with pipelined requests. Used by the simulator's producer and by the
// ingestion's direct fetch path, which both need less than a full client and gain by decoding
// the bytes themselves.
import { connect, type Socket } from 'node:net';

/** Names of the Kafka error codes a producer or fetcher is likely to meet (the rest are reported by number). */
export const KAFKA_ERROR_NAMES: Readonly<Record<number, string>> = {
  1: 'OFFSET_OUT_OF_RANGE',
  2: 'CORRUPT_MESSAGE',
  3: 'UNKNOWN_TOPIC_OR_PARTITION',
  5: 'LEADER_NOT_AVAILABLE',
  6: 'NOT_LEADER_OR_FOLLOWER',
  7: 'REQUEST_TIMED_OUT',
  10: 'MESSAGE_TOO_LARGE',
  19: 'NOT_ENOUGH_REPLICAS',
  20: 'NOT_ENOUGH_REPLICAS_AFTER_APPEND',
  29: 'TOPIC_AUTHORIZATION_FAILED',
  35: 'UNSUPPORTED_VERSION',
  42: 'INVALID_REQUEST',
  74: 'FENCED_LEADER_EPOCH',
  75: 'UNKNOWN_LEADER_EPOCH',
  87: 'INVALID_RECORD',
  100: 'UNKNOWN_TOPIC_ID',
};

/** No response for this long while requests are pending: the connection is considered dead. */
const SOCKET_IDLE_TIMEOUT_MS = 60_000;

/** Socket reads outside a large frame land here: frame headers and whole small responses. */
const SCRATCH_BYTES = 64 * 1024;

/**
 * Response buffers lent out for `request(..., { recycle: true })` come in power-of-two size
 * classes from MIN to MAX bytes; a larger frame gets memory of its own, as without recycling.
 */
const POOL_MIN_CLASS = 16 * 1024;
const POOL_MAX_CLASS = 32 * 1024 * 1024;
/** Free buffers kept per size class, and in all (bytes), per connection. */
const POOL_MAX_FREE_PER_CLASS = 4;
const POOL_MAX_FREE_BYTES = 64 * 1024 * 1024;

/**
 * Response buffers given back by their consumer (`release`) for later responses. Every buffer of
 * fresh memory for a multi-megabyte fetch response is external memory to V8, and each ~64 MB of
 * it allocated starts a full marking cycle over the whole heap; responses read into recycled
 * buffers allocate none.
 */
class ResponsePool {
  private readonly free = new Map<number, Buffer[]>();
  private freeBytes = 0;
  /** Buffers lent out and not given back yet, by their memory (weakly: one never given back is simply collected). */
  private readonly lent = new WeakMap<ArrayBufferLike, Buffer>();

  /** `size` bytes (a view of a pooled buffer, or fresh memory above the largest class). */
  take(size: number): Buffer {
    if (size > POOL_MAX_CLASS) return Buffer.allocUnsafe(size);
    const cls = Math.max(POOL_MIN_CLASS, 2 ** Math.ceil(Math.log2(size)));
    let b = this.free.get(cls)?.pop();
    if (b) this.freeBytes -= cls;
    // Slow: memory of its own (never a slice of Node's shared small-buffer pool).
    else b = Buffer.allocUnsafeSlow(cls);
    this.lent.set(b.buffer, b);
    return b.subarray(0, size);
  }

  /** Takes back the buffer `view` is a view of, if it was lent out by take() and not given back yet. */
  give(view: Uint8Array): void {
    const b = this.lent.get(view.buffer);
    if (!b) return;
    this.lent.delete(view.buffer);
    const list = this.free.get(b.length) ?? [];
    if (list.length >= POOL_MAX_FREE_PER_CLASS || this.freeBytes + b.length > POOL_MAX_FREE_BYTES) return;
    list.push(b);
    this.free.set(b.length, list);
    this.freeBytes += b.length;
  }
}

export interface RequestOptions {
  /**
   * The response body may be read into a recycled buffer, and the caller gives it back with
   * `release(body)` once nothing reads it any more (nor any view of it: that memory then holds a
   * later response). Without it, a response's memory is its own for as long as it is referenced.
   */
  recycle?: boolean;
}

/** One TCP connection to a broker, with pipelined requests (Kafka answers in order). */
export class BrokerConnection {
  private correlation = 0;
  /** Requests awaiting their response, in the order they were sent (Kafka answers in that order). */
  private readonly pending = new Map<number, { resolve: (body: Buffer) => void; reject: (err: Error) => void; recycle: boolean }>();
  private readonly pool = new ResponsePool();
  private failure: Error | undefined;
  /**
   * Reads go straight into memory of ours (the socket's `onread` option) rather than into
   * per-read chunks that are then joined: outside a frame into `scratch` (bytes `[0, scratchEnd)`
   * not yet framed), and once a frame's size is known and it does not fit there, into a buffer
   * of exactly that size (`frame`, `frameFilled` bytes in), so a multi-megabyte fetch response is
   * written once, by the kernel, where the decoder reads it. For a request made with `recycle`,
   * that buffer is a view of one from `pool`.
   */
  private readonly scratch = Buffer.allocUnsafe(SCRATCH_BYTES);
  private scratchEnd = 0;
  private frame: Buffer | undefined;
  private frameFilled = 0;

  private readonly socket: Socket;

  private constructor(host: string, port: number, readonly address: string, private readonly clientId: Buffer) {
    this.socket = connect({
      host,
      port,
      // Called before every read for where it goes (the first time, inside connect()); the
      // callback gets the number of bytes read there.
      onread: {
        buffer: () => this.readTarget(),
        callback: (n: number) => {
          this.onRead(n);
          return true;
        },
      },
    });
    const socket = this.socket;
    socket.setNoDelay(true);
    socket.on('error', (err) => this.fail(new Error(`Kafka connection to ${address} failed: ${err.message}`)));
    socket.on('close', () => this.fail(new Error(`Kafka connection to ${address} closed`)));
    socket.on('timeout', () => {
      if (this.pending.size) socket.destroy(new Error(`no response in ${SOCKET_IDLE_TIMEOUT_MS} ms`));
    });
    socket.setTimeout(SOCKET_IDLE_TIMEOUT_MS);
  }

  static open(host: string, port: number, clientId: string): Promise<BrokerConnection> {
    return new Promise((resolve, reject) => {
      const conn = new BrokerConnection(host, port, `${host}:${port}`, Buffer.from(clientId));
      const onError = (err: Error) => reject(new Error(`cannot connect to Kafka broker ${host}:${port}: ${err.message}`));
      conn.socket.once('error', onError);
      conn.socket.once('connect', () => {
        conn.socket.off('error', onError);
        resolve(conn);
      });
    });
  }

  private fail(err: Error): void {
    this.failure ??= err;
    for (const p of this.pending.values()) p.reject(this.failure);
    this.pending.clear();
  }

  /** Where the next socket read goes: the rest of the frame being filled, or the free end of scratch. */
  private readTarget(): Buffer {
    return this.frame ? this.frame.subarray(this.frameFilled) : this.scratch.subarray(this.scratchEnd);
  }

  /** `n` bytes were read into the last readTarget(). */
  private onRead(n: number): void {
    if (this.frame) {
      this.frameFilled += n;
      if (this.frameFilled < this.frame.length) return;
      const frame = this.frame;
      this.frame = undefined;
      this.deliver(frame);
      return;
    }
    this.scratchEnd += n;
    const s = this.scratch;
    let at = 0;
    while (this.scratchEnd - at >= 4) {
      const size = s.readInt32BE(at);
      if (size < 4) {
        this.socket.destroy(new Error(`invalid response frame size ${size}`));
        return;
      }
      const have = this.scratchEnd - at - 4;
      if (have >= size) {
        // A whole frame in scratch: copied out, as scratch is reused by the next read.
        const frame = this.frameBuffer(size);
        s.copy(frame, 0, at + 4, at + 4 + size);
        at += 4 + size;
        if (!this.deliver(frame)) return;
        continue;
      }
      if (size + 4 > SCRATCH_BYTES) {
        // A large frame: its own buffer of the announced size, filled by the next reads directly.
        const frame = this.frameBuffer(size);
        s.copy(frame, 0, at + 4, this.scratchEnd);
        this.frame = frame;
        this.frameFilled = have;
        this.scratchEnd = 0;
        return;
      }
      break; // a small frame not all in yet: keep reading into scratch
    }
    // Keep the unframed tail at the start of scratch.
    if (at > 0) {
      s.copy(s, 0, at, this.scratchEnd);
      this.scratchEnd -= at;
    }
  }

  /**
   * Memory for the next frame, which answers the oldest pending request (Kafka answers in order;
   * deliver() checks the correlation id): recycled if that request allows it, else fresh.
   */
  private frameBuffer(size: number): Buffer {
    const next = this.pending.values().next();
    return !next.done && next.value.recycle ? this.pool.take(size) : Buffer.allocUnsafe(size);
  }

  /** Resolves the request a whole frame answers; false if the connection is given up on. */
  private deliver(frame: Buffer): boolean {
    const id = frame.readInt32BE(0);
    const p = this.pending.get(id);
    if (!p) {
      this.socket.destroy(new Error(`response for unknown correlation id ${id}`));
      return false;
    }
    this.pending.delete(id);
    p.resolve(frame.subarray(4));
    return true;
  }

  /** Sends a request (header built here, `body` as given) and resolves with the response body. */
  request(apiKey: number, apiVersion: number, body: Buffer[], options: RequestOptions = {}): Promise<Buffer> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.correlation++ & 0x7fffffff;
    const header = Buffer.allocUnsafe(14 + this.clientId.length);
    let size = header.length - 4;
    for (const b of body) size += b.length;
    header.writeInt32BE(size, 0);
    header.writeInt16BE(apiKey, 4);
    header.writeInt16BE(apiVersion, 6);
    header.writeInt32BE(id, 8);
    header.writeInt16BE(this.clientId.length, 12);
    this.clientId.copy(header, 14);
    return new Promise<Buffer>((resolve, reject) => {
      this.pending.set(id, { resolve, reject, recycle: options.recycle === true });
      this.socket.cork();
      this.socket.write(header);
      for (const b of body) this.socket.write(b);
      this.socket.uncork();
    });
  }

  /**
   * Gives back the memory of a response body that a `recycle` request resolved with, for a later
   * response: nothing may read `body`, or any view of it, afterwards. Anything else (a body of
   * fresh memory, or one given back already) is ignored.
   */
  release(body: Buffer): void {
    this.pool.give(body);
  }

  close(): void {
    this.socket.end();
    this.socket.destroy();
  }
}
