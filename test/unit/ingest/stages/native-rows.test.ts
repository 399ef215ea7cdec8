import { describe, expect, it } from 'vitest';
import { checkDetailWording, NativeDisagreement, rejectionOfDetail, runDescriptors } from '../../../../ingest/stages/native-rows.js';
import { DETAIL } from '../../../../ingest/native.js';
import type { RecordRun } from '../../../../ingest/kafka.js';
import type { RecordBatchRef } from '../../../../ingest/kafka-fetch.js';
import { validateTelemetry } from '../../../../models/telemetry.js';
import { event, messages, registry } from './fixtures.js';

const run = (src: Buffer, partition: number, at: number, end: number): RecordRun => ({ batch: { src, partition, at, end, baseOffset: 100, count: 1 } as unknown as RecordBatchRef, lo: 100, hi: 101 });

describe('read and validate stage through the addon: NativeRows helpers', () => {
  it('describes runs over one buffer once each, and copies a small slice of a shared buffer', () => {
    const big = Buffer.alloc(Buffer.poolSize * 3);
    const a = big.subarray(0, Buffer.poolSize + 10);
    const b = big.subarray(Buffer.poolSize + 10);
    const small = Buffer.from('tiny pooled bytes');
    const seen: number[] = [];
    const d = runDescriptors([run(a, 0, 1, 9), run(b, 1, 2, 5), run(small, 2, 0, 4)], (p) => seen.push(p));
    expect(seen).toEqual([0, 1, 2]);
    expect(d.buffers).toHaveLength(2);
    expect(d.buffers[0]!.buffer).toBe(big.buffer);
    expect(d.buffers[1]!.buffer).not.toBe(small.buffer);
    expect([...d.bases]).toEqual([a.byteOffset, b.byteOffset, 0]);
    expect([...d.desc.subarray(7, 14)]).toEqual([0, b.byteOffset + 2, b.byteOffset + 5, 100, 100, 101, 1]);
    expect([...d.desc.subarray(14, 21)]).toEqual([1, 0, 4, 100, 100, 101, 2]);
  });

  it('words an unregistered device from its detail as the validator words it, and refuses a registered one', () => {
    const ghost = event('2026-01-01T10:00:00Z', { device_id: 'ghost' });
    const [m] = messages(0, [ghost]);
    const text = m!.value!.toString();
    const at = text.indexOf('"ghost"') + 1;
    const detail = new Float64Array([DETAIL.unregistered, 0, DETAIL.string, at, at + 5]);
    const v = rejectionOfDetail(m!, detail, 0, registry);
    expect(v).toMatchObject({ ok: false, kind: 'unknown_device', errorPath: '$.device_id' });
    expect(() => checkDetailWording(m!, v, registry, validateTelemetry)).not.toThrow();
    expect(() => rejectionOfDetail(m!, detail, 0, new Set(['ghost']))).toThrow(NativeDisagreement);
  });

  it('refuses a detail whose wording differs from the whole message\'s validation', () => {
    const [m] = messages(0, [event('2026-01-01T10:00:00Z', { device_id: 'ghost', temperature: 9999 })]);
    const v = { ok: false as const, kind: 'unknown_device', errorPath: '$.device_id', errorMessage: 'other words' };
    expect(() => checkDetailWording(m!, v as never, registry, validateTelemetry)).toThrow(/worded "other words" from its detail/);
  });
});
