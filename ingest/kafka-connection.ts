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

/** One TCP connection to a broker, with pipelined requests (Kafka answers in order). */
export class BrokerConnection {
  private correlation = 0;
  private readonly pending = new Map<number, { resolve: (body: Buffer) => void; reject: (err: Error) => void }>();
  private failure: Error | undefined;
  /**
   * Reads go straight into memory of ours (the socket's `onread` option) rather than into
   * per-read chunks that are then joined: outside a frame into `scratch` (bytes `[0, scratchEnd)`
   * not yet framed), and once a frame's size is known and it does not fit there, into a buffer
   * of exactly that size (`frame`, `frameFilled` bytes in), so a multi-megabyte fetch response is
   * written once, by the kernel, where the decoder reads it.
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
        const frame = Buffer.allocUnsafe(size);
        s.copy(frame, 0, at + 4, at + 4 + size);
        at += 4 + size;
        if (!this.deliver(frame)) return;
        continue;
      }
      if (size + 4 > SCRATCH_BYTES) {
        // A large frame: its own buffer of the announced size, filled by the next reads directly.
        const frame = Buffer.allocUnsafe(size);
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
  request(apiKey: number, apiVersion: number, body: Buffer[]): Promise<Buffer> {
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
      this.pending.set(id, { resolve, reject });
      this.socket.cork();
      this.socket.write(header);
      for (const b of body) this.socket.write(b);
      this.socket.uncork();
    });
  }

  close(): void {
    this.socket.end();
    this.socket.destroy();
  }
}
