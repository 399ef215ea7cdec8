// An in-memory Kafka topic for unit tests of the batch activity: partition -> messages at
// consecutive offsets from 0, read back by range.
import type { KafkaMessage, RangeReader } from '../../../ingest/kafka.js';
import type { OffsetRange } from '../../../models/offsets.js';

export class FakeReader implements RangeReader {
  /** readRanges calls so far. */
  reads = 0;
  constructor(readonly parts: Map<number, KafkaMessage[]>) {}
  async watermarks() {
    return [...this.parts].map(([partition, ms]) => ({ partition, low: 0, high: ms.length }));
  }
  async offsetsForTime(): Promise<Record<number, number>> {
    throw new Error('not used');
  }
  async readRanges(_topic: string, ranges: OffsetRange[]) {
    this.reads++;
    return ranges.flatMap((r) => this.parts.get(r.partition)!.slice(r.from, r.to));
  }
  async close() {}
}
