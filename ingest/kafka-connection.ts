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

/** One TCP connection to a broker, with pipelined requests (Kafka answers in order). */
export class BrokerConnection {
  private correlation = 0;
  private readonly pending = new Map<number, { resolve: (body: Buffer) => void; reject: (err: Error) => void }>();
  private chunks: Buffer[] = [];
  private buffered = 0;
  private failure: Error | undefined;

  private constructor(private readonly socket: Socket, readonly address: string, private readonly clientId: Buffer) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (err) => this.fail(new Error(`Kafka connection to ${address} failed: ${err.message}`)));
    socket.on('close', () => this.fail(new Error(`Kafka connection to ${address} closed`)));
    socket.on('timeout', () => {
      if (this.pending.size) socket.destroy(new Error(`no response in ${SOCKET_IDLE_TIMEOUT_MS} ms`));
    });
    socket.setTimeout(SOCKET_IDLE_TIMEOUT_MS);
  }

  static open(host: string, port: number, clientId: string): Promise<BrokerConnection> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host, port });
      const onError = (err: Error) => reject(new Error(`cannot connect to Kafka broker ${host}:${port}: ${err.message}`));
      socket.once('error', onError);
      socket.once('connect', () => {
        socket.off('error', onError);
        resolve(new BrokerConnection(socket, `${host}:${port}`, Buffer.from(clientId)));
      });
    });
  }

  private fail(err: Error): void {
    this.failure ??= err;
    for (const p of this.pending.values()) p.reject(this.failure);
    this.pending.clear();
  }

  private onData(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    // Chunks are joined only once a whole frame is in: a multi-megabyte fetch response arrives in
    // many socket reads, and joining on every read would copy it over and over.
    while (this.buffered >= 4) {
      if (this.chunks[0]!.length < 4) this.chunks = [Buffer.concat(this.chunks, this.buffered)];
      const size = this.chunks[0]!.readInt32BE(0);
      if (this.buffered < 4 + size) return;
      const data = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.buffered);
      const frame = data.subarray(4, 4 + size);
      const rest = data.subarray(4 + size);
      this.chunks = rest.length ? [rest] : [];
      this.buffered = rest.length;
      const id = frame.readInt32BE(0);
      const p = this.pending.get(id);
      if (!p) {
        this.socket.destroy(new Error(`response for unknown correlation id ${id}`));
        return;
      }
      this.pending.delete(id);
      p.resolve(frame.subarray(4));
    }
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
