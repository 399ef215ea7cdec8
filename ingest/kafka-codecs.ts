// What reading a Kafka record batch needs beyond Node.js's own zlib: the CRC-32C that every
// batch carries (Node 20 has no CRC-32C) and zstd decompression (Node.js has it only from 22.15).
// Both come from the Rust addon when it is built (hardware CRC, the zstd library itself), else
// from WebAssembly (@platformatic/wasm-utils, which the simulator writes batches with) and fzstd,
// a pure-JavaScript zstd decoder.
import { crc32c as wasmCrc32c } from '@platformatic/wasm-utils';
import { decompress as fzstdDecompress } from 'fzstd';
import { loadNativeAddon } from '../native/addon.js';

interface CodecAddon {
  crc32c(data: Uint8Array, at: number, end: number): number;
  zstdDecompress(data: Uint8Array): Buffer;
}

const addon = (): CodecAddon | undefined => loadNativeAddon<CodecAddon>().addon;

/** CRC-32C (Castagnoli) of `data[at, end)`. */
export function crc32c(data: Uint8Array, at = 0, end = data.length): number {
  const a = addon();
  return a ? a.crc32c(data, at, end) : wasmCrc32c(data.subarray(at, end)) >>> 0;
}

/** The decompressed records of a zstd-compressed record batch. */
export function zstdDecompress(data: Uint8Array): Buffer {
  const a = addon();
  if (a) return a.zstdDecompress(data);
  const out = fzstdDecompress(data);
  return Buffer.from(out.buffer, out.byteOffset, out.byteLength);
}
