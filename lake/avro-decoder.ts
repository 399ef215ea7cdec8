// A schema-driven Avro binary decoder for reading manifests and manifest lists fast. avsc
// decodes a custom BigInt long by unpacking every value into a fresh 8-byte Buffer, which made
// a 10,000-file listing spend most of its time allocating and collecting garbage. This decoder
// is compiled once per writer schema into closures and:
// - decodes a long exactly: a JS number when |v| <= 2^53 - 1, a bigint otherwise (never rounded);
// - decodes Iceberg's int-keyed maps (arrays of key/value records with `logicalType: map`) and
//   Avro maps straight into a JS Map;
// - skips fields a caller does not need (`project`) without allocating anything for them.

export type AvroValue = null | boolean | number | bigint | string | Uint8Array | AvroValue[] | Map<unknown, AvroValue> | { [k: string]: AvroValue };

export class AvroDecodeError extends Error {}

/** Cursor over one block of Avro binary data. */
export class AvroCursor {
  pos = 0;
  readonly buf: Uint8Array;
  constructor(buf: Uint8Array) {
    // A plain Uint8Array view, so bytes values are Uint8Array copies (a Buffer's slice is a Buffer view).
    this.buf = Buffer.isBuffer(buf) ? new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength) : buf;
  }

  check(): void {
    if (this.pos > this.buf.length) throw new AvroDecodeError(`Avro data truncated (read to byte ${this.pos} of ${this.buf.length})`);
  }
}

type Decode = (c: AvroCursor) => AvroValue;
type Skip = (c: AvroCursor) => void;

/**
 * Reads a zig-zag varint long. Up to 7 bytes (|v| < 2^48) float arithmetic is exact; longer
 * values are assembled as bigint and returned as a number only if that is exact.
 */
export function readLong(c: AvroCursor): number | bigint {
  const buf = c.buf;
  let pos = c.pos;
  let b = buf[pos++]!;
  let n = b & 0x7f;
  if (b < 0x80) {
    c.pos = pos;
    return (n >>> 1) ^ -(n & 1);
  }
  let mul = 128;
  let k = 1;
  do {
    b = buf[pos++]!;
    n += (b & 0x7f) * mul;
    mul *= 128;
    k++;
  } while (b & 0x80 && k < 7);
  if (!(b & 0x80)) {
    c.pos = pos;
    // n < 2^49 here: exact in a double.
    return n % 2 === 1 ? -(n + 1) / 2 : n / 2;
  }
  // 8 to 10 bytes: rebuild exactly as an unsigned 64-bit bigint, then un-zig-zag.
  const start = c.pos;
  let big = 0n;
  let shift = 0n;
  pos = start;
  do {
    if (pos - start >= 10) throw new AvroDecodeError(`Avro long longer than 10 bytes at byte ${start}`);
    if (pos >= buf.length) throw new AvroDecodeError(`Avro data truncated inside a long at byte ${start}`);
    b = buf[pos++]!;
    big |= BigInt(b & 0x7f) << shift;
    shift += 7n;
  } while (b & 0x80);
  c.pos = pos;
  big = BigInt.asUintN(64, big);
  const v = (big >> 1n) ^ -(big & 1n);
  return v >= -9007199254740991n && v <= 9007199254740991n ? Number(v) : v;
}

function readInt(c: AvroCursor): number {
  const v = readLong(c);
  if (typeof v !== 'number' || v < -2147483648 || v > 2147483647) throw new AvroDecodeError(`Avro int out of range at byte ${c.pos}`);
  return v;
}

function readLength(c: AvroCursor): number {
  const n = readLong(c);
  if (typeof n !== 'number' || n < 0 || c.pos + n > c.buf.length) throw new AvroDecodeError(`invalid Avro length ${String(n)} at byte ${c.pos}`);
  return n;
}

function skipVarint(c: AvroCursor): void {
  const buf = c.buf;
  let pos = c.pos;
  while (buf[pos++]! & 0x80) { /* continuation */ }
  c.pos = pos;
}

const utf8 = new TextDecoder('utf-8');

function readString(c: AvroCursor): string {
  const n = readLength(c);
  const buf = c.buf;
  const start = c.pos;
  c.pos += n;
  // Short ASCII strings (most names and paths) are faster by hand than through TextDecoder.
  if (n < 64) {
    let s = '';
    for (let i = start; i < start + n; i++) {
      const ch = buf[i]!;
      if (ch >= 0x80) return utf8.decode(buf.subarray(start, start + n));
      s += String.fromCharCode(ch);
    }
    return s;
  }
  return utf8.decode(buf.subarray(start, start + n));
}

function readBytes(c: AvroCursor): Uint8Array {
  const n = readLength(c);
  // A view, not a copy: bounds are small and many; the block they point into is immutable.
  const out = c.buf.subarray(c.pos, c.pos + n);
  c.pos += n;
  return out;
}

function skipBytes(c: AvroCursor): void {
  const n = readLength(c); // read first: `c.pos += readLength(c)` would lose the length's own bytes
  c.pos += n;
}

/** Reads Avro's block-encoded arrays and maps: calls `item` once per element. */
function readBlocks(c: AvroCursor, item: () => void): void {
  for (;;) {
    let count = readLong(c);
    if (typeof count !== 'number') throw new AvroDecodeError(`invalid Avro block count at byte ${c.pos}`);
    if (count === 0) return;
    if (count < 0) {
      count = -count;
      readLong(c); // block size in bytes, only useful for skipping
    }
    for (let i = 0; i < count; i++) item();
    c.check();
  }
}

type Schema = string | Schema[] | { type: Schema; [k: string]: unknown };

interface Compiled {
  decode: Decode;
  skip: Skip;
}

export interface CompileOptions {
  /** Whether to decode the field at a dotted path (e.g. `data_file.split_offsets`); skipped fields are absent. */
  project?: (path: string) => boolean;
  /** Whether the long values of the Iceberg int map at a dotted path decode as bigint (counts, sizes). */
  bigIntMapValues?: (path: string) => boolean;
}

function readLongAsBigInt(c: AvroCursor): bigint {
  const v = readLong(c);
  return typeof v === 'bigint' ? v : BigInt(v);
}

/**
 * Compiles a decoder for an Avro schema (the writer's, as found in the file header).
 * Longer than this project's ~120-line guide on purpose: one recursive switch over Avro's
 * schema kinds, each case a few lines, read as one table of how each kind decodes and skips.
 */
export function compileDecoder(schema: unknown, opts: CompileOptions = {}): Decode {
  const named = new Map<string, Compiled>();
  const project = opts.project ?? (() => true);

  function compile(s: Schema, path: string, namespace: string | undefined): Compiled {
    if (typeof s === 'string') {
      switch (s) {
        case 'null': return { decode: () => null, skip: () => {} };
        case 'boolean': return { decode: (c) => c.buf[c.pos++] !== 0, skip: (c) => { c.pos++; } };
        case 'int': return { decode: readInt, skip: skipVarint };
        case 'long': return { decode: readLong, skip: skipVarint };
        case 'float': return {
          decode: (c) => { const v = new DataView(c.buf.buffer, c.buf.byteOffset + c.pos, 4).getFloat32(0, true); c.pos += 4; return v; },
          skip: (c) => { c.pos += 4; },
        };
        case 'double': return {
          decode: (c) => { const v = new DataView(c.buf.buffer, c.buf.byteOffset + c.pos, 8).getFloat64(0, true); c.pos += 8; return v; },
          skip: (c) => { c.pos += 8; },
        };
        case 'bytes': return { decode: readBytes, skip: skipBytes };
        case 'string': return { decode: readString, skip: skipBytes };
        default: {
          const ref = named.get(s) ?? (namespace ? named.get(`${namespace}.${s}`) : undefined);
          if (!ref) throw new AvroDecodeError(`unknown Avro type ${JSON.stringify(s)}`);
          // Late-bound so recursive types work.
          return { decode: (c) => ref.decode(c), skip: (c) => ref.skip(c) };
        }
      }
    }
    if (Array.isArray(s)) {
      const branches = s.map((b) => compile(b, path, namespace));
      return {
        decode: (c) => {
          const i = readLong(c) as number;
          const b = branches[i];
          if (!b) throw new AvroDecodeError(`Avro union branch ${i} out of range at byte ${c.pos}`);
          return b.decode(c);
        },
        skip: (c) => {
          const i = readLong(c) as number;
          const b = branches[i];
          if (!b) throw new AvroDecodeError(`Avro union branch ${i} out of range at byte ${c.pos}`);
          b.skip(c);
        },
      };
    }
    const t = s.type;
    if (typeof t !== 'string') return compile(t, path, namespace);
    switch (t) {
      case 'record':
      case 'error': {
        const name = String(s.name);
        const ns = name.includes('.') ? name.slice(0, name.lastIndexOf('.')) : ((s.namespace as string | undefined) ?? namespace);
        const fullName = name.includes('.') || !ns ? name : `${ns}.${name}`;
        const self: Compiled = { decode: () => null, skip: () => {} };
        named.set(fullName, self);
        if (fullName !== name) named.set(name, self);
        const fields = (s.fields as { name: string; type: Schema }[]).map((f) => {
          const fpath = path ? `${path}.${f.name}` : f.name;
          const keep = project(fpath);
          return { name: f.name, keep, ...compile(f.type, fpath, ns) };
        });
        const n = fields.length;
        self.decode = (c) => {
          const out: Record<string, AvroValue> = {};
          for (let i = 0; i < n; i++) {
            const f = fields[i]!;
            if (f.keep) out[f.name] = f.decode(c);
            else f.skip(c);
          }
          return out;
        };
        self.skip = (c) => {
          for (let i = 0; i < n; i++) fields[i]!.skip(c);
        };
        return self;
      }
      case 'enum': {
        const symbols = s.symbols as string[];
        const self: Compiled = { decode: (c) => symbols[readInt(c)] ?? null, skip: skipVarint };
        named.set(String(s.name), self);
        return self;
      }
      case 'fixed': {
        const size = Number(s.size);
        const self: Compiled = {
          decode: (c) => { const v = c.buf.slice(c.pos, c.pos + size); c.pos += size; return v; },
          skip: (c) => { c.pos += size; },
        };
        named.set(String(s.name), self);
        return self;
      }
      case 'array': {
        const items = s.items as Schema;
        const itemRecord = typeof items === 'object' && !Array.isArray(items) && items.type === 'record' ? (items as unknown as { fields: { name: string; type: Schema }[] }) : undefined;
        const isIcebergMap = s.logicalType === 'map' && itemRecord?.fields.length === 2 && itemRecord.fields[0]!.name === 'key' && itemRecord.fields[1]!.name === 'value';
        const item = compile(items, path, namespace);
        if (isIcebergMap) {
          // Decode into a Map directly rather than an array of {key, value} objects.
          const key = compile(itemRecord.fields[0]!.type, path, namespace);
          const valueType = itemRecord.fields[1]!.type;
          const value = valueType === 'long' && opts.bigIntMapValues?.(path) ? { decode: readLongAsBigInt, skip: skipVarint } : compile(valueType, path, namespace);
          return {
            decode: (c) => {
              const m = new Map<unknown, AvroValue>();
              readBlocks(c, () => { const k = key.decode(c); m.set(k, value.decode(c)); });
              return m;
            },
            skip: (c) => readBlocks(c, () => item.skip(c)),
          };
        }
        return {
          decode: (c) => {
            const out: AvroValue[] = [];
            readBlocks(c, () => { out.push(item.decode(c)); });
            return out;
          },
          skip: (c) => readBlocks(c, () => item.skip(c)),
        };
      }
      case 'map': {
        const values = compile(s.values as Schema, path, namespace);
        return {
          decode: (c) => {
            const m = new Map<unknown, AvroValue>();
            readBlocks(c, () => { const k = readString(c); m.set(k, values.decode(c)); });
            return m;
          },
          skip: (c) => readBlocks(c, () => { skipBytes(c); values.skip(c); }),
        };
      }
      default:
        // A primitive written as {"type": "long", "logicalType": ...}.
        return compile(t, path, namespace);
    }
  }

  return compile(schema as Schema, '', undefined).decode;
}

/** Exact bigint from a decoded long (number or bigint). */
export function toBigInt(v: unknown): bigint {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number' && Number.isSafeInteger(v)) return BigInt(v);
  throw new AvroDecodeError(`expected an Avro long, got ${typeof v} ${String(v)}`);
}
