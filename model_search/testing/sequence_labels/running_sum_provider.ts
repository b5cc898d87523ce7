/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * A data provider of sequence labelling (RNN_ALL_ACTIVATIONS): sequences of
 * up to 8 steps of 3 numbers, generated from a seed; the label of each
 * step says whether the first number summed up to that step is positive,
 * so that a recurrent tower can learn it and a per-example model cannot.
 * Steps past a sequence's length are padding, labelled -1.
 *
 * Registered by running_sum_registration.ts, the binary's library, so
 * that tests can use the class without adding a provider to their process.
 */

import {tf} from '../../backend/tf';
import type {Batch, Hparams, InputSchema, Mode, Provider} from '../../data/data';
import {Random} from '../../random';

export const STEPS = 8;
export const FEATURES = 3;
/** Evaluation batches: one pass over the evaluation sequences. */
export const EVAL_BATCHES = 4;

/** One sequence: its features (padding zero), labels and length. */
export function runningSumSequence(rng: Random):
    {features: number[], labels: number[], length: number} {
  const length = 2 + rng.int(STEPS - 1);
  const features = new Array<number>(STEPS * FEATURES).fill(0);
  const labels = new Array<number>(STEPS).fill(-1);
  let sum = 0;
  for (let t = 0; t < length; t++) {
    for (let f = 0; f < FEATURES; f++) {
      features[t * FEATURES + f] = rng.uniformRange(-1, 1);
    }
    sum += features[t * FEATURES];
    labels[t] = sum > 0 ? 1 : 0;
  }
  return {features, labels, length};
}

export class RunningSumProvider implements Provider {
  private readonly seed: number;

  constructor(args: Record<string, unknown>) {
    this.seed = (args['seed'] as number | undefined) ?? 0;
  }

  async prepare(): Promise<void> {}

  getInputFn(_hparams: Hparams, mode: Mode, batchSize: number):
      () => AsyncIterable<Batch> {
    const seed = this.seed + (mode === 'train' ? 0 : 1);
    const batches = mode === 'train' ? Infinity : EVAL_BATCHES;
    return () => ({
      async * [Symbol.asyncIterator]() {
        const rng = new Random(seed);
        for (let b = 0; b < batches; b++) {
          const sequences =
              Array.from({length: batchSize}, () => runningSumSequence(rng));
          yield {
            features: tf.tensor3d(sequences.flatMap((s) => s.features),
                                  [batchSize, STEPS, FEATURES]),
            labels: tf.tensor2d(sequences.flatMap((s) => s.labels),
                                [batchSize, STEPS], 'int32'),
            lengths: tf.tensor1d(sequences.map((s) => s.length), 'int32'),
          };
        }
      },
    });
  }

  inputSchema(): InputSchema {
    return {kind: 'running_sum', shape: [STEPS, FEATURES],
            labelVocabulary: ['not_positive', 'positive']};
  }

  numberOfClasses(): number {
    return 2;
  }
}
