/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/** What the search binary says when a user's data provider throws. */

import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import {tf} from './backend/tf';
import {DataError, registerProvider} from './data/data';
import type {Batch, InputSchema, Provider} from './data/data';
import {main} from './oss_trainer';

/** Where the test provider throws: set by each test. */
let throwIn: 'prepare'|'batches'|'nowhere' = 'nowhere';
/** How its batches or data are broken: set by a test. */
let broken: 'features'|'one-hot'|'label'|'empty eval'|'bad row'|
    'no examples'|'classes throw'|'arrays'|'reused'|'null'|'infinite'|
    'wasm fault'|'' = '';
/** What the test provider says of its classes: set by a test. */
let classes = 2;
/**
 * Examples of 2 time steps of 3 features (an RNN problem, by default)
 * and the lengths its batches give: set by a test.
 */
let sequences: 'none'|'no lengths'|'too long'|'good'|'flat, with lengths' =
    'none';
/** The class names the test provider gives: set by a test. */
let vocabulary: string[]|undefined;
/**
 * What getInputFn returns in place of an input function of an async
 * generator: set by a test.
 */
let inputFnGives: 'async generator'|'sync generator'|'iterable'|'number' =
    'async generator';

@registerProvider({lookupName: 'provider_errors_test', initArgs: {}})
class ThrowingProvider implements Provider {
  /** Set for 'wasm fault': a loss that fails as an overrun wasm heap does. */
  getLossFn?: () => (labels: tf.Tensor, logits: tf.Tensor) => tf.Scalar;

  constructor() {
    if (broken === 'wasm fault') {
      this.getLossFn = () => () => {
        const fault = (globalThis as unknown as {
                        WebAssembly: {RuntimeError: new (m: string) => Error},
                      }).WebAssembly.RuntimeError;
        throw new fault('memory access out of bounds');
      };
    }
  }

  async prepare(): Promise<void> {
    if (throwIn === 'prepare') throw new RangeError('cannot reach the data');
    if (broken === 'bad row') throw new DataError('bad row', '/data/x.csv', 7);
  }

  getInputFn(_hparams: unknown, mode: string): () => AsyncIterable<Batch> {
    if (inputFnGives === 'sync generator') {
      return function*() {
        for (;;) {
          yield {features: tf.ones([2, 3]),
                 labels: tf.tensor1d([0, 1], 'int32') as tf.Tensor1D};
          if (mode === 'eval') return;
        }
      } as unknown as () => AsyncIterable<Batch>;
    }
    if (inputFnGives === 'number') {
      return (() => 42) as unknown as () => AsyncIterable<Batch>;
    }
    if (inputFnGives === 'iterable') {
      return (async function*() {})() as unknown as () =>
                 AsyncIterable<Batch>;
    }
    return async function*() {
      if (throwIn === 'batches') throw new Error('the source went away');
      if (broken === 'empty eval' && mode === 'eval') return;
      // One batch yielded again and again: disposed after its first step.
      const kept = {features: tf.ones([2, 3]),
                    labels: tf.tensor1d([0, 1], 'int32') as tf.Tensor1D};
      for (;;) {
        if (broken === 'null') {
          yield null as unknown as Batch;
          continue;
        }
        if (broken === 'arrays') {
          yield {features: [[1, 2, 3], [4, 5, 6]], labels: [0, 1]} as
              unknown as Batch;
          continue;
        }
        if (broken === 'reused' && mode === 'train') {
          yield kept;
          continue;
        }
        if (broken === 'no examples') {
          yield {features: tf.ones([0, 3]),
                 labels: tf.tensor1d([], 'int32') as tf.Tensor1D};
          continue;
        }
        if (sequences === 'flat, with lengths') {
          // Sequences of one feature described as [time steps].
          yield {features: tf.ones([2, 3]),
                 labels: tf.tensor1d([0, 1], 'int32') as tf.Tensor1D,
                 lengths: tf.tensor1d([3, 1], 'int32') as tf.Tensor1D};
          if (mode === 'eval') return;
          continue;
        }
        if (sequences !== 'none') {
          yield {
            features: tf.ones([2, 2, 3]),
            labels: tf.tensor1d([0, 1], 'int32') as tf.Tensor1D,
            ...(sequences === 'no lengths' ? {} : {
              lengths: tf.tensor1d([2, sequences === 'too long' ? 3 : 1],
                                   'int32') as tf.Tensor1D,
            }),
          };
          if (mode === 'eval') return;
          continue;
        }
        yield {
          features: broken === 'infinite' ?
              tf.tensor2d([[1, 2, 3], [4, Infinity, 6]]) :
              tf.ones([2, broken === 'features' ? 4 : 3]),
          // Typed as the contract says; the test breaks it on purpose.
          labels: (broken === 'one-hot' ?
                       tf.tensor2d([[1, 0], [0, 1]], [2, 2], 'int32') :
                       tf.tensor1d([0, broken === 'label' ? 5 : 1],
                                   'int32')) as tf.Tensor1D,
        };
        if (mode === 'eval') return;
      }
    };
  }

  inputSchema(): InputSchema {
    return {kind: 'provider_errors_test',
            shape: sequences === 'none' || sequences === 'flat, with lengths' ?
                [3] :
                [2, 3],
            labelVocabulary: vocabulary};
  }

  numberOfClasses(): number {
    if (broken === 'classes throw') throw new Error('no classes yet');
    return classes;
  }
}

async function run(argv: string[]): Promise<{code: number, log: string[]}> {
  const log: string[] = [];
  const code = await main(argv, (line) => log.push(line));
  return {code, log};
}

describe('a data provider that throws', function() {
  this.timeout(60000);
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'provider_errors_'));
  });
  afterEach(() => {
    fs.rmSync(dir, {recursive: true, force: true});
    throwIn = 'nowhere';
    classes = 2;
    broken = '';
    sequences = 'none';
    vocabulary = undefined;
    inputFnGives = 'async generator';
  });
  const argv = () => [
    '--phoenix_dataset=provider_errors_test', `--model_dir=${dir}`,
    '--phoenix_train_steps=2', '--phoenix_eval_steps=1',
    '--experiment_max_num_trials=1', '--backend=cpu',
  ];

  it('in prepare(): named in one line, no stack, exit 1', async () => {
    throwIn = 'prepare';

    const {code, log} = await run(argv());

    assert.equal(code, 1);
    assert.equal(log[log.length - 1],
                 'error: data provider provider_errors_test: prepare() ' +
                     'threw: cannot reach the data (MODEL_SEARCH_DEBUG=1 ' +
                     'prints its stack)');
  });

  it('reads the batches of a plain generator as an async one\'s',
     async () => {
       inputFnGives = 'sync generator';

       const {code, log} = await run(argv());

       assert.equal(code, 0, log.join('\n'));
       assert.ok(log.some((l) => /^trial 1 \[1\/1\] /.test(l)),
                 log.join('\n'));
     });

  for (const [gives, says] of [
           ['iterable', 'returned an object, not an input function: ' +
                'return a function that makes the batches (e.g. `() => ' +
                'this.batches(...)`), which the search calls for each pass'],
           ['number', 'returned a number, not batches: return an async ' +
                'generator (`async function*`) or any iterable of ' +
                '{features, labels} batches'],
         ] as const) {
    it(`names an input function that gives ${gives === 'iterable' ?
           'no function' : 'a number'}, exit 2`,
       async () => {
         inputFnGives = gives;

         const {code, log} = await run(argv());

         assert.equal(code, 2, log.join('\n'));
         assert.equal(log[log.length - 1],
                      'error: the data provider\'s getInputFn(hparams, ' +
                          `'train', 100)${gives === 'number' ?
                              '\'s input function' : ''} ${says}`);
       });
  }

  it('in its batches: named in one line, no stack, exit 1', async () => {
    throwIn = 'batches';

    const {code, log} = await run(argv());

    assert.equal(code, 1);
    assert.equal(log[log.length - 1],
                 'error: data provider provider_errors_test: training ' +
                     'batches threw: the source went away ' +
                     '(MODEL_SEARCH_DEBUG=1 prints its stack)');
    assert.deepEqual(fs.readdirSync(dir), []);
  });

  const BAD_DATA = [
    ['features', 'error: the training data gives features of shape [2,4], ' +
         'but the model takes examples of shape [3] (the data provider\'s ' +
         'inputSchema()): make the two agree'],
    ['one-hot', 'error: the training data gives labels of shape [2,2] for ' +
         '2 examples: give one class id per example, a tensor of shape [2] ' +
         '(not one-hot)'],
    ['label', 'error: the training data gives label 5 (example 2 of a ' +
         'batch of 2); labels are class ids, whole numbers from 0 to 1, 2 being the data ' +
         'provider\'s numberOfClasses(): fix the labels or the number of ' +
         'classes'],
    ['empty eval', 'error: evaluation data is empty: the data provider\'s ' +
         'getInputFn for \'eval\' yielded no batch'],
    ['bad row', 'error: /data/x.csv:7: bad row'],
    ['no examples', 'error: the training data gives a batch of 0 examples ' +
         '(features of shape [0,3]): give batches of at least one example'],
    ['arrays', 'error: the training data gives a batch whose features is ' +
         'not a tensor (an array): yield {features: tf.Tensor, labels: ' +
         'tf.Tensor1D} batches'],
    ['null', 'error: the training data gives a batch that is null: yield ' +
         '{features: tf.Tensor, labels: tf.Tensor1D} objects'],
    ['infinite', 'error: the training data gives a feature of Infinity ' +
         '(example 2 of a batch of 2): models train on finite numbers ' +
         'only; fill in or drop such values in the data provider'],
  ] as const;
  for (const [how, message] of BAD_DATA) {
    it(`whose data is bad (${how}): named, exit 2, nothing written`,
       async () => {
         broken = how;

         const {code, log} = await run(argv());

         assert.equal(code, 2, log.join('\n'));
         assert.equal(log[log.length - 1], message);
         assert.deepEqual(fs.readdirSync(dir), []);
       });
  }

  const BAD_SEQUENCES = [
    ['no lengths', 'error: the training data gives batches without ' +
         'lengths, but the spec\'s problem type (RNN_LAST_ACTIVATIONS) takes ' +
         'sequences: ' +
         'give each batch `lengths`, the time steps of each example as an ' +
         'int32 tensor of shape [2] or [2, 1]'],
    ['too long', 'error: the training data gives length 3 (example 2); ' +
         'lengths are whole numbers of time steps in [1, 2]'],
  ] as const;
  for (const [how, message] of BAD_SEQUENCES) {
    it(`whose sequences are bad (${how}): named, exit 2, nothing written`,
       async () => {
         sequences = how;

         const {code, log} = await run(argv());

         assert.equal(code, 2, log.join('\n'));
         assert.equal(log[log.length - 1], message);
         assert.deepEqual(fs.readdirSync(dir), []);
       });
  }

  it('of sequences with their lengths: an RNN search', async () => {
    sequences = 'good';

    const {code, log} = await run(argv());

    assert.equal(code, 0, log.join('\n'));
    assert.ok(log.some((line) => /rnn_last_config/.test(line)),
              log.join('\n'));
    assert.ok(log.some((line) => line.startsWith('trial 1 [1/1] ')),
              log.join('\n'));
  });

  it('of lengths with examples of one axis: a warning, a dnn search',
     async () => {
       sequences = 'flat, with lengths';

       const {code, log} = await run(argv());

       assert.equal(code, 0, log.join('\n'));
       assert.ok(log.includes(
                     'warning: the data provider\'s batches carry lengths, ' +
                     'but the spec\'s problem type (DNN) reads none: its ' +
                     'examples of shape [3] are read whole, the padding ' +
                     'after each length included. For sequences, ' +
                     'inputSchema().shape is [time steps, features] ([3, 1] ' +
                     'for one feature a step), which picks an RNN config'),
                 log.join('\n'));
     });

  it('of one label per sequence under a spec of a label per step: exit 2',
     async () => {
       sequences = 'good';

       const {code, log} = await run([
         ...argv(),
         '--phoenix_spec_filename=model_search/configs/rnn_all_config.pbtxt',
       ]);

       assert.equal(code, 2, log.join('\n'));
       assert.equal(log[log.length - 1],
                    'error: the training data gives labels of shape [2] for ' +
                        '2 sequences of 2 steps, but the spec\'s problem ' +
                        'type RNN_ALL_ACTIVATIONS takes a class id per ' +
                        'step: give labels of shape [2, 2] (for one label ' +
                        'per sequence use RNN_LAST_ACTIVATIONS)');
       assert.deepEqual(fs.readdirSync(dir), []);
     });

  it('whose batches overrun the wasm memory: the search stops saying ' +
         'which flags to lower, exit 1',
     async () => {
       broken = 'wasm fault';

       const {code, log} = await run([...argv(),
                                      '--experiment_max_num_trials=3']);

       assert.equal(code, 1, log.join('\n'));
       assert.equal(log[log.length - 1],
                    'error: the wasm backend failed (memory access out of ' +
                        'bounds): a trial\'s tensors most likely outgrew its ' +
                        'memory (4 GB at most); lower --phoenix_batch_size ' +
                        '(100) or the size of the inputs (--image_height, ' +
                        '--image_width) (MODEL_SEARCH_DEBUG=1 prints its ' +
                        'stack)');
       // The first trial stopped the search: no second one trained.
       assert.ok(!log.some((l) => /^trial 2\b/.test(l)), log.join('\n'));
     });

  it('that yields one batch again: named, exit 2', async () => {
    broken = 'reused';

    const {code, log} = await run(argv());

    assert.equal(code, 2, log.join('\n'));
    assert.equal(log[log.length - 1],
                 'error: the training data gives a batch whose features ' +
                     'tensor is disposed: the search disposes each batch ' +
                     'once used, so yield new tensors for every batch (not ' +
                     'one kept and yielded again); the study in ' +
                     `--model_dir=${dir} is kept: fix the ` +
                     'data (or the provider), then run the same command to ' +
                     'resume it');
  });

  it('in numberOfClasses(): named in one line, exit 1, nothing written',
     async () => {
       broken = 'classes throw';

       const {code, log} = await run(argv());

       assert.equal(code, 1);
       assert.equal(log[log.length - 1],
                    'error: data provider provider_errors_test: ' +
                        'numberOfClasses() threw: no classes yet ' +
                        '(MODEL_SEARCH_DEBUG=1 prints its stack)');
       assert.deepEqual(fs.readdirSync(dir), []);
     });

  it('whose class names are not one per class: named, exit 2', async () => {
    vocabulary = ['a', 'b', 'c'];

    const {code, log} = await run(argv());

    assert.equal(code, 2);
    assert.equal(log[log.length - 1],
                 'error: data provider provider_errors_test: ' +
                     'inputSchema().labelVocabulary has 3 names but ' +
                     'numberOfClasses() is 2; give one name per class id, ' +
                     'in id order');
    assert.deepEqual(fs.readdirSync(dir), []);
  });

  it('that says it has no classes: named, exit 2, nothing written',
     async () => {
       classes = 0;

       const {code, log} = await run(argv());

       assert.equal(code, 2);
       assert.equal(log[log.length - 1],
                    'error: data provider provider_errors_test: ' +
                        'numberOfClasses() is 0; a classifier needs an ' +
                        'integer of 2 or more');
       assert.deepEqual(fs.readdirSync(dir), []);
     });

  it('that gives its number of classes as text: named, exit 2', async () => {
    classes = '3' as unknown as number;

    const {code, log} = await run(argv());

    assert.equal(code, 2);
    assert.equal(log[log.length - 1],
                 'error: data provider provider_errors_test: ' +
                     'numberOfClasses() is "3" (a string); a classifier ' +
                     'needs an integer of 2 or more');
  });

  it('nowhere: the same provider searches', async () => {
    const {code, log} = await run(argv());

    assert.equal(code, 0, log.join('\n'));
    assert.ok(log.some((line) => line.startsWith('trial 1 [1/1] ')),
              log.join('\n'));
  });
});
