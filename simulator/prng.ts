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

/** Acklam's rational approximation of the standard normal quantile (relative error < 1.2e-9). */
export function normalQuantile(p: number): number {
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const pl = 0.02425;
  if (p < pl) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) / ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  }
  if (p > 1 - pl) return -normalQuantile(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) / (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1);
}

/** 2^16 + 1 quantiles at (i + 0.5) / 2^16, the last repeated so interpolation needs no bounds check. */
const NORMAL_TABLE = (() => {
  const n = 65536;
  const t = new Float64Array(n + 1);
  for (let i = 0; i < n; i++) t[i] = normalQuantile((i + 0.5) / n);
  t[n] = t[n - 1]!;
  return t;
})();

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

  /**
   * Standard normal, by inverse-CDF table lookup with linear interpolation (one 32-bit draw;
   * several times cheaper than Box-Muller). Tails are cut at about ±4.4σ, which keeps healthy
   * simulated readings inside their normal ranges.
   */
  normal(): number {
    const u = this.nextUint32();
    const i = u >>> 16;
    const lo = NORMAL_TABLE[i]!;
    return lo + (NORMAL_TABLE[i + 1]! - lo) * ((u & 0xffff) / 65536);
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
