import { describe, expect, it } from 'vitest';
import { createKafkaRangeReader, FETCH_CLIENTS, type FetchClient } from '../../../ingest/kafka.js';

describe('kafka range reader: fetch paths', () => {
  it('has one production path and one fallback; any other name is refused with the names it takes', () => {
    expect(FETCH_CLIENTS).toEqual(['direct', 'platformatic']);
    expect(() => createKafkaRangeReader({ brokers: ['127.0.0.1:1'], fetchClient: 'kafkajs' as FetchClient })).toThrow('fetchClient "kafkajs": expected one of direct, platformatic');
  });

  it('streams encoded record runs (for the addon) only on the direct path; both stream messages and read ahead', async () => {
    // Nothing connects before the first read.
    const direct = createKafkaRangeReader({ brokers: ['127.0.0.1:1'] });
    const fallback = createKafkaRangeReader({ brokers: ['127.0.0.1:1'], fetchClient: 'platformatic' });
    expect([typeof direct.streamRecords, typeof direct.streamRanges, typeof direct.readAhead]).toEqual(['function', 'function', 'function']);
    expect([typeof fallback.streamRecords, typeof fallback.streamRanges, typeof fallback.readAhead]).toEqual(['undefined', 'function', 'function']);
    await direct.close();
    await fallback.close();
  });
});
