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
  applyGradients(grads: tf.NamedTensorMap): void;
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
 * An optimizer over `variables` (gradients are looked up by variable
 * name) that updates them in one pass per variable.
 */
export class FusedOptimizer implements TrainingOptimizer {
  private readonly slots = new Map<string, Float32Array[]>();
  private readonly epsilon = tf.backend().epsilon();
  private step = 0;

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

  applyGradients(grads: tf.NamedTensorMap): void {
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
    switch (this.name) {
      case 'sgd':
        for (let i = 0; i < n; i++) w[i] -= lr * g[i];
        return;
      case 'momentum': {
        const [accum] = this.slotsOf(name, n, 1);
        for (let i = 0; i < n; i++) {
          accum[i] = accum[i] * MOMENTUM + g[i];
          w[i] -= lr * accum[i];
        }
        return;
      }
      case 'adam':
      case 'lazy_adam': {
        const [m, v] = this.slotsOf(name, n, 2);
        const correction1 = 1 - Math.pow(ADAM_BETA1, this.step);
        const correction2 = 1 - Math.pow(ADAM_BETA2, this.step);
        for (let i = 0; i < n; i++) {
          m[i] = m[i] * ADAM_BETA1 + g[i] * (1 - ADAM_BETA1);
          v[i] = v[i] * ADAM_BETA2 + g[i] * g[i] * (1 - ADAM_BETA2);
          w[i] -= lr * (m[i] / correction1) /
              (Math.sqrt(v[i] / correction2) + eps);
        }
        return;
      }
      case 'adagrad': {
        const [accum] = this.slotsOf(name, n, 1, ADAGRAD_INITIAL);
        for (let i = 0; i < n; i++) {
          accum[i] += g[i] * g[i];
          w[i] -= lr * g[i] / Math.sqrt(accum[i] + eps);
        }
        return;
      }
      case 'rmsprop': {
        const [meanSquare, moment] = this.slotsOf(name, n, 2);
        for (let i = 0; i < n; i++) {
          meanSquare[i] = RMSPROP_DECAY * meanSquare[i] +
              (1 - RMSPROP_DECAY) * g[i] * g[i];
          moment[i] = lr * g[i] / Math.sqrt(meanSquare[i] + eps);
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
