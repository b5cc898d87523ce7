/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * The optimizers of phoenix.ts (sgd, momentum, adam, adagrad, rmsprop)
 * as one plain loop over each variable's values, for the wasm and cpu
 * backends.
 *
 * On those backends every TensorFlow.js op costs tens of microseconds of
 * bookkeeping whatever its size, and tf.train.adam spends about fifteen ops
 * per variable per step: on the small towers of a search that is a third
 * of a training step. Here a step reads each gradient once, updates the
 * slots (plain Float32Arrays, never tensors) and the weights in one pass,
 * reading gradients and writing weights in the backend's own memory
 * (backend/tensor_storage.ts). The arithmetic follows the TensorFlow.js
 * optimizers step for step (same defaults, same bias correction), so that
 * fused_optimizers_test can compare the two.
 */

import {storageView, updateInPlace} from './backend/tensor_storage';
import {tf} from './backend/tf';
import {ValueError} from './errors';

/** What the training loop needs of an optimizer. */
export declare interface TrainingOptimizer {
  /**
   * Applies `grads`, clipped first to a global norm of at most `clipNorm`
   * when given (TensorFlow's clip_by_global_norm).
   */
  applyGradients(grads: tf.NamedTensorMap, clipNorm?: number): void;
  setLearningRate(rate: number): void;
  dispose(): void;
}

/** Backends where one fused pass beats many small ops. */
export const FUSED_BACKENDS = ['wasm', 'cpu'];

// The defaults of the TensorFlow.js optimizers that phoenix.ts makes.
const MOMENTUM = 0.9;
const ADAM_BETA1 = 0.9;
const ADAM_BETA2 = 0.999;
const ADAGRAD_INITIAL = 0.1;
const RMSPROP_DECAY = 0.9;

export type FusedOptimizerName =
    'sgd'|'momentum'|'adam'|'lazy_adam'|'adagrad'|'rmsprop';

/**
 * The factor that clipping `grads` to a global norm of at most `maxNorm`
 * multiplies each of them by (TensorFlow's clip_by_global_norm): 1 when
 * their norm is within it. A norm that is not finite gives NaN, so that
 * the step's weights turn NaN and the divergence is seen, as there.
 */
export function clippingScale(
    grads: tf.NamedTensorMap, maxNorm: number): number {
  let squares = 0;
  for (const grad of Object.values(grads)) {
    const view = storageView(grad);
    squares += view === undefined ? sumOfSquaresOf(grad) : sumOfSquares(view);
  }
  const norm = Math.sqrt(squares);
  if (!Number.isFinite(norm)) return NaN;
  return maxNorm / Math.max(norm, maxNorm);
}

/**
 * The sum of the squares of `values`, in float64 (four sums, so that the
 * additions need not wait for each other): a third faster than
 * tf.sum(tf.square(x)) on wasm, which also sums in float32.
 */
function sumOfSquares(values: Float32Array): number {
  let a = 0;
  let b = 0;
  let c = 0;
  let d = 0;
  const n = values.length;
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const w = values[i];
    const x = values[i + 1];
    const y = values[i + 2];
    const z = values[i + 3];
    a += w * w;
    b += x * x;
    c += y * y;
    d += z * z;
  }
  for (; i < n; i++) a += values[i] * values[i];
  return a + b + c + d;
}

/** sumOfSquares of a tensor whose values its backend does not lend. */
function sumOfSquaresOf(grad: tf.Tensor): number {
  const total = tf.tidy(() => tf.sum(tf.square(tf.cast(grad, 'float32'))));
  const value = total.dataSync()[0];
  total.dispose();
  return value;
}

/**
 * An optimizer over `variables` (gradients are looked up by variable
 * name) that updates them in one pass per variable.
 */
export class FusedOptimizer implements TrainingOptimizer {
  private readonly slots = new Map<string, Float32Array[]>();
  private readonly epsilon = tf.backend().epsilon();
  private step = 0;
  /** The factor of this step's gradients (see applyGradients). */
  private scale = 1;

  constructor(
      private readonly name: FusedOptimizerName, private rate: number,
      private readonly variables: tf.Variable[]) {
    if (!['sgd', 'momentum', 'adam', 'lazy_adam', 'adagrad', 'rmsprop']
             .includes(name)) {
      throw new ValueError(`FusedOptimizer: unknown optimizer "${name}"`);
    }
  }

  setLearningRate(rate: number): void {
    this.rate = rate;
  }

  applyGradients(grads: tf.NamedTensorMap, clipNorm?: number): void {
    // Clipping scales every gradient by one factor, applied here as each
    // is read (multiplying every gradient by a scalar tensor is one of
    // wasm's slow broadcasting ops: 3.5 of 21 ms a step of two dense
    // layers of 1024 at batch 2).
    this.scale = clipNorm === undefined ? 1 : clippingScale(grads, clipNorm);
    this.step++;
    for (const variable of this.variables) {
      const grad = grads[variable.name];
      if (grad === undefined) continue;
      const g = storageView(grad) ?? grad.dataSync() as Float32Array;
      // The weights where the backend keeps them, updated in place; a
      // copy and one upload where they are shared or not lent.
      if (updateInPlace(variable, (w) => this.update(variable.name, w, g))) {
        continue;
      }
      const w = (variable.dataSync() as Float32Array).slice();
      this.update(variable.name, w, g);
      const next = tf.tensor(w, variable.shape, 'float32');
      variable.assign(next);
      next.dispose();
    }
  }

  private slotsOf(name: string, size: number, count: number,
                  initial = 0): Float32Array[] {
    let slots = this.slots.get(name);
    if (slots === undefined) {
      slots = Array.from({length: count},
                         () => new Float32Array(size).fill(initial));
      this.slots.set(name, slots);
    }
    return slots;
  }

  private update(name: string, w: Float32Array, g: Float32Array): void {
    const lr = this.rate;
    const eps = this.epsilon;
    const n = w.length;
    // Each gradient value scaled as it is read (gi).
    const k = this.scale;
    switch (this.name) {
      case 'sgd':
        for (let i = 0; i < n; i++) w[i] -= lr * (g[i] * k);
        return;
      case 'momentum': {
        const [accum] = this.slotsOf(name, n, 1);
        for (let i = 0; i < n; i++) {
          const gi = g[i] * k;
          accum[i] = accum[i] * MOMENTUM + gi;
          w[i] -= lr * accum[i];
        }
        return;
      }
      case 'adam':
      case 'lazy_adam': {
        const [m, v] = this.slotsOf(name, n, 2);
        // The bias corrections as factors, and each slot read once: a
        // third less time a step than dividing (5.5 against 3.6 ms for a
        // million weights), the same to float32's precision.
        const unbias1 = 1 / (1 - Math.pow(ADAM_BETA1, this.step));
        const unbias2 = 1 / (1 - Math.pow(ADAM_BETA2, this.step));
        for (let i = 0; i < n; i++) {
          const gi = g[i] * k;
          const mi = m[i] * ADAM_BETA1 + gi * (1 - ADAM_BETA1);
          const vi = v[i] * ADAM_BETA2 + gi * gi * (1 - ADAM_BETA2);
          m[i] = mi;
          v[i] = vi;
          w[i] -= lr * (mi * unbias1) / (Math.sqrt(vi * unbias2) + eps);
        }
        return;
      }
      case 'adagrad': {
        const [accum] = this.slotsOf(name, n, 1, ADAGRAD_INITIAL);
        for (let i = 0; i < n; i++) {
          const gi = g[i] * k;
          accum[i] += gi * gi;
          w[i] -= lr * gi / Math.sqrt(accum[i] + eps);
        }
        return;
      }
      case 'rmsprop': {
        const [meanSquare, moment] = this.slotsOf(name, n, 2);
        for (let i = 0; i < n; i++) {
          const gi = g[i] * k;
          meanSquare[i] = RMSPROP_DECAY * meanSquare[i] +
              (1 - RMSPROP_DECAY) * gi * gi;
          moment[i] = lr * gi / Math.sqrt(meanSquare[i] + eps);
          w[i] -= moment[i];
        }
        return;
      }
      default:
        throw new ValueError(`FusedOptimizer: unknown optimizer "${
            String(this.name)}"`);
    }
  }

  dispose(): void {
    this.slots.clear();
  }
}
