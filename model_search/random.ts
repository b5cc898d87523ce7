/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * A seeded random source (xoshiro128**), so that searches, samplers and
 * shuffles are reproducible from one seed and testable.
 */
export class Random {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  constructor(seed: number) {
    // splitmix32 spreads the seed over the four state words.
    let x = (seed >>> 0) ^ 0x9e3779b9;
    const next = () => {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next() | 1;
  }

  /** A uniform 32-bit unsigned integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5) >>> 0, 7), 9) >>> 0;
    const t = (this.s1 << 9) >>> 0;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3 >>> 0, 11);
    this.s0 >>>= 0;
    this.s1 >>>= 0;
    this.s2 >>>= 0;
    return result;
  }

  /** Uniform in [0, 1). */
  uniform(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Uniform in [low, high). */
  uniformRange(low: number, high: number): number {
    return low + (high - low) * this.uniform();
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    if (!(n > 0)) throw new RangeError(`Random.int needs n > 0, got ${n}`);
    return Math.floor(this.uniform() * n);
  }

  /** A uniformly chosen element of a non-empty array. */
  choice<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('Random.choice of nothing');
    return items[this.int(items.length)];
  }

  /** log-uniform in [low, high], both > 0. */
  logUniform(low: number, high: number): number {
    return Math.exp(this.uniformRange(Math.log(low), Math.log(high)));
  }

  /** A standard normal sample (Box-Muller). */
  normal(): number {
    const u = 1 - this.uniform();
    const v = this.uniform();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /**
   * Fills `bits` with the next uniform 32-bit integers, as nextUint32
   * would, in a loop on local int32 state (several times faster than
   * calls for the millions of draws of a weight initializer).
   */
  fillUint32(bits: Uint32Array): void {
    let s0 = this.s0 | 0;
    let s1 = this.s1 | 0;
    let s2 = this.s2 | 0;
    let s3 = this.s3 | 0;
    for (let i = 0; i < bits.length; i++) {
      const m = Math.imul(s1, 5);
      bits[i] = Math.imul((m << 7) | (m >>> 25), 9);
      const t = s1 << 9;
      s2 ^= s0;
      s3 ^= s1;
      s1 ^= s2;
      s0 ^= s3;
      s2 ^= t;
      s3 = (s3 << 11) | (s3 >>> 21);
    }
    this.s0 = s0 >>> 0;
    this.s1 = s1 >>> 0;
    this.s2 = s2 >>> 0;
    this.s3 = s3 >>> 0;
  }

  /**
   * Fills `out` with uniform samples in [low, high] (float32 rounding),
   * stepping the generator in the same loop, as fillTruncatedNormal does:
   * the same draws as fillUint32's, at 3 ns a sample against 5 ns through
   * chunks of draws and a mapping (the glorot-uniform weights of a trial,
   * 0.2 ms of its build).
   */
  fillUniform(out: Float32Array, low: number, high: number): void {
    const width = (high - low) / 4294967296;
    let s0 = this.s0 | 0;
    let s1 = this.s1 | 0;
    let s2 = this.s2 | 0;
    let s3 = this.s3 | 0;
    for (let i = 0; i < out.length; i++) {
      const m = Math.imul(s1, 5);
      out[i] = low + width * (Math.imul((m << 7) | (m >>> 25), 9) >>> 0);
      const t = s1 << 9;
      s2 ^= s0;
      s3 ^= s1;
      s1 ^= s2;
      s0 ^= s3;
      s2 ^= t;
      s3 = (s3 << 11) | (s3 >>> 21);
    }
    this.s0 = s0 >>> 0;
    this.s1 = s1 >>> 0;
    this.s2 = s2 >>> 0;
    this.s3 = s3 >>> 0;
  }

  /** Fills `out` chunk by chunk: `map` turns 32-bit draws into samples. */
  private fillMapped(
      out: Float32Array,
      map: (bits: Uint32Array, into: Float32Array, at: number) => void): void {
    const chunk = new Uint32Array(Math.min(out.length, 8192));
    for (let at = 0; at < out.length; at += chunk.length) {
      const bits = out.length - at < chunk.length ?
          chunk.subarray(0, out.length - at) : chunk;
      this.fillUint32(bits);
      map(bits, out, at);
    }
  }

  /** Fills `out` with normal samples of `mean` and `stddev` (Box-Muller). */
  fillNormal(out: Float32Array, mean: number, stddev: number): void {
    const toUnit = 1 / 4294967296;
    this.fillMapped(out, (bits, into, at) => {
      // Each pair of draws gives a pair of samples; an odd last one is
      // paired with a fresh draw.
      for (let i = 0; i < bits.length; i += 2) {
        const second = i + 1 < bits.length ? bits[i + 1] : this.nextUint32();
        const r = Math.sqrt(-2 * Math.log(1 - bits[i] * toUnit));
        const v = 2 * Math.PI * second * toUnit;
        into[at + i] = mean + stddev * r * Math.cos(v);
        if (i + 1 < bits.length) {
          into[at + i + 1] = mean + stddev * r * Math.sin(v);
        }
      }
    });
  }

  /**
   * Fills `out` with samples of a normal of `mean` and `stddev` cut at two
   * deviations (TensorFlow's truncated normal), by its inverse CDF: one
   * 32-bit draw and a table lookup a sample, three times faster than
   * Box-Muller with rejection. Linear interpolation between the 4097
   * tabulated quantiles is off by less than 1e-5 deviations.
   *
   * The generator steps in the same loop as the lookup (as fillUint32
   * steps it, so the samples are the same draws): 3.5 ns a sample, at any
   * size, against 7-8.5 ns through chunks of draws for the arrays of a
   * few thousand weights that most layers have.
   */
  fillTruncatedNormal(out: Float32Array, mean: number, stddev: number):
      void {
    const table = truncatedNormalQuantiles();
    const scale = TRUNCATED_TABLE_INTERVALS / 4294967296;
    let s0 = this.s0 | 0;
    let s1 = this.s1 | 0;
    let s2 = this.s2 | 0;
    let s3 = this.s3 | 0;
    for (let i = 0; i < out.length; i++) {
      const m = Math.imul(s1, 5);
      const x = (Math.imul((m << 7) | (m >>> 25), 9) >>> 0) * scale;
      const t = s1 << 9;
      s2 ^= s0;
      s3 ^= s1;
      s1 ^= s2;
      s0 ^= s3;
      s2 ^= t;
      s3 = (s3 << 11) | (s3 >>> 21);
      const k = x | 0;
      out[i] =
          mean + stddev * (table[k] + (x - k) * (table[k + 1] - table[k]));
    }
    this.s0 = s0 >>> 0;
    this.s1 = s1 >>> 0;
    this.s2 = s2 >>> 0;
    this.s3 = s3 >>> 0;
  }

  /** Shuffles `items` in place (Fisher-Yates) and returns it. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [items[i], items[j]] = [items[j], items[i]];
    }
    return items;
  }

  /**
   * The source of item `index` of the stream seeded `seed`: the same pair
   * always gives the same numbers, whatever else was drawn before. A
   * search draws trial N's from (seed, N), so that a search resumed in a
   * new process, or one of several workers, plans trial N as a single
   * uninterrupted process would, rather than starting over from the
   * seed's first numbers.
   */
  static forIndex(seed: number, index: number): Random {
    let h = (new Random(seed).nextUint32() ^
             Math.imul(index >>> 0, 0x9e3779b1)) >>> 0;
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
    return new Random((h ^ (h >>> 16)) >>> 0);
  }

  /** A new independent source derived from this one. */
  fork(): Random {
    return new Random(this.nextUint32());
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/** Intervals of the truncated normal's quantile table. */
const TRUNCATED_TABLE_INTERVALS = 4096;
let truncatedTable: Float64Array|undefined;

/**
 * Quantiles of the standard normal cut at +-2 at u = k / 4096, k = 0..4096
 * (computed once, about a millisecond): its CDF on a fine grid by
 * Simpson's rule on the density, inverted by interpolation.
 */
function truncatedNormalQuantiles(): Float64Array {
  if (truncatedTable !== undefined) return truncatedTable;
  const cut = 2;
  const cells = 1 << 16;
  const h = 2 * cut / cells;
  const density = (z: number) => Math.exp(-0.5 * z * z);
  const cdf = new Float64Array(cells + 1);
  for (let j = 0; j < cells; j++) {
    const a = -cut + j * h;
    cdf[j + 1] = cdf[j] +
        h / 6 * (density(a) + 4 * density(a + h / 2) + density(a + h));
  }
  const total = cdf[cells];
  const table = new Float64Array(TRUNCATED_TABLE_INTERVALS + 1);
  table[0] = -cut;
  table[TRUNCATED_TABLE_INTERVALS] = cut;
  let j = 0;
  for (let k = 1; k < TRUNCATED_TABLE_INTERVALS; k++) {
    const target = total * k / TRUNCATED_TABLE_INTERVALS;
    while (cdf[j + 1] < target) j++;
    table[k] = -cut + h * (j + (target - cdf[j]) / (cdf[j + 1] - cdf[j]));
  }
  truncatedTable = table;
  return table;
}
