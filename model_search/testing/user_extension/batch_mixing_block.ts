/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * A user's block with a mistake no shape shows: its layer transposes the
 * batch with the features, reverses, and transposes back, so each example's
 * output depends on the others of its batch. It trains and evaluates
 * without an error; model_search_oss_test must fail on it
 * (batch_mixing_test, run by broken_extensions_test).
 */

import {tf} from '../../backend/tf';
import type {Block, BlockBuildArgs} from '../../blocks/block';
import {registerBlock} from '../../blocks/block';

/** [batch, n] to [batch, n], each row made of all rows' values. */
class MixBatch extends tf.layers.Layer {
  static className = 'UserMixBatch';

  override call(inputs: tf.Tensor|tf.Tensor[]): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    return tf.tidy(() => tf.transpose(tf.reverse(tf.transpose(x), 1)));
  }
}
tf.serialization.registerClass(MixBatch);

@registerBlock({lookupName: 'USER_BATCH_MIXING_DENSE', initArgs: {}})
export class BatchMixingDense implements Block {
  static readonly supportedProblemTypes = ['DNN'];
  readonly isInputOrderImportant = false;

  build(inputs: tf.SymbolicTensor[], args: BlockBuildArgs):
      tf.SymbolicTensor[] {
    // Linear: a relu could leave both examples of a batch at zero, which
    // no check could tell mixed.
    const dense = tf.layers.dense(
        {units: 8, activation: 'linear', name: `${args.namePrefix}/dense`})
        .apply(inputs[inputs.length - 1]);
    const mixed = new MixBatch({name: `${args.namePrefix}/mix`}).apply(dense);
    return [...inputs, mixed as tf.SymbolicTensor];
  }
}
