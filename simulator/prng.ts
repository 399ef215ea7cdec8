// Seeded randomness for the simulator: same seed, same messages. sfc32 (128-bit state, fast,
// passes PractRand) seeded through a string hash, so `--seed demo` and `--seed 42` both work.
// Math.random is never used.

function xmur3(str: string): () => number {
  let h = 1779033703 ^ str.length;
  for (let i = 0; i < str.length; i++) {
    h = Math.imul(h ^ str.charCodeAt(i), 3432918353);
    h = (h << 13) | (h >>> 19);
  }
  return () => {
    h = Math.imul(h ^ (h >>> 16), 2246822507);
    h = Math.imul(h ^ (h >>> 13), 3266489909);
    return (h ^= h >>> 16) >>> 0;
  };
}

const HEX_DIGITS = [48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 97, 98, 99, 100, 101, 102];
const UUID_BUF = Buffer.from('00000000-0000-0000-0000-000000000000', 'latin1');

function put(b: Buffer, at: number, word: number, digits: number): void {
  for (let i = digits - 1; i >= 0; i--) {
    b[at + i] = HEX_DIGITS[word & 0xf]!;
    word >>>= 4;
  }
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

export class Prng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  private spareNormal: number | undefined;

  constructor(seed: string | number) {
    const h = xmur3(String(seed));
    this.a = h();
    this.b = h();
    this.c = h();
    this.d = h();
    for (let i = 0; i < 15; i++) this.nextUint32();
  }

  /** A uniformly distributed 32-bit unsigned integer. */
  nextUint32(): number {
    let { a, b, c, d } = this;
    a >>>= 0; b >>>= 0; c >>>= 0; d >>>= 0;
    let t = (a + b) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    d = (d + 1) | 0;
    t = (t + d) | 0;
    c = (c + t) | 0;
    this.a = a; this.b = b; this.c = c; this.d = d;
    return t >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Uniform in [lo, hi). */
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  /** Uniform integer in [lo, hi] (inclusive). */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('Prng.pick: empty list');
    return items[Math.floor(this.next() * items.length)]!;
  }

  /** Standard normal (Box-Muller, both values used). */
  normal(): number {
    if (this.spareNormal !== undefined) {
      const s = this.spareNormal;
      this.spareNormal = undefined;
      return s;
    }
    let u = 0;
    while (u === 0) u = this.next();
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spareNormal = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** A random (version 4, RFC 4122 variant) UUID drawn from this generator. */
  uuid(): string {
    const w0 = this.nextUint32();
    const w1 = (this.nextUint32() & 0xffff0fff) | 0x00004000;
    const w2 = (this.nextUint32() & 0x3fffffff) | 0x80000000;
    const w3 = this.nextUint32();
    const b = UUID_BUF;
    put(b, 0, w0, 8);
    put(b, 9, w1 >>> 16, 4);
    put(b, 14, w1 & 0xffff, 4);
    put(b, 19, w2 >>> 16, 4);
    put(b, 24, w2 & 0xffff, 4);
    put(b, 28, w3, 8);
    // toString gives a flat string: concatenation would leave a rope the manifest then retains.
    return b.toString('latin1', 0, 36);
  }

  /** `n` random hex characters. */
  hex(n: number): string {
    let s = '';
    while (s.length < n) s += HEX[this.nextUint32() & 0xff];
    return s.slice(0, n);
  }
}
