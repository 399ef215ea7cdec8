import { describe, it, expect } from 'vitest';
import { createHash } from 'node:crypto';
import { sortEventIds, eventIdsSha256 } from '../../../simulator/manifest.js';
import { Prng } from '../../../simulator/prng.js';

const naiveSha = (ids: string[]) => createHash('sha256').update([...ids].sort().join('\n')).digest('hex');

describe('event id order and digest', () => {
  const r = new Prng('manifest');
  const uuids = Array.from({ length: 30_000 }, () => r.uuid());
  // Duplicates (resends) stay in, once per send.
  uuids.push(uuids[7]!, uuids[7]!, uuids[29_999]!);

  it('sorts generated UUIDs exactly as Array#sort does', () => {
    expect(sortEventIds(uuids)).toEqual([...uuids].sort());
  });
  it('falls back to a plain sort for ids that are not lowercase hex', () => {
    for (const odd of [['B', 'a', '0'], ['ab', 'a', ''], ['zz-1', 'ffe', 'ff'], ['ü1', '01', 'Ab']]) {
      const ids = [...uuids.slice(0, 50), ...odd];
      expect(sortEventIds(ids)).toEqual([...ids].sort());
    }
  });
  it('hashes the sorted, newline-joined ids (the manifest’s rawEventIdsSha256)', () => {
    expect(eventIdsSha256(uuids)).toBe(naiveSha(uuids));
    expect(eventIdsSha256(uuids.slice(0, 1))).toBe(naiveSha(uuids.slice(0, 1)));
    expect(eventIdsSha256([])).toBe(naiveSha([]));
  });
});
