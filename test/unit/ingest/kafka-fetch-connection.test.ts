import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { BrokerConnection } from '../../../ingest/kafka-connection.js';

/** A fake broker on loopback: hands each connection's requests (correlation ids, in order) to `onRequests`. */
async function fakeBroker(onRequests: (socket: Socket, ids: number[]) => void): Promise<{ server: Server; port: number }> {
  const server = createServer((socket) => {
    socket.setNoDelay(true);
    let buf = Buffer.alloc(0);
    socket.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      const ids: number[] = [];
      while (buf.length >= 4 && buf.length >= 4 + buf.readInt32BE(0)) {
        ids.push(buf.readInt32BE(8));
        buf = buf.subarray(4 + buf.readInt32BE(0));
      }
      if (ids.length) onRequests(socket, ids);
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as { port: number }).port };
}

/** A response frame: size, correlation id, body. */
function frame(id: number, body: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeInt32BE(4 + body.length, 0);
  head.writeInt32BE(id, 4);
  return Buffer.concat([head, body]);
}

/** Bytes of a body that say which body they are. */
function bodyOf(i: number, size: number): Buffer {
  const b = Buffer.alloc(size);
  for (let j = 0; j < size; j++) b[j] = (i * 31 + j * 7) & 0xff;
  return b;
}

/** Writes `data` in pieces of the given sizes (cycled), each in a write of its own after a pause. */
async function writeInPieces(socket: Socket, data: Buffer, sizes: number[]): Promise<void> {
  let at = 0;
  for (let k = 0; at < data.length; k++) {
    const n = sizes[k % sizes.length]!;
    socket.write(data.subarray(at, at + n));
    at += n;
    await new Promise((r) => setTimeout(r, 1));
  }
}

describe('BrokerConnection framing (responses read straight into their own buffers)', () => {
  const servers: Server[] = [];
  const conns: BrokerConnection[] = [];
  afterEach(async () => {
    for (const c of conns.splice(0)) c.close();
    for (const s of servers.splice(0)) await new Promise((r) => s.close(r));
  });

  // Body sizes around the 64 KiB scratch buffer: tiny, small, just fitting, just not, large.
  const sizes = [0, 3, 100, 64 * 1024 - 8, 64 * 1024 - 7, 64 * 1024, 70_000, 3 * 1024 * 1024 + 5, 17];

  it.each([
    ['one write for all', [1 << 30]],
    ['split inside headers (1, 2, 3 bytes)', [1, 2, 3, 5, 100_000]],
    ['odd pieces across frame boundaries', [9, 65_531, 13, 200_000, 7]],
  ])('pipelined responses arrive whole and in order: %s', async (_name, pieces) => {
    const { server, port } = await fakeBroker((socket, ids) => {
      void writeInPieces(socket, Buffer.concat(ids.map((id, i) => frame(id, bodyOf(i, sizes[i]!)))), pieces);
    });
    servers.push(server);
    const conn = await BrokerConnection.open('127.0.0.1', port, 'test');
    conns.push(conn);
    // All requests are written before any response, so the fake broker sees them at once (one
    // data event on loopback is likely but not needed: responses are per request in order).
    const got = await Promise.all(sizes.map(() => conn.request(1, 11, [Buffer.from('x')])));
    got.forEach((b, i) => {
      expect(b.length).toBe(sizes[i]);
      expect(b.equals(bodyOf(i, sizes[i]!))).toBe(true);
    });
    // The connection goes on serving after large frames.
    const more = await conn.request(1, 11, [Buffer.from('y')]);
    expect(more.length).toBe(0);
  });

  it('fails pending requests on a response for an unknown correlation id, and when the broker closes', async () => {
    const { server, port } = await fakeBroker((socket, ids) => {
      socket.write(frame(ids[0]! + 1000, bodyOf(0, 10)));
    });
    servers.push(server);
    const conn = await BrokerConnection.open('127.0.0.1', port, 'test');
    conns.push(conn);
    await expect(conn.request(1, 11, [Buffer.from('x')])).rejects.toThrow(/unknown correlation id|closed/);
    await expect(conn.request(1, 11, [Buffer.from('x')])).rejects.toThrow();

    const closing = await fakeBroker((socket) => {
      // Half a large frame, then the connection ends.
      socket.end(frame(0, bodyOf(0, 200_000)).subarray(0, 100_000));
    });
    servers.push(closing.server);
    const conn2 = await BrokerConnection.open('127.0.0.1', closing.port, 'test');
    conns.push(conn2);
    await expect(conn2.request(1, 11, [Buffer.from('x')])).rejects.toThrow(/closed/);
  });

  it('recycle: a response buffer given back is reused for a later response; one not given back, or of a request without recycle, never is', async () => {
    const sizes = [200_000, 100, 3_000_000, 150_000, 150_000, 200_000, 90_000];
    let served = 0;
    const { server, port } = await fakeBroker((socket, ids) => {
      void writeInPieces(socket, Buffer.concat(ids.map((id) => frame(id, bodyOf(served, sizes[served++ % sizes.length]!)))), [70_000, 13]);
    });
    servers.push(server);
    const conn = await BrokerConnection.open('127.0.0.1', port, 'test');
    conns.push(conn);
    const req = (recycle?: boolean) => conn.request(1, 11, [Buffer.from('x')], recycle === undefined ? undefined : { recycle });
    const check = (b: Buffer, i: number) => expect(b.equals(bodyOf(i, sizes[i % sizes.length]!))).toBe(true);

    // 0: recycled, given back.
    const b0 = await req(true);
    check(b0, 0);
    const mem0 = b0.buffer;
    conn.release(b0);
    conn.release(b0); // twice: ignored
    // 1: a small frame (read whole into scratch), recycled: its own pooled memory.
    const b1 = await req(true);
    check(b1, 1);
    // 2: not given back.
    const b2 = await req(true);
    check(b2, 2);
    // 3: the size class of 0 (256 KiB) again: that very memory.
    const b3 = await req(true);
    check(b3, 3);
    expect(b3.buffer).toBe(mem0);
    // 4: same class while 3 is still held: other memory.
    const b4 = await req(true);
    check(b4, 4);
    expect(b4.buffer).not.toBe(mem0);
    check(b3, 3);
    // 5: no recycle: fresh memory, even with pooled buffers free; giving it back changes nothing.
    conn.release(b3);
    const b5 = await req();
    check(b5, 5);
    expect(b5.buffer).not.toBe(mem0);
    conn.release(b5);
    const b6 = await req(false);
    check(b6, 6);
    expect([mem0, b5.buffer]).not.toContain(b6.buffer);
    // Everything handed out and not given back still holds its own bytes.
    check(b1, 1);
    check(b2, 2);
    check(b4, 4);
  });

  it('says which broker it cannot connect to', async () => {
    const { server, port } = await fakeBroker(() => undefined);
    await new Promise((r) => server.close(r));
    await expect(BrokerConnection.open('127.0.0.1', port, 'test')).rejects.toThrow(`cannot connect to Kafka broker 127.0.0.1:${port}`);
  });
});
