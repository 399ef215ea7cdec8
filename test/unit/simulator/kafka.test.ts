import { describe, it, expect } from 'vitest';
import { Partitioners } from 'kafkajs';
import { keyPartition, packMessages } from '../../../simulator/kafka.js';

describe('keyPartition', () => {
  it('matches kafkajs’s default (Java-compatible murmur2) partitioner', () => {
    const kafkajsPartition = Partitioners.DefaultPartitioner();
    for (const n of [1, 3, 7, 12]) {
      const partitionMetadata = Array.from({ length: n }, (_, i) => ({ partitionId: i, leader: 0, partitionErrorCode: 0, replicas: [0], isr: [0] }));
      for (let i = 0; i < 500; i++) {
        const key = Buffer.from(`dev-${String(i).padStart(6, '0')}`);
        expect(keyPartition(key, n)).toBe(kafkajsPartition({ topic: 't', partitionMetadata, message: { key, value: null } }));
      }
    }
  });
});

describe('packMessages', () => {
  it('lays out key, value (or null) and headers per message', () => {
    const ab = packMessages([
      { key: Buffer.from('k1'), value: Buffer.from('v1'), headers: { a: 'b' }, partition: 2 },
      { key: Buffer.from('k2'), value: null },
    ]);
    const b = Buffer.from(ab);
    expect(b.readUInt32LE(0)).toBe(2);
    expect(b.readUInt32LE(4)).toBe(2);
    const hl = b.readUInt32LE(8);
    expect(b.readUInt32LE(12)).toBe(2);
    expect(b.toString('utf8', 16, 20)).toBe('k1v1');
    expect(JSON.parse(b.toString('utf8', 20, 20 + hl))).toEqual({ a: 'b' });
    const at = 20 + hl;
    expect(b.readUInt32LE(at + 4)).toBe(0xffffffff);
    expect(b.readUInt32LE(at + 12)).toBe(0xffffffff);
    expect(b.toString('utf8', at + 16)).toBe('k2');
  });
});
