/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/** Helpers for the custom layers of the block catalogue. */

import {tf} from '../backend/tf';
import {ValueError} from '../errors';

/**
 * The base options every TensorFlow.js layer takes (name, trainable,
 * inputShape...). tfjs does not export the type by name.
 */
export type LayerArgs =
    NonNullable<ConstructorParameters<typeof tf.layers.Layer>[0]>;

/** The one input shape of a single-input layer. */
export function oneShape(
    inputShape: tf.Shape|tf.Shape[], layer: string): tf.Shape {
  const shapes = listShapes(inputShape);
  if (shapes.length !== 1) {
    throw new ValueError(
        `layer "${layer}" takes one input, got ${shapes.length}`);
  }
  return shapes[0];
}

/** The input shapes of a layer, one per input. */
export function listShapes(inputShape: tf.Shape|tf.Shape[]): tf.Shape[] {
  return Array.isArray(inputShape[0]) ? inputShape as tf.Shape[] :
                                        [inputShape as tf.Shape];
}

/** The input tensors of a layer call, one per input. */
export function listTensors(inputs: tf.Tensor|tf.Tensor[]): tf.Tensor[] {
  return Array.isArray(inputs) ? inputs : [inputs];
}

/** The weight, or an error naming the layer that was not built. */
export function built(
    variable: tf.LayerVariable|undefined, layer: string): tf.Tensor {
  if (variable === undefined) {
    throw new ValueError(
        `layer "${layer}" was called before it was built; apply it to an ` +
        'input first');
  }
  return variable.read();
}
