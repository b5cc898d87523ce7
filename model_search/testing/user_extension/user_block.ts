/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */


/**
 * A block of a user's own, as a user would write it in their repository:
 * registered under a name of theirs, with an enum id outside the range of
 * the built-in catalogue.
 */

import {tf} from '../../backend/tf';
import type {Block, BlockBuildArgs, HparamRange} from '../../blocks/block';
import {registerBlock} from '../../blocks/block';

/** A dense layer with a squared-ReLU activation. */
@registerBlock({lookupName: 'USER_SQUARED_RELU_DENSE_24',
                initArgs: {units: 24}, enumId: 20001})
export class SquaredReluDense implements Block {
  static readonly supportedProblemTypes = ['DNN'];
  readonly isInputOrderImportant = false;
  private readonly units: number;

  constructor(args: Record<string, unknown>) {
    this.units = args['units'] as number;
  }

  build(inputs: tf.SymbolicTensor[], args: BlockBuildArgs):
      tf.SymbolicTensor[] {
    const last = inputs[inputs.length - 1];
    const dense = tf.layers.dense({
      units: this.units,
      activation: 'relu',
      name: `${args.namePrefix}/dense`,
    }).apply(last) as tf.SymbolicTensor;
    const squared = tf.layers.multiply({name: `${args.namePrefix}/square`})
                        .apply([dense, dense]) as tf.SymbolicTensor;
    return [...inputs, squared];
  }
}

/**
 * A dense layer whose width and activation the search tunes: it asks for
 * them with requiresHparams and reads each trial's values in build.
 */
@registerBlock({lookupName: 'USER_TUNED_DENSE', initArgs: {}, enumId: 20002})
export class TunedDense implements Block {
  static readonly supportedProblemTypes = ['DNN'];
  readonly isInputOrderImportant = false;

  requiresHparams(): HparamRange[] {
    return [
      {name: 'user_units', min: 4, max: 16, integer: true},
      {name: 'user_activation', values: ['relu', 'tanh']},
    ];
  }

  build(inputs: tf.SymbolicTensor[], args: BlockBuildArgs):
      tf.SymbolicTensor[] {
    const units = args.hparams?.['user_units'];
    const activation = args.hparams?.['user_activation'];
    if (typeof units !== 'number' ||
        (activation !== 'relu' && activation !== 'tanh')) {
      throw new Error(`USER_TUNED_DENSE got user_units=${units}, ` +
                      `user_activation=${activation}`);
    }
    const last = inputs[inputs.length - 1];
    return [...inputs, tf.layers.dense({
      units, activation, name: `${args.namePrefix}/dense`,
    }).apply(last) as tf.SymbolicTensor];
  }
}
