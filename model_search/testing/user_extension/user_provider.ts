/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */


/**
 * A data provider of a user's own: two interleaved spirals, generated from
 * a seed, so that the test needs no file. It links in the user's block by
 * importing it.
 */

import './user_block';

import {tf} from '../../backend/tf';
import type {Batch, Hparams, InputSchema, Mode, Provider} from '../../data/data';
import {registerProvider} from '../../data/data';
import {Random} from '../../random';

const FEATURES = 2;

/** Points of two spirals; label = which spiral. */
function spiralPoint(rng: Random): [number[], number] {
  const label = rng.int(2);
  const t = rng.uniformRange(0.5, 3 * Math.PI);
  const sign = label === 0 ? 1 : -1;
  return [[sign * t * Math.cos(t) / 10 + 0.05 * rng.normal(),
           sign * t * Math.sin(t) / 10 + 0.05 * rng.normal()], label];
}

@registerProvider({lookupName: 'spiral_provider', initArgs: {seed: 11}})
export class SpiralProvider implements Provider {
  private readonly seed: number;

  constructor(args: Record<string, unknown>) {
    this.seed = (args['seed'] as number | undefined) ?? 0;
  }

  async prepare(): Promise<void> {}

  getInputFn(_hparams: Hparams, mode: Mode, batchSize: number):
      () => AsyncIterable<Batch> {
    const seed = this.seed + (mode === 'train' ? 0 : 1);
    const batches = mode === 'train' ? Infinity : 8;
    return () => ({
      async * [Symbol.asyncIterator]() {
        const rng = new Random(seed);
        for (let b = 0; b < batches; b++) {
          const xs: number[][] = [];
          const ys: number[] = [];
          for (let i = 0; i < batchSize; i++) {
            const [x, y] = spiralPoint(rng);
            xs.push(x);
            ys.push(y);
          }
          yield {
            features: tf.tensor2d(xs, [batchSize, FEATURES]),
            labels: tf.tensor1d(ys, 'int32'),
          };
        }
      },
    });
  }

  inputSchema(): InputSchema {
    return {kind: 'spiral', shape: [FEATURES], labelVocabulary: ['a', 'b']};
  }

  numberOfClasses(): number {
    return 2;
  }
}
