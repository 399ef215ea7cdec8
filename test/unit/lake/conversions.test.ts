import { describe, expect, it } from 'vitest';
import { fromBytes, toBytes, truncateUpper } from '../../../lake/conversions.js';
import { compareStrings } from '../../../lake/values.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('single-value binary serialization', () => {
  it('encodes numbers little-endian', () => {
    expect(hex(toBytes('int', 1))).toBe('01000000');
    expect(hex(toBytes('int', -1))).toBe('ffffffff');
    expect(hex(toBytes('date', -1))).toBe('ffffffff');
    expect(hex(toBytes('long', 2n ** 60n + 1n))).toBe('0100000000000010');
    expect(hex(toBytes('timestamptz', -1n))).toBe('ffffffffffffffff');
    expect(hex(toBytes('double', 1))).toBe('000000000000f03f');
    expect(hex(toBytes('float', 1))).toBe('0000803f');
    expect(hex(toBytes('boolean', true))).toBe('01');
  });

  it('encodes strings as UTF-8 without length prefix', () => {
    expect(hex(toBytes('string', 'é😀'))).toBe('c3a9f09f9880');
  });

  it('round-trips every type', () => {
    const cases = [['int', -42], ['long', -(2n ** 63n)], ['double', -0.5], ['float', 0.25], ['date', -25508], ['timestamp', 123456789n], ['string', 'ünïcode'], ['boolean', false]] as const;
    for (const [t, v] of cases) expect(fromBytes(t, toBytes(t, v))).toEqual(v);
  });

  it('truncates upper bounds by incrementing the last kept code point', () => {
    expect(truncateUpper('abc', 16)).toBe('abc');
    expect(truncateUpper('aaaaaaaaaaaaaaaaZZ', 16)).toBe('aaaaaaaaaaaaaaab');
    expect(truncateUpper('\u{10FFFF}\u{10FFFF}x', 2)).toBeUndefined();
  });

  it('orders strings by code point like Iceberg, not by UTF-16 unit', () => {
    expect(compareStrings('\uFFFF', '😀')).toBeLessThan(0);
    expect('\uFFFF' < '😀').toBe(false);
    expect(compareStrings('a', 'b')).toBeLessThan(0);
    expect(compareStrings('ab', 'a')).toBeGreaterThan(0);
  });
});
