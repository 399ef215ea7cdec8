import { describe, expect, it } from 'vitest';
import { compareOffsets } from '../../../ingest/verify.js';
import { faultHookFromEnv } from '../../integration/ingest/faults-hook.js';

const kafka = (p: number, from: number, to: number) => Array.from({ length: to - from }, (_, i) => ({ partition: p, offset: from + i }));

describe('compareOffsets', () => {
  const ranges = [{ partition: 0, from: 10, to: 15 }, { partition: 1, from: 0, to: 3 }];

  it('holds when every offset is in exactly one table', () => {
    const rows = [
      ...[10, 11, 13, 14].map((o) => ({ partition: 0, offset: o, table: 'raw' as const })),
      { partition: 0, offset: 12, table: 'dlq' as const },
      ...[0, 1, 2].map((o) => ({ partition: 1, offset: o, table: 'raw' as const })),
      { partition: 0, offset: 99, table: 'raw' as const }, // outside the span: ignored
    ];
    const r = compareOffsets('t', ranges, [...kafka(0, 10, 15), ...kafka(1, 0, 3)], rows);
    expect(r).toMatchObject({ ok: true, kafkaMessages: 8, rawRows: 7, dlqRows: 1, missing: [], extra: [] });
  });

  it('lists missing offsets, duplicates, rows in both tables and rows Kafka does not have', () => {
    const rows = [
      { partition: 0, offset: 10, table: 'raw' as const },
      { partition: 0, offset: 10, table: 'raw' as const },
      { partition: 0, offset: 11, table: 'raw' as const },
      { partition: 0, offset: 11, table: 'dlq' as const },
      { partition: 1, offset: 1, table: 'dlq' as const },
    ];
    // offset 1:1 is not in Kafka (e.g. a compacted or aborted record)
    const r = compareOffsets('t', ranges, [...kafka(0, 10, 13), { partition: 1, offset: 0 }], rows);
    expect(r.ok).toBe(false);
    expect(r.missing).toEqual([{ partition: 0, offset: 12 }, { partition: 1, offset: 0 }]);
    expect(r.extra).toEqual([
      { partition: 0, offset: 10, table: 'raw', count: 2 },
      { partition: 0, offset: 11, table: 'raw', count: 2 },
      { partition: 1, offset: 1, table: 'dlq', count: 1 },
    ]);
  });
});

describe('faultHookFromEnv', () => {
  it('is off without FLOE_INGEST_FAULT and rejects an unknown point by name', () => {
    expect(faultHookFromEnv({})).toBeUndefined();
    expect(() => faultHookFromEnv({ FLOE_INGEST_FAULT: 'mid-air' })).toThrow(/FLOE_INGEST_FAULT="mid-air".*before-upload/);
  });
  it('does not fire at other points, nor once its marker exists', async () => {
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const marker = join(mkdtempSync(join(tmpdir(), 'floe-fault-unit-')), 'm');
    writeFileSync(marker, 'fired');
    const hook = faultHookFromEnv({ FLOE_INGEST_FAULT: 'after-commit', FLOE_INGEST_FAULT_MARKER: marker })!;
    expect(hook('after-commit', 'b-1')).toBeUndefined(); // marker present: no exit
    const hook2 = faultHookFromEnv({ FLOE_INGEST_FAULT: 'after-commit' })!;
    expect(hook2('before-upload', 'b-1')).toBeUndefined(); // other point: no exit
  });
});
