// Kafka sending for `floe produce`, on its own thread: the main thread generates messages, this
// one runs the @platformatic/kafka producer (record encoding, murmur2 partitioning, compression),
// so a single process uses both cores. Plain JavaScript on purpose: a worker thread does not
// inherit the TypeScript loader of the main thread (tsx, or vitest's).
//
// Protocol (parentPort): {type:'batch', id, topic, buf: ArrayBuffer} -> {type:'ack', id} |
// {type:'error', id, message}; {type:'close'} -> {type:'closed'}. A batch buffer holds, per
// message: u32 key length, u32 value length (0xffffffff: null), u32 headers-JSON length, u32
// partition (0xffffffff: by key), then the key, value and headers bytes.
import { parentPort, workerData } from 'node:worker_threads';
import { Producer } from '@platformatic/kafka';
import { producerOptions } from './platformatic-options.mjs';

const { brokers, compression, clientId } = workerData;
const producer = new Producer(producerOptions(brokers, compression, clientId));

function unpack(topic, ab) {
  const buf = Buffer.from(ab);
  const messages = [];
  let at = 0;
  while (at < buf.length) {
    const keyLen = buf.readUInt32LE(at);
    const valueLen = buf.readUInt32LE(at + 4);
    const headersLen = buf.readUInt32LE(at + 8);
    const partition = buf.readUInt32LE(at + 12);
    at += 16;
    const key = buf.subarray(at, at + keyLen);
    at += keyLen;
    let value;
    if (valueLen !== 0xffffffff) {
      value = buf.subarray(at, at + valueLen);
      at += valueLen;
    }
    const m = { topic, key, value };
    if (partition !== 0xffffffff) m.partition = partition;
    if (headersLen) {
      m.headers = JSON.parse(buf.toString('utf8', at, at + headersLen));
      at += headersLen;
    }
    messages.push(m);
  }
  return messages;
}

parentPort.on('message', (msg) => {
  if (msg.type === 'batch') {
    producer.send({ messages: unpack(msg.topic, msg.buf) }).then(
      () => parentPort.postMessage({ type: 'ack', id: msg.id }),
      (err) => parentPort.postMessage({ type: 'error', id: msg.id, message: describe(err) }),
    );
  } else if (msg.type === 'ping') {
    producer.metadata({ topics: [] }).then(
      () => parentPort.postMessage({ type: 'ack', id: msg.id }),
      (err) => parentPort.postMessage({ type: 'error', id: msg.id, message: describe(err) }),
    );
  } else if (msg.type === 'close') {
    producer.close().finally(() => parentPort.postMessage({ type: 'closed' }));
  }
});

function describe(err) {
  const parts = [err?.message ?? String(err)];
  for (const e of err?.errors ?? []) parts.push(e?.message ?? String(e));
  return parts.join('; ');
}
