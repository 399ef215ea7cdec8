import { describe, expect, it } from 'vitest';
import { commitBatch, rawSummaryOf } from '../../../../ingest/stages/commit.js';
import { positionKey } from '../../../../ingest/stages/plan-check.js';
import { conflict, input, RecordingLake, TOPIC } from './fixtures.js';

const ranges = [{ partition: 1, from: 10, to: 20 }];
const counts = { messages: 10, bytes: 4_999, rows: 8, rejects: 2 };
const files = { raw: ['r1'], dlq: ['d1'] };

describe('commit stage', () => {
  it('summarises every partition position (not only the batch\'s), the batch, and its counts', () => {
    const s = rawSummaryOf(input(ranges), { [positionKey(TOPIC, 0)]: '7', [positionKey(TOPIC, 1)]: '10', [positionKey('other', 0)]: '99' }, counts);
    expect(s).toEqual({
      [positionKey(TOPIC, 0)]: '7',
      [positionKey(TOPIC, 1)]: '20',
      'floe.ingest.batch-id': input(ranges).batchId,
      'floe.ingest.ranges': '1:10-20',
      'floe.ingest.avg-message-bytes': '500',
      'floe.ingest.rows': '8',
      'floe.ingest.rejects': '2',
      'floe.ingest.messages-in-ranges': '10',
    });
  });

  it('commits RAW and DLQ files in one commit on the head it checked', async () => {
    const lake = new RecordingLake();
    const r = await commitBatch({ lake, log: () => undefined }, input(ranges), await lake.readCommitted(), files, counts);
    expect(r).toEqual({ outcome: 'committed', hash: 'h1', snapshotId: '1' });
    expect(lake.commits).toHaveLength(1);
    expect(lake.commits[0]).toMatchObject({ expectedHash: 'h0', raw: ['r1'], dlq: ['d1'], message: expect.stringContaining('8 rows, 2 rejects') });
  });

  it('re-reads after a conflict and commits on the new head', async () => {
    const lake = new RecordingLake();
    lake.commitErrors = [conflict()];
    lake.onConflict = () => (lake.head = 'h-other');
    const logs: string[] = [];
    const r = await commitBatch({ lake, log: (m) => logs.push(m) }, input(ranges), await lake.readCommitted(), files, counts);
    expect(r.outcome).toBe('committed');
    expect(lake.commits[0]!.expectedHash).toBe('h-other');
    expect(logs).toEqual(['commit conflict, re-reading']);
  });

  it('stops when a conflicting commit turns out to be this very batch (a zombie attempt)', async () => {
    const lake = new RecordingLake();
    lake.commitErrors = [conflict()];
    lake.onConflict = () => (lake.summary = { [positionKey(TOPIC, 1)]: '20' });
    const r = await commitBatch({ lake, log: () => undefined }, input(ranges), await lake.readCommitted(), files, counts);
    expect(r.outcome).toBe('already-committed');
    expect(lake.commits).toHaveLength(0);
  });

  it('gives up after maxAttempts conflicts, and never retries another error', async () => {
    const lake = new RecordingLake();
    lake.commitErrors = [conflict(), conflict(), conflict()];
    await expect(commitBatch({ lake, log: () => undefined, maxAttempts: 3 }, input(ranges), await lake.readCommitted(), files, counts)).rejects.toThrow(/conflict/);
    expect(lake.commitErrors).toHaveLength(0);
    lake.commitErrors = [new Error('S3 down'), conflict()];
    await expect(commitBatch({ lake, log: () => undefined }, input(ranges), await lake.readCommitted(), files, counts)).rejects.toThrow('S3 down');
    expect(lake.commitErrors).toHaveLength(1);
  });
});
