/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * A user's provider with a mistake a search only warns of: its batches
 * hold 3 examples whatever batch size it is asked for. model_search_oss_test
 * must fail on it (fixed_batch_test, run by broken_extensions_test).
 *
 * With FIXED_BATCH_SHORT_EVAL=1 in the environment it makes another: its
 * batches hold the size asked for, but its second 'eval' batch holds one
 * example less, and more follow it.
 */

import {tf} from '../../backend/tf';
import type {Batch, Hparams, InputSchema, Mode, Provider} from '../../data/data';
import {registerProvider} from '../../data/data';

const ROWS = 3;

@registerProvider({lookupName: 'fixed_batch_provider', initArgs: {}})
export class FixedBatchProvider implements Provider {
  async prepare(): Promise<void> {}

  getInputFn(_hparams: Hparams, mode: Mode, batchSize: number):
      () => AsyncIterable<Batch> {
    const batches = mode === 'train' ? Infinity : 4;
    const shortEval = process.env['FIXED_BATCH_SHORT_EVAL'] === '1';
    const rowsOf = (i: number) => !shortEval ? ROWS :
        mode === 'eval' && i === 1 ? batchSize - 1 : batchSize;
    return () => ({
      async * [Symbol.asyncIterator]() {
        for (let i = 0; i < batches; i++) {
          const rows = rowsOf(i);
          yield {
            features: tf.randomUniform([rows, 2], -1, 1, 'float32', i),
            labels: tf.tensor1d(
                Array.from({length: rows}, (_, k) => (i + k) % 2), 'int32'),
          };
        }
      },
    });
  }

  inputSchema(): InputSchema {
    return {kind: 'fixed_batch', shape: [2], labelVocabulary: ['a', 'b']};
  }

  numberOfClasses(): number {
    return 2;
  }
}
