/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * Turns a spec, an architecture and hyperparameters into a trainable model,
 * as phoenix.py does: the provider's input, the tower stacked from
 * registered blocks, a dense layer to the logits; and the optimizer the
 * hyperparameters ask for.
 */

import {buildLogits, buildTower, modelOfBlocks} from './architecture/architecture_utils';
import {tf} from './backend/tf';
import type {Hparams, InputSchema, Provider} from './data/data';
import {ValueError} from './errors';

/** What buildModel needs to know about the problem. */
export declare interface ModelArgs {
  schema: InputSchema;
  numClasses: number;
  /** PhoenixSpec.ProblemType name. */
  problemType: string;
  /** Block lookup names, input side first. */
  architecture: string[];
  hparams: Hparams;
  /** apply_dropouts_between_blocks of the spec. */
  applyDropoutsBetweenBlocks: boolean;
  /** The provider, for its optional input-layer hook. */
  provider?: Provider;
  /** Prefix of every layer name: models of one process must not collide. */
  namePrefix?: string;
}

/** True for the two RNN problem types, whose models take lengths too. */
export function isSequenceProblem(problemType: string): boolean {
  return problemType.startsWith('RNN');
}

/** The inputs every model of a problem takes, and what its towers read. */
export declare interface ModelInputs {
  /** [features] or, for sequences, [features, lengths]. */
  inputs: tf.SymbolicTensor[];
  lengths?: tf.SymbolicTensor;
  /** The features, through the provider's input layer when it has one. */
  towerInput: tf.SymbolicTensor;
}

export function buildInputs(
    schema: InputSchema, problemType: string, provider?: Provider):
    ModelInputs {
  const features = tf.input({shape: schema.shape, name: 'features'});
  const inputs: tf.SymbolicTensor[] = [features];
  let lengths: tf.SymbolicTensor|undefined;
  if (isSequenceProblem(problemType)) {
    lengths = tf.input({shape: [1], name: 'lengths', dtype: 'int32'});
    inputs.push(lengths);
  }
  const inputLayerFn = provider?.getInputLayerFn?.(problemType);
  const towerInput = inputLayerFn ? inputLayerFn(features) : features;
  return {inputs, lengths, towerInput};
}

/**
 * Builds the model: inputs are [features] or, for sequence problems,
 * [features, lengths]; the output is the logits [batch, numClasses].
 */
export function buildModel(args: ModelArgs): tf.LayersModel {
  const prefix = args.namePrefix ?? 'phoenix';
  const {inputs, lengths, towerInput} =
      buildInputs(args.schema, args.problemType, args.provider);
  const dropout = args.hparams['dropout_rate'];
  const towerOutput = buildTower(towerInput, args.architecture, {
    problemType: args.problemType,
    isTraining: true,
    lengths,
    hparams: args.hparams,
    namePrefix: `${prefix}/tower_0`,
    dropoutRate: typeof dropout === 'number' ? dropout : undefined,
    applyDropoutsBetweenBlocks: args.applyDropoutsBetweenBlocks,
  });
  const logits = buildLogits(towerOutput, args.numClasses, `${prefix}/logits`);
  return modelOfBlocks(
      {inputs, outputs: logits, name: prefix.replace(/\W/g, '_')},
      args.architecture);
}

/**
 * What the trainer takes for a training hyperparameter a trial lacks (a
 * replay spec's tower given no hparams, say).
 */
export const TRAINER_DEFAULTS: Readonly<Record<string, number|string>> = {
  learning_rate: 0.001,
  optimizer: 'adam',
};

/** The learning rate at `step`, with the piecewise exponential decay. */
export function learningRateAt(
    hparams: Hparams, step: number, maxDecayTimes = 5): number {
  const base = numberHparam(
      hparams, 'learning_rate', TRAINER_DEFAULTS['learning_rate'] as number);
  const rate = hparams['exponential_decay_rate'];
  const every = hparams['exponential_decay_steps'];
  if (typeof rate !== 'number' || typeof every !== 'number' || every <= 0) {
    return base;
  }
  // Porting note: phoenix.py uses a PiecewiseConstantDecay with boundaries
  // every `exponential_decay_steps` steps, capped at max_decay_times.
  const times = Math.min(Math.floor(step / every), maxDecayTimes);
  return base * Math.pow(rate, times);
}

const OPTIMIZER_NAMES =
    ['sgd', 'momentum', 'adam', 'lazy_adam', 'adagrad', 'rmsprop'];

/** hparams.optimizer (default adam); throws naming the valid ones. */
export function checkedOptimizerName(hparams: Hparams): string {
  const name = String(hparams['optimizer'] ?? TRAINER_DEFAULTS['optimizer']);
  if (!OPTIMIZER_NAMES.includes(name)) {
    throw new ValueError(
        `hparam optimizer="${name}" is not one of ${
            OPTIMIZER_NAMES.join(', ')}`);
  }
  return name;
}

/**
 * Disposes an optimizer made by makeOptimizer, and the tensors its own
 * dispose() forgets: tfjs' MomentumOptimizer keeps its negated learning
 * rate as a scalar (`c`) that it never releases, one tensor lost per trial
 * otherwise.
 */
export function disposeOptimizer(optimizer: tf.Optimizer): void {
  optimizer.dispose();
  for (const value of Object.values(optimizer)) {
    if (value instanceof tf.Tensor && !value.isDisposed) value.dispose();
  }
}

/** The optimizer named by hparams.optimizer, at the initial rate. */
export function makeOptimizer(hparams: Hparams): tf.Optimizer {
  const lr = learningRateAt(hparams, 0);
  const name = checkedOptimizerName(hparams);
  switch (name) {
    case 'sgd':
      return tf.train.sgd(lr);
    case 'momentum':
      return tf.train.momentum(lr, 0.9);
    case 'adam':
    case 'lazy_adam':
      return tf.train.adam(lr);
    case 'adagrad':
      return tf.train.adagrad(lr);
    case 'rmsprop':
      return tf.train.rmsprop(lr);
    default:
      throw new ValueError(
          `hparam optimizer="${name}" is not one of sgd, momentum, adam, ` +
          'lazy_adam, adagrad, rmsprop');
  }
}

/** Changes the learning rate of an optimizer made by makeOptimizer. */
export function setLearningRate(optimizer: tf.Optimizer, lr: number): void {
  const o = optimizer as unknown as {
    setLearningRate?: (lr: number) => void,
    learningRate: number,
  };
  if (typeof o.setLearningRate === 'function') {
    o.setLearningRate(lr);
  } else {
    o.learningRate = lr;
  }
}

export function numberHparam(
    hparams: Hparams, name: string, fallback: number): number {
  const value = hparams[name];
  return typeof value === 'number' && Number.isFinite(value) ? value : fallback;
}

/** Number of trainable parameters. */
export function countParameters(model: tf.LayersModel): number {
  return model.trainableWeights.reduce((n, w) => n + w.shape.reduce(
      (a: number, b) => a * (b ?? 1), 1), 0);
}
