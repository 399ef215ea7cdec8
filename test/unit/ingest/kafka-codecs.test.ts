import { describe, expect, it } from 'vitest';
import { crc32c as wasmCrc32c } from '@platformatic/wasm-utils';
import { decompress as fzstd } from 'fzstd';
import { crc32c, zstdDecompress } from '../../../ingest/kafka-codecs.js';
import { nativeAddon } from '../../../ingest/native.js';

// Made with the zstd command-line tool: one frame with its content size and checksum, and one
// without either (as streaming producers write them).
const FRAMES = [
  ['KLUv/QRo9QEAskMNEaBvCDl62zmkaVUjs9+4+xcm2QxSTn+kM8WH7meHJqK+92ln6BWr743B+UinZQv4lBf8aysBAItBCgrClHtu', 'floe zstd fixture: {"device_id":"dev-1","temperature":21.5} {"device_id":"dev-1","temperature":21.5}'],
  ['KLUv/QBYiQAAZmxvZSB6c3RkIGZpeHR1cmU=', 'floe zstd fixture'],
] as const;

describe('Kafka record batch codecs', () => {
  it('CRC-32C: the standard check value, and the addon agrees with WebAssembly on every length and offset', () => {
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283);
    const data = Buffer.alloc(4099);
    for (let i = 0; i < data.length; i++) data[i] = (i * 2654435761) >>> 24;
    for (const [at, end] of [[0, 0], [0, 1], [3, 70], [1, 4099], [17, 4000]] as const) {
      expect(crc32c(data, at, end)).toBe(wasmCrc32c(data.subarray(at, end)) >>> 0);
    }
  });

  it('zstd: frames with and without content size decompress, through the addon and through fzstd alike', () => {
    for (const [b64, text] of FRAMES) {
      const frame = Buffer.from(b64, 'base64');
      expect(zstdDecompress(frame).toString()).toBe(text);
      expect(Buffer.from(fzstd(frame)).toString()).toBe(text);
    }
  });

  it('the addon names a range outside its buffer and a broken zstd frame', () => {
    const { addon } = nativeAddon();
    if (!addon) return expect(addon).toBeUndefined(); // no cargo on this machine: the WebAssembly path above
    expect(() => crc32c(Buffer.alloc(4), 2, 9)).toThrow(/range \[2, 9\) is outside a buffer of 4 bytes/);
    expect(() => zstdDecompress(Buffer.from('not zstd at all'))).toThrow(/zstd/);
  });
});
