import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKafkaRangeReader, FETCH_CLIENTS, type KafkaMessage, type RangeReader } from '../../../ingest/kafka.js';
import type { OffsetRange } from '../../../models/offsets.js';
import { config, createTopic, kafka, send, uniqueName } from './helpers.js';

describe.each(FETCH_CLIENTS)('kafka range reader via %s (real Kafka)', (fetchClient) => {
  const topic = uniqueName('floe_test_reader');
  let reader: RangeReader;

  beforeAll(async () => {
    await createTopic(topic, 3);
    const msgs = [];
    for (let i = 0; i < 3000; i++) msgs.push({ partition: i % 3, key: `k${i}`, value: `v${i}`, headers: { n: String(i) } });
    // gzip and uncompressed batches, both decoded by either client
    await send(topic, msgs.slice(0, 1500), 700);
    await send(topic, msgs.slice(1500), 700, 'gzip');
    reader = createKafkaRangeReader({ brokers: config.kafka.brokers, partitionFetchBytes: 8 * 1024, fetchClient });
  });
  afterAll(async () => {
    await reader?.close();
  });

  it('says which topic does not exist', async () => {
    await expect(reader.watermarks(`${topic}_missing`)).rejects.toThrow(new RegExp(`topic "${topic}_missing" does not exist`));
  });

  it('reports watermarks per partition', async () => {
    expect(await reader.watermarks(topic)).toEqual([
      { partition: 0, low: 0, high: 1000 },
      { partition: 1, low: 0, high: 1000 },
      { partition: 2, low: 0, high: 1000 },
    ]);
  });

  it('reads exactly the requested offsets, across many fetch rounds, nothing before or after', async () => {
    const seen: number[] = [];
    const ms = await reader.readRanges(topic, [{ partition: 0, from: 17, to: 913 }, { partition: 2, from: 0, to: 1 }, { partition: 1, from: 999, to: 1000 }], (n) => seen.push(n));
    const p0 = ms.filter((m) => m.partition === 0).map((m) => m.offset);
    expect(p0).toEqual(Array.from({ length: 913 - 17 }, (_, i) => 17 + i));
    expect(ms.filter((m) => m.partition === 2).map((m) => m.offset)).toEqual([0]);
    expect(ms.filter((m) => m.partition === 1).map((m) => m.offset)).toEqual([999]);
    // partition p holds i with i % 3 == p, in order
    expect(ms.find((m) => m.partition === 0 && m.offset === 17)!.value!.toString()).toBe(`v${17 * 3}`);
    expect(ms.find((m) => m.partition === 1 && m.offset === 999)!.headers.n!.toString()).toBe(String(999 * 3 + 1));
    expect(seen.length).toBeGreaterThan(1);
  });

  it('streams exactly the messages readRanges returns, each once, in several pipelined rounds', async () => {
    const streaming = createKafkaRangeReader({ brokers: config.kafka.brokers, streamPartitionFetchBytes: 8 * 1024, fetchClient });
    try {
      const ranges = [{ partition: 0, from: 17, to: 913 }, { partition: 2, from: 0, to: 1000 }, { partition: 1, from: 999, to: 1000 }];
      const chunks: number[] = [];
      const got: { partition: number; offset: number; value: string }[] = [];
      const n = await streaming.streamRanges!(topic, ranges, async (ms) => {
        chunks.push(ms.length);
        // A slow consumer: the next round is fetched meanwhile.
        await new Promise((r) => setTimeout(r, 5));
        for (const m of ms) got.push({ partition: m.partition, offset: m.offset, value: m.value!.toString() });
      });
      expect(n).toBe(896 + 1000 + 1);
      expect(chunks.length).toBeGreaterThan(2);
      const whole = await reader.readRanges(topic, ranges);
      const key = (m: { partition: number; offset: number }) => m.partition * 1e6 + m.offset;
      expect([...got].sort((a, b) => key(a) - key(b))).toEqual(whole.map((m) => ({ partition: m.partition, offset: m.offset, value: m.value!.toString() })).sort((a, b) => key(a) - key(b)));
      // Offset order within each partition as delivered.
      for (const p of [0, 1, 2]) {
        const offs = got.filter((m) => m.partition === p).map((m) => m.offset);
        expect(offs).toEqual([...offs].sort((a, b) => a - b));
      }
      // An error thrown by the consumer is the stream's error, not retried.
      await expect(streaming.streamRanges!(topic, ranges, () => { throw new Error('consumer says no'); })).rejects.toThrow('consumer says no');
    } finally {
      await streaming.close();
    }
  });

  it('a read-ahead from where the next ranges start is delivered first; one from elsewhere is ignored', async () => {
    const r = createKafkaRangeReader({ brokers: config.kafka.brokers, streamPartitionFetchBytes: 8 * 1024, fetchClient });
    try {
      const ranges = [{ partition: 0, from: 100, to: 700 }, { partition: 1, from: 0, to: 1000 }, { partition: 2, from: 990, to: 1000 }];
      const collect = async () => {
        const chunks: number[] = [];
        const got: string[] = [];
        await r.streamRanges!(topic, ranges, (ms) => {
          chunks.push(ms.length);
          for (const m of ms) got.push(`${m.partition}@${m.offset}=${m.value!.toString()}`);
        });
        return { chunks, got: got.sort() };
      };
      const plain = await collect();
      expect(plain.got).toHaveLength(600 + 1000 + 10);
      expect(plain.chunks[0]).toBeLessThan(1610);
      // Read ahead 600 of partition 0 from 100 (all of its range), 500 of partition 1, none of 2.
      r.readAhead!(topic, { 0: 100, 1: 0 }, { 0: 600, 1: 500 });
      const ahead = await collect();
      expect(ahead.got).toEqual(plain.got);
      expect(ahead.chunks[0]).toBe(1100);
      // Offsets that do not match where the ranges start: not used, same result.
      r.readAhead!(topic, { 0: 101, 1: 5 }, { 0: 600, 1: 600 });
      const other = await collect();
      expect(other.got).toEqual(plain.got);
      expect(other.chunks[0]).toBeLessThan(1100);
    } finally {
      await r.close();
    }
  });

  it('recycle: a consumer that awaits inside onChunk still reads its own bytes; memory is reused only with recycle, never for a read-ahead', async () => {
    // 1 KiB per partition: about one record batch (~230 messages) per round.
    const r = createKafkaRangeReader({ brokers: config.kafka.brokers, streamPartitionFetchBytes: 1024, fetchClient });
    try {
      // Partition i holds message i*3+p at offset i: value v<n>, key k<n>, header n=<n>. Offsets
      // below 500 are uncompressed batches (values are views of the fetch response), the rest gzip.
      const intact = (m: KafkaMessage): boolean => {
        const n = m.offset * 3 + m.partition;
        return m.value!.toString() === `v${n}` && m.key!.toString() === `k${n}` && m.headers.n!.toString() === String(n);
      };
      /** Where a chunk's values are: per memory (ArrayBuffer), the span of bytes they cover. */
      type Spans = Map<ArrayBufferLike, [number, number][]>;
      const spansOf = (ms: KafkaMessage[]): Spans => {
        const out: Spans = new Map();
        for (const m of ms) {
          const v = m.value!;
          const list = out.get(v.buffer) ?? [];
          const last = list[list.length - 1];
          if (last && v.byteOffset <= last[1] && v.byteOffset + v.length >= last[0]) {
            last[0] = Math.min(last[0], v.byteOffset);
            last[1] = Math.max(last[1], v.byteOffset + v.length);
          } else list.push([v.byteOffset, v.byteOffset + v.length]);
          out.set(v.buffer, list);
        }
        return out;
      };
      /** Whether any value of `ms` is in bytes that a value seen before was in. */
      const overlaps = (ms: KafkaMessage[], seen: Spans): boolean => {
        for (const m of ms) {
          const v = m.value!;
          for (const [lo, hi] of seen.get(v.buffer) ?? []) if (v.byteOffset < hi && v.byteOffset + v.length > lo) return true;
        }
        return false;
      };
      const remember = (seen: Spans, ms: KafkaMessage[]): void => {
        for (const [mem, list] of spansOf(ms)) seen.set(mem, [...(seen.get(mem) ?? []), ...list]);
      };
      /** Streams `ranges`; counts the chunks in bytes an earlier chunk was in, and messages not intact after an await inside the callback. */
      const run = async (ranges: OffsetRange[], recycle: boolean | undefined, seen: Spans = new Map()) => {
        let n = 0;
        let bad = 0;
        let reused = 0;
        const chunks: KafkaMessage[][] = [];
        await r.streamRanges!(
          topic,
          ranges,
          async (ms) => {
            if (overlaps(ms, seen)) reused++;
            // A slow consumer: the next round arrives meanwhile (and must not land in this chunk's memory).
            await new Promise((resolve) => setTimeout(resolve, 10));
            for (const m of ms) if (!intact(m)) bad++;
            n += ms.length;
            remember(seen, ms);
            chunks.push(ms);
          },
          recycle === undefined ? undefined : { recycle },
        );
        return { n, bad, reused, seen, chunks };
      };
      const ranges = [{ partition: 0, from: 0, to: 500 }, { partition: 1, from: 3, to: 500 }, { partition: 2, from: 0, to: 1000 }];
      const recycled = await run(ranges, true);
      expect(recycled.n).toBe(500 + 497 + 1000);
      expect(recycled.bad).toBe(0);
      expect(recycled.chunks.length).toBeGreaterThanOrEqual(3);
      // The direct path reads later rounds into the memory of chunks already consumed.
      if (fetchClient === 'direct') expect(recycled.reused).toBeGreaterThan(0);
      else expect(recycled.reused).toBe(0);

      // Without the opt-in (as readRanges, readAhead and verify): never reused, every message keeps its bytes.
      for (const recycle of [undefined, false]) {
        const plain = await run(ranges, recycle);
        expect(plain).toMatchObject({ n: 500 + 497 + 1000, bad: 0, reused: 0 });
        const again = await run(ranges, recycle, plain.seen);
        expect(again.reused).toBe(0);
        expect(plain.chunks.flat().every(intact)).toBe(true);
      }

      // A read-ahead after a recycled stream, delivered first to a recycled stream of the next
      // ranges: its messages are in memory of their own, never given back, intact after that stream.
      const before = await run([{ partition: 0, from: 0, to: 200 }, { partition: 1, from: 0, to: 200 }], true);
      r.readAhead!(topic, { 0: 200, 1: 200 }, { 0: 150, 1: 150 });
      const next = [{ partition: 0, from: 200, to: 500 }, { partition: 1, from: 200, to: 500 }];
      const after = await run(next, true, new Map(before.seen));
      expect(after).toMatchObject({ n: 600, bad: 0 });
      const ahead = after.chunks[0]!;
      expect(ahead).toHaveLength(300);
      expect(overlaps(ahead, before.seen)).toBe(false);
      expect(ahead.every(intact)).toBe(true);
    } finally {
      await r.close();
    }
  });

  it('fails with the topic and range when a range goes past the high watermark', async () => {
    await expect(reader.readRanges(topic, [{ partition: 0, from: 990, to: 1010 }])).rejects.toThrow(new RegExp(`${topic}.*high watermark is 1000`));
  });
});

describe('direct fetch path: partition leaders kept between reads (real Kafka)', () => {
  it('reads a partition added to the topic after its leaders were kept (looked up again on a miss, or after the reset of a failed read)', async () => {
    const topic = uniqueName('floe_test_leaders');
    await createTopic(topic, 1);
    await send(topic, [0, 1, 2].map((i) => ({ partition: 0, key: `k${i}`, value: `v${i}` })));
    const reader = createKafkaRangeReader({ brokers: config.kafka.brokers, fetchClient: 'direct' });
    try {
      expect((await reader.readRanges(topic, [{ partition: 0, from: 0, to: 3 }])).map((m) => m.value!.toString())).toEqual(['v0', 'v1', 'v2']);
      const admin = kafka().admin();
      await admin.connect();
      try {
        await admin.createPartitions({ topicPartitions: [{ topic, count: 2 }] });
      } finally {
        await admin.disconnect();
      }
      await send(topic, [{ partition: 1, key: 'k9', value: 'v9' }]);
      const ms = await reader.readRanges(topic, [{ partition: 0, from: 1, to: 3 }, { partition: 1, from: 0, to: 1 }]);
      expect(ms.map((m) => `${m.partition}@${m.offset}=${m.value!.toString()}`)).toEqual(['0@1=v1', '0@2=v2', '1@0=v9']);
    } finally {
      await reader.close();
    }
  });
});
