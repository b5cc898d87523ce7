/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * What a search checks of a prepared data provider, and of the spec
 * against its data, before anything is written: the search binaries
 * (oss_trainer.ts) and the script API (single_trainer.ts) both refuse a
 * provider or spec that every trial would fail on, rather than recording a
 * study of failed trials.
 */

import {DataError, PROVIDERS, ProviderError, inProvider, inputBatches, noticeSlowProviderWaits} from './data/data';
import type {Batch, Provider} from './data/data';
import {UsageError} from './errors';
import {checkTrainable, problemTypeName} from './oss_trainer_lib';
import {isSequenceProblem} from './phoenix';
import type {PhoenixSpec} from './proto/phoenix_spec';
import {checkBatchFits, checkFeaturesFinite} from './train_loop';

/** The rank of one example that each problem type's towers take. */
const EXAMPLE_RANKS: Record<string, {rank: number, shape: string}> = {
  'CNN': {rank: 3, shape: '[height, width, channels]'},
  'DNN': {rank: 1, shape: '[features]'},
  'RNN_ALL_ACTIVATIONS': {rank: 2, shape: '[time steps, features]'},
  'RNN_LAST_ACTIVATIONS': {rank: 2, shape: '[time steps, features]'},
};

/**
 * How messages name `provider`: its registered name (as --phoenix_dataset
 * takes it), else its class's unless that says nothing more (the ready
 * providers' classes are all called Provider), else "the data provider".
 */
export function providerName(provider: Provider): string {
  const registered = PROVIDERS.names().find(
      (n) => PROVIDERS.get(n).ctor === provider.constructor);
  if (registered !== undefined) return registered;
  const className = (provider as {constructor?: {name?: unknown}})
                        .constructor?.name;
  return typeof className === 'string' && className !== '' &&
          className !== 'Object' && className !== 'Provider' ?
      className :
      'the data provider';
}

/**
 * What the search needs of a prepared provider's answers: a number of
 * classes and an example shape. `name` names the provider in messages.
 */
export function checkProviderAnswers(provider: Provider, name: string): void {
  // What the provider's own code throws is named, as inProvider does.
  const answer = <T>(what: string, fn: () => T): T => {
    try {
      return fn();
    } catch (e) {
      if (e instanceof DataError) throw e;
      throw new ProviderError(`data provider ${name}: ${what} threw: ${
          e instanceof Error ? e.message : String(e)}`, e);
    }
  };
  const classes =
      answer('numberOfClasses()', () => provider.numberOfClasses());
  if (!Number.isInteger(classes) || classes < 2) {
    throw new DataError(
        `data provider ${name}: numberOfClasses() is ${
            typeof classes === 'number' ? classes :
                                          `${JSON.stringify(classes)} (a ${
                                              typeof classes})`}; a ` +
        'classifier needs an integer of 2 or more');
  }
  const schema = answer('inputSchema()', () => provider.inputSchema());
  const vocabulary = schema?.labelVocabulary;
  if (vocabulary !== undefined &&
      (!Array.isArray(vocabulary) || vocabulary.length !== classes)) {
    // Predictions would be shown under the wrong class names.
    throw new DataError(
        `data provider ${name}: inputSchema().labelVocabulary has ${
            Array.isArray(vocabulary) ? vocabulary.length : 'no'} names ` +
        `but numberOfClasses() is ${classes}; give one name per class id, ` +
        'in id order');
  }
  const shape = schema?.shape;
  if (!Array.isArray(shape) || shape.length === 0 ||
      !shape.every((n) => Number.isInteger(n) && n > 0)) {
    throw new DataError(
        `data provider ${name}: inputSchema().shape is ${
            JSON.stringify(shape)}; give the shape of one example, ` +
        'positive integers (e.g. [30] for 30 features)');
  }
}

/**
 * Takes the first batch of the training data and of the evaluation data
 * and checks them as training and evaluation would (checkBatchFits), so
 * that batches that do not fit stop the search before anything is
 * written, not in the first trial.
 */
export async function checkFirstBatches(
    provider: Provider, batchSize: number, problemType: string,
    warn: (line: string) => void = () => {}): Promise<void> {
  // A provider that hangs (while a timer of its own keeps the process
  // alive) is said to be waited for.
  noticeSlowProviderWaits(warn);
  try {
    await checkFirstBatchOfEachSplit(provider, batchSize, problemType, warn);
  } finally {
    noticeSlowProviderWaits(undefined);
  }
}

async function checkFirstBatchOfEachSplit(
    provider: Provider, batchSize: number, problemType: string,
    warn: (line: string) => void): Promise<void> {
  const sequences = isSequenceProblem(problemType);
  const splits = [['train', 'training'], ['eval', 'evaluation']] as const;
  for (const [mode, split] of splits) {
    const iterator = await inProvider(
        `the data provider's getInputFn for '${mode}'`,
        () => inputBatches(provider, {}, mode, batchSize)[
            Symbol.asyncIterator]());
    try {
      const next = await inProvider(
          `the data provider's ${split} batches`, () => iterator.next());
      if (next.done) {
        throw new DataError(
            `${split} data is empty: the data provider's getInputFn for ` +
            `'${mode}' yielded no batch`);
      }
      try {
        checkBatchFits(
            next.value, split, provider.inputSchema().shape,
            provider.getLossFn === undefined ? provider.numberOfClasses() :
                                               undefined,
            sequences,
            problemType === 'RNN_ALL_ACTIVATIONS');
        checkFeaturesFinite(next.value, split);
        if (!sequences && mode === 'train' &&
            (next.value as Partial<Batch>).lengths != null) {
          const shape = provider.inputSchema().shape;
          warn(`warning: the data provider's batches carry lengths, but ` +
               `the spec's problem type (${problemType}) reads none: ` +
               `its examples of shape [${shape}] are read whole, the ` +
               'padding after each length included. For sequences, ' +
               'inputSchema().shape is [time steps, features]' +
               (shape.length === 1 ? ` ([${shape[0]}, 1] for one feature ` +
                                         'a step)' :
                                     '') +
               ', which picks an RNN config');
        }
        const rows = next.value.labels.shape[0];
        // Trials would train on other batches than the study records, and
        // a batch size the search was told to keep small (memory) would
        // not be. Training batches repeat without end, so none need be
        // short; an evaluation pass may end in a short one.
        if (rows > batchSize || (mode === 'train' && rows < batchSize)) {
          warn(`warning: the data provider's first ${split} batch holds ` +
               `${rows} examples, ${rows > batchSize ? 'more' : 'fewer'} ` +
               `than the batch size ${batchSize} it was asked for: its ` +
               `getInputFn(hparams, '${mode}', batchSize) should make ` +
               'batches of batchSize examples');
        }
      } finally {
        // What checkBatchFits refused may be no batch, or hold no tensor.
        const batch = next.value as Partial<Batch>|null|undefined;
        batch?.features?.dispose?.();
        batch?.labels?.dispose?.();
        batch?.lengths?.dispose?.();
      }
    } finally {
      await inProvider(`the data provider's ${split} batches`,
                       () => iterator.return?.());
    }
  }
}

/**
 * Refuses a spec whose problem type cannot take the provider's examples
 * (a CNN config on a CSV file). A provider with its own input layer
 * (getInputLayerFn) shapes its inputs itself. `specLabel` names the spec,
 * `name` the provider.
 */
export function checkSpecFitsData(
    spec: PhoenixSpec, specLabel: string, provider: Provider, name: string):
    void {
  try {
    checkTrainable(spec);
  } catch (e) {
    throw new UsageError(`${specLabel}: ${(e as Error).message}`);
  }
  const problemType = problemTypeName(spec);
  const wanted = EXAMPLE_RANKS[problemType];
  if (wanted === undefined || provider.getInputLayerFn !== undefined) return;
  const shape = provider.inputSchema().shape;
  if (shape.length === wanted.rank) return;
  const suggestion = shape.length === 1 ?
      'use a DNN spec (e.g. model_search/configs/dnn_config.pbtxt)' :
      shape.length === 3 ?
      'use a CNN spec (e.g. model_search/configs/cnn_config.pbtxt)' :
      'use an RNN spec (e.g. model_search/configs/rnn_last_config.pbtxt)';
  throw new UsageError(
      `${specLabel}: problem_type ${problemType} needs examples of shape ${
          wanted.shape}, but ${name} gives [${shape.join(', ')}]; ` +
      suggestion);
}
