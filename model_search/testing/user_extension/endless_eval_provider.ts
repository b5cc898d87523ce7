/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * A user's provider with a common mistake: its 'eval' input repeats like
 * its 'train' one. A search with --phoenix_eval_steps=0 (the default: one
 * whole pass) would never end; model_search_oss_test must fail on it
 * (endless_eval_test, run by endless_eval_check_test).
 */

import {tf} from '../../backend/tf';
import type {Batch, Hparams, InputSchema, Mode, Provider} from '../../data/data';
import {registerProvider} from '../../data/data';

@registerProvider({lookupName: 'endless_eval_provider', initArgs: {}})
export class EndlessEvalProvider implements Provider {
  async prepare(): Promise<void> {}

  getInputFn(_hparams: Hparams, _mode: Mode, batchSize: number):
      () => AsyncIterable<Batch> {
    return () => ({
      async * [Symbol.asyncIterator]() {
        for (let i = 0;; i++) {
          yield {
            features: tf.randomUniform([batchSize, 2], -1, 1, 'float32', i),
            labels: tf.tensor1d(
                Array.from({length: batchSize}, (_, k) => (i + k) % 2),
                'int32'),
          };
        }
      },
    });
  }

  inputSchema(): InputSchema {
    return {kind: 'endless', shape: [2], labelVocabulary: ['a', 'b']};
  }

  numberOfClasses(): number {
    return 2;
  }
}
