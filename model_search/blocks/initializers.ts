/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * Initializers of the blocks' weights, fast enough that building a model
 * is a small part of a trial.
 *
 * Glorot (variance scaling): TensorFlow.js draws its samples one at a time
 * through an Alea generator and Marsaglia's polar method, about 30 ns a
 * sample for its truncated normal, 9 ms for a 3x3x64x64 convolution kernel
 * and 30 ms for a 1024x1024 dense kernel. `glorotNormal` and
 * `glorotUniform` draw the same distributions from the project's
 * xoshiro128** source into one array (several times faster) and save the
 * same config, so a saved model loads anywhere as if TensorFlow.js' own
 * initializer had made it.
 *
 * An orthogonal initializer fast enough for the recurrent kernels of the
 * 1024-unit RNN and LSTM blocks.
 *
 * Keras' default recurrent initializer is orthogonal: the Q factor of the QR
 * decomposition of a Gaussian matrix, with column signs fixed so that R has
 * a positive diagonal. TensorFlow.js computes that QR with Householder steps
 * made of small tensor ops, which takes about 20 s for a 1024x1024 kernel and
 * about 3 minutes for the 1024x4096 kernel of LSTM_1024.
 *
 * This initializer draws from the same distribution (uniform over matrices
 * with orthonormal columns) by Cholesky QR: for a tall Gaussian A (m >= n),
 * A^T A = R^T R with R upper triangular with a positive diagonal, and
 * Q = A R^-1 is exactly that sign-fixed Q factor. The large products run
 * as tensor matmuls; the n x n Cholesky factor and triangular inverse run
 * in float64 JavaScript. A nearly square A can be badly conditioned, so its
 * Gram matrix is formed in float64 too, and a second, float32 pass
 * restores orthogonality lost to rounding (CholeskyQR2).
 */

import {tf} from '../backend/tf';
import {ValueError} from '../errors';
import {Random} from '../random';

/** The instance side of TensorFlow.js' Initializer base class. */
type InitializerInstance = ReturnType<typeof tf.initializers.zeros>;

/**
 * TensorFlow.js' Initializer base class. It is not exported by name, but
 * layers accept an initializer object only if it is an instance of it, so
 * it is taken from a built-in initializer's class.
 */
const InitializerBase = Object.getPrototypeOf(
    tf.initializers.zeros().constructor) as abstract new () =>
    InitializerInstance;

/** The fields of TensorFlow.js' VarianceScaling that `apply` reads. */
declare interface VarianceScalingFields {
  scale: number;
  mode: 'fanIn'|'fanOut'|'fanAvg';
  distribution: 'normal'|'uniform'|'truncatedNormal';
  /** null when unseeded, as TensorFlow.js' own glorot initializers save. */
  seed?: number|null;
}

/** TensorFlow.js' VarianceScaling class (exported as a factory only). */
const VarianceScalingBase = tf.initializers.varianceScaling({}).constructor as
    new (args: Partial<VarianceScalingFields>) =>
        InitializerInstance & VarianceScalingFields;

/** Depth of withoutRandomDraws calls in progress. */
let drawsSkipped = 0;

/**
 * Runs `build` with this module's random initializers (glorot, orthogonal)
 * filling zeros instead of drawing, and returns what it returns. For
 * layers whose weights are all overwritten right after they are made: the
 * towers an ensemble restores from finished trials, whose draws cost as
 * much as a new tower's and were thrown away. Nothing is saved
 * differently: the initializer's config stays in the model.
 */
export function withoutRandomDraws<T>(build: () => T): T {
  drawsSkipped++;
  try {
    return build();
  } finally {
    drawsSkipped--;
  }
}

/**
 * The random source of one draw: from `seed` when given (so a fixed seed
 * gives fixed weights, as in TensorFlow.js), else from Math.random, which
 * a seeded search seeds.
 */
function sourceFor(seed: number|null|undefined): Random {
  return new Random(seed ?? Math.floor(Math.random() * 4294967296));
}

/**
 * TensorFlow.js' VarianceScaling, drawing its float32 samples from Random
 * in one pass. Its class name and config are VarianceScaling's own.
 */
export class FastVarianceScaling extends VarianceScalingBase {
  override apply(shape: tf.Shape, dtype?: tf.DataType): tf.Tensor {
    if ((dtype ?? 'float32') !== 'float32' ||
        shape.some((d) => d === null || !Number.isInteger(d) || d < 0)) {
      return super.apply(shape, dtype);  // its own checks and messages
    }
    const dims = shape as number[];
    if (drawsSkipped > 0) return tf.zeros(dims, 'float32');
    const [fanIn, fanOut] = fans(dims);
    const denominator = this.mode === 'fanIn' ? fanIn :
        this.mode === 'fanOut' ? fanOut : (fanIn + fanOut) / 2;
    const scale = this.scale / Math.max(1, denominator);
    const values = new Float32Array(dims.reduce((a, b) => a * b, 1));
    const source = sourceFor(this.seed);
    // As TensorFlow.js: 'normal' is a normal cut at two deviations; any
    // other distribution is uniform.
    if (this.distribution === 'normal') {
      source.fillTruncatedNormal(values, 0, Math.sqrt(scale));
    } else {
      const limit = Math.sqrt(3 * scale);
      source.fillUniform(values, -limit, limit);
    }
    return tf.tensor(values, dims, 'float32');
  }
}

/**
 * Fan-in and fan-out of a kernel as TensorFlow.js counts them: [in, out]
 * for a matrix, times the receptive field for a (channels-last)
 * convolution kernel, the square root of the size otherwise.
 */
function fans(shape: number[]): [number, number] {
  if (shape.length === 2) return [shape[0], shape[1]];
  if (shape.length >= 3 && shape.length <= 5) {
    const field = shape.slice(0, -2).reduce((a, b) => a * b, 1);
    return [shape[shape.length - 2] * field, shape[shape.length - 1] * field];
  }
  const root = Math.sqrt(shape.reduce((a, b) => a * b, 1));
  return [root, root];
}

/** Glorot normal: TensorFlow.js' default kernel initializer of layers. */
export function glorotNormal(seed?: number): FastVarianceScaling {
  return new FastVarianceScaling(
      {scale: 1, mode: 'fanAvg', distribution: 'normal', seed: seed ?? null});
}

/** Glorot uniform: Keras' default kernel initializer. */
export function glorotUniform(seed?: number): FastVarianceScaling {
  return new FastVarianceScaling(
      {scale: 1, mode: 'fanAvg', distribution: 'uniform', seed: seed ?? null});
}

/** Options of `Orthogonal`. */
export declare interface OrthogonalArgs {
  /** Multiplies the orthogonal matrix. Default 1. */
  gain?: number;
  /** Seed of the Gaussian draw; a fixed seed gives a fixed matrix. */
  seed?: number;
}

/** Tall matrices at least this many times taller than wide are well
 * conditioned enough (condition number about 3) for a float32 Gram matrix. */
const TALL_RATIO = 2;

/**
 * Initializer of matrices with orthonormal columns (rows, if wider than
 * tall), as Keras' `Orthogonal`. Shapes of rank > 2 are treated as
 * [product of all but the last dimension, last dimension].
 */
export class Orthogonal extends InitializerBase {
  /** @nocollapse */
  static className = 'ModelSearchOrthogonal';
  readonly gain: number;
  readonly seed?: number;

  constructor(args: OrthogonalArgs = {}) {
    super();
    this.gain = args.gain ?? 1;
    this.seed = args.seed;
  }

  override apply(shape: tf.Shape, dtype?: tf.DataType): tf.Tensor {
    if (dtype !== undefined && dtype !== 'float32') {
      throw new ValueError(
          `Orthogonal initializer: dtype "${dtype}" is not supported; use ` +
          'float32');
    }
    const dims = shape.map((d) => {
      if (d === null || !Number.isInteger(d) || d <= 0) {
        throw new ValueError(
            `Orthogonal initializer: shape [${shape.join(', ')}] must be ` +
            'fully known and positive');
      }
      return d;
    });
    if (dims.length < 2) {
      throw new ValueError(
          `Orthogonal initializer: shape [${dims.join(', ')}] has rank ` +
          `${dims.length}; it needs rank >= 2`);
    }
    if (drawsSkipped > 0) return tf.zeros(dims, 'float32');
    const cols = dims[dims.length - 1];
    const rows = dims.slice(0, -1).reduce((a, b) => a * b, 1);
    return tf.tidy(() => {
      const m = Math.max(rows, cols);
      const n = Math.min(rows, cols);
      const values = new Float32Array(m * n);
      sourceFor(this.seed).fillNormal(values, 0, 1);
      const gaussian = tf.tensor2d(values, [m, n]);
      let q = orthonormalColumns(gaussian as tf.Tensor2D);
      if (rows < cols) q = tf.transpose(q);
      return tf.mul(q, this.gain).reshape(dims);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    const config: tf.serialization.ConfigDict = {gain: this.gain};
    if (this.seed !== undefined) config['seed'] = this.seed;
    return config;
  }
}
tf.serialization.registerClass(
    Orthogonal as unknown as
    tf.serialization.SerializableConstructor<InitializerInstance>);

/**
 * The bias of an LSTM with Keras' unit_forget_bias: zeros, but ones for the
 * forget gate (the second quarter of [input, forget, cell, output]).
 *
 * Porting note: tfjs' own `unitForgetBias: true` builds this from three
 * tensors it never disposes, four tensors lost per LSTM layer; this one
 * builds it inside a tidy.
 */
export class UnitForgetBias extends InitializerBase {
  static className = 'ModelSearchUnitForgetBias';

  override apply(shape: tf.Shape, dtype?: tf.DataType): tf.Tensor {
    const size = shape.length === 1 ? shape[0] : undefined;
    if (size === undefined || size === null || size % 4 !== 0) {
      throw new ValueError(
          `UnitForgetBias initializer: shape [${shape.join(', ')}] must be ` +
          'one dimension of 4 * units');
    }
    const units = size / 4;
    return tf.tidy(() => tf.concat([
      tf.zeros([units], dtype), tf.ones([units], dtype),
      tf.zeros([2 * units], dtype),
    ]));
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {};
  }
}
tf.serialization.registerClass(
    UnitForgetBias as unknown as
    tf.serialization.SerializableConstructor<InitializerInstance>);

/**
 * The Q factor, with a positive diagonal of R, of a tall matrix [m, n]
 * (m >= n) of full column rank.
 */
export function orthonormalColumns(a: tf.Tensor2D): tf.Tensor2D {
  const [m, n] = a.shape;
  if (m < n) {
    throw new ValueError(
        `orthonormalColumns: matrix [${m}, ${n}] is wider than tall`);
  }
  return tf.tidy(() => {
    if (m >= TALL_RATIO * n) {
      const gram = float32Gram(a);
      const factor = tryCholesky(gram, n);
      if (factor !== undefined) return applyInverse(a, factor, n);
    }
    const once = applyInverse(a, cholesky(float64Gram(a), n), n);
    return applyInverse(once, cholesky(float32Gram(once), n), n);
  });
}

/** A^T A computed by a tensor matmul, as float64 values [n * n]. */
function float32Gram(a: tf.Tensor2D): Float64Array {
  // An explicit transpose: matMul with transposeA is much slower on wasm.
  const gram = tf.tidy(() => tf.matMul(tf.transpose(a), a));
  const values = Float64Array.from(gram.dataSync());
  gram.dispose();
  return values;
}

/** A^T A accumulated in float64 [n * n], row-major, both halves filled. */
function float64Gram(a: tf.Tensor2D): Float64Array {
  const [m, n] = a.shape;
  const data = a.dataSync();
  const gram = new Float64Array(n * n);
  const row = new Float64Array(n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) row[j] = data[i * n + j];
    for (let p = 0; p < n; p++) {
      const v = row[p];
      if (v === 0) continue;
      const base = p * n;
      for (let q = p; q < n; q++) gram[base + q] += v * row[q];
    }
  }
  for (let p = 0; p < n; p++) {
    for (let q = 0; q < p; q++) gram[p * n + q] = gram[q * n + p];
  }
  return gram;
}

/** The lower Cholesky factor L (gram = L L^T), or an error. */
function cholesky(gram: Float64Array, n: number): Float64Array {
  const factor = tryCholesky(gram, n);
  if (factor === undefined) {
    throw new ValueError(
        `Orthogonal initializer: the ${n}x${n} Gram matrix is not positive ` +
        'definite (the Gaussian draw is rank deficient); draw again with ' +
        'another seed');
  }
  return factor;
}

/** The lower Cholesky factor L of a symmetric matrix, or undefined. */
function tryCholesky(gram: Float64Array, n: number): Float64Array|undefined {
  const l = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    const rowJ = j * n;
    let diagonal = gram[rowJ + j];
    for (let k = 0; k < j; k++) diagonal -= l[rowJ + k] * l[rowJ + k];
    if (!(diagonal > 0)) return undefined;
    const d = Math.sqrt(diagonal);
    l[rowJ + j] = d;
    for (let i = j + 1; i < n; i++) {
      const rowI = i * n;
      let sum = gram[rowI + j];
      for (let k = 0; k < j; k++) sum -= l[rowI + k] * l[rowJ + k];
      l[rowI + j] = sum / d;
    }
  }
  return l;
}

/**
 * A R^-1 where R = L^T: A times the transpose of L's inverse. L^-1 is found
 * by forward substitution, row by row.
 */
function applyInverse(
    a: tf.Tensor2D, l: Float64Array, n: number): tf.Tensor2D {
  const inverse = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const rowI = i * n;
    inverse[rowI + i] = 1;
    for (let k = 0; k < i; k++) {
      const c = l[rowI + k];
      if (c === 0) continue;
      const rowK = k * n;
      for (let j = 0; j <= k; j++) inverse[rowI + j] -= c * inverse[rowK + j];
    }
    const d = l[rowI + i];
    for (let j = 0; j <= i; j++) inverse[rowI + j] /= d;
  }
  // (L^-1)^T, as float32 for the matmul.
  const transposed = new Float32Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) transposed[j * n + i] = inverse[i * n + j];
  }
  return tf.tidy(() => tf.matMul(a, tf.tensor2d(transposed, [n, n])));
}
