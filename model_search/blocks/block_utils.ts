/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * Helpers shared by the block families: reading init args, static shapes,
 * applying layers to symbolic tensors, and unique layer names.
 */

import {tf} from '../backend/tf';
import {ValueError} from '../errors';
import {glorotNormal} from './initializers';

/** The init args a block constructor receives from its registration. */
export type InitArgs = Record<string, unknown>;

/** A layer that maps one symbolic tensor to another. */
type AnyLayer = ReturnType<typeof tf.layers.dense>|tf.layers.Layer;

/** Applies `layer` to symbolic tensor(s) and returns its one output. */
export function apply(
    layer: AnyLayer, input: tf.SymbolicTensor|tf.SymbolicTensor[],
    kwargs?: Record<string, unknown>): tf.SymbolicTensor {
  const output = layer.apply(input, kwargs);
  if (Array.isArray(output) || !(output instanceof tf.SymbolicTensor)) {
    throw new ValueError(
        `layer "${layer.name}" returned ${describe(output)} where one ` +
        'symbolic tensor was expected; build towers on tf.input tensors');
  }
  return output;
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return `${value.length} outputs`;
  return value instanceof tf.Tensor ? 'a concrete tensor' : String(value);
}

/**
 * Hands out layer names under one block's prefix, Keras style: the first
 * 'conv2d' is `prefix/conv2d`, the next `prefix/conv2d_1`.
 */
export class LayerNamer {
  private readonly used = new Map<string, number>();

  constructor(readonly prefix: string) {}

  name(base: string): string {
    const count = this.used.get(base) ?? 0;
    this.used.set(base, count + 1);
    const unique = count === 0 ? base : `${base}_${count}`;
    return this.prefix ? `${this.prefix}/${unique}` : unique;
  }
}

/** The last tensor of a block's input list, which blocks build on. */
export function lastOf(
    inputs: tf.SymbolicTensor[], block: string): tf.SymbolicTensor {
  const last = inputs[inputs.length - 1];
  if (last === undefined) {
    throw new ValueError(
        `${block}: build() got an empty input list; pass at least the ` +
        'tower input');
  }
  return last;
}

/** Shape of a symbolic tensor without the batch dimension; all known. */
export function featureShape(
    t: tf.SymbolicTensor, block: string): number[] {
  const dims = t.shape.slice(1);
  if (dims.some((d) => d === null)) {
    throw new ValueError(
        `${block}: input shape [${t.shape.map(String).join(', ')}] has ` +
        'unknown dimensions besides the batch; give the input layer a ' +
        'fully defined shape');
  }
  return dims as number[];
}

/** Checks the rank (with batch) of a block's input. */
export function expectRank(
    t: tf.SymbolicTensor, ranks: number[], block: string,
    what: string): void {
  if (!ranks.includes(t.rank)) {
    throw new ValueError(
        `${block}: expects ${what} (rank ${ranks.join(' or ')} with the ` +
        `batch), got shape [${t.shape.map(String).join(', ')}]`);
  }
}

/** Number of channels of an NHWC image tensor, as get_channel_dim. */
export function channelDim(t: tf.SymbolicTensor, block: string): number {
  expectRank(t, [4], block, 'an NHWC image tensor [batch, h, w, c]');
  return featureShape(t, block)[2];
}

/** Number of features on the last axis. */
export function lastDim(t: tf.SymbolicTensor, block: string): number {
  const dims = featureShape(t, block);
  return dims[dims.length - 1];
}

export function relu(
    x: tf.SymbolicTensor, namer: LayerNamer): tf.SymbolicTensor {
  return apply(tf.layers.reLU({name: namer.name('relu')}), x);
}

export function batchNorm(
    x: tf.SymbolicTensor, namer: LayerNamer): tf.SymbolicTensor {
  return apply(
      tf.layers.batchNormalization({name: namer.name('batch_normalization')}),
      x);
}

/** Flattens to [batch, features]; a 2-D tensor is returned as it is. */
export function flattenToVector(
    x: tf.SymbolicTensor, namer: LayerNamer,
    block: string): tf.SymbolicTensor {
  if (x.rank === 2) return x;
  featureShape(x, block);
  return apply(tf.layers.flatten({name: namer.name('flatten')}), x);
}

/** The sum of tensors of one shape. */
export function addAll(
    xs: tf.SymbolicTensor[], namer: LayerNamer): tf.SymbolicTensor {
  return apply(tf.layers.add({name: namer.name('add')}), xs);
}

/**
 * `inputs` projected by a dense layer to the width of `outputs` when the
 * widths differ, else `inputs` itself (block.py's projection for skips).
 */
export function projectIfNeeded(
    inputs: tf.SymbolicTensor, outputs: tf.SymbolicTensor, namer: LayerNamer,
    block: string): tf.SymbolicTensor {
  const width = lastDim(outputs, block);
  if (lastDim(inputs, block) === width) return inputs;
  return apply(
      tf.layers.dense({
        units: width,
        kernelInitializer: glorotNormal(),
        name: namer.name('dense'),
      }),
      inputs);
}

/** A positive integer init arg, or the default. */
export function intArg(
    args: InitArgs, key: string, fallback: number, block: string): number {
  const value = args[key] ?? fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
    throw new ValueError(
        `${block}: init arg ${key}=${JSON.stringify(value)} must be a ` +
        'positive integer');
  }
  return value;
}

/** A non-negative integer init arg, or the default. */
export function countArg(
    args: InitArgs, key: string, fallback: number, block: string): number {
  const value = args[key] ?? fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new ValueError(
        `${block}: init arg ${key}=${JSON.stringify(value)} must be a ` +
        'non-negative integer');
  }
  return value;
}

export function boolArg(
    args: InitArgs, key: string, fallback: boolean, block: string): boolean {
  const value = args[key] ?? fallback;
  if (typeof value !== 'boolean') {
    throw new ValueError(
        `${block}: init arg ${key}=${JSON.stringify(value)} must be true ` +
        'or false');
  }
  return value;
}

/** A size given as one integer or a [rows, cols] pair. */
export function pairArg(
    args: InitArgs, key: string, fallback: number|[number, number],
    block: string): [number, number] {
  const value = args[key] ?? fallback;
  const pair = typeof value === 'number' ? [value, value] : value;
  if (!Array.isArray(pair) || pair.length !== 2 ||
      !pair.every((v) => Number.isInteger(v) && v > 0)) {
    throw new ValueError(
        `${block}: init arg ${key}=${JSON.stringify(value)} must be a ` +
        'positive integer or a pair of them');
  }
  return [pair[0], pair[1]];
}
