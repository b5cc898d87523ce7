/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import {tf} from './backend/tf';
import {DEFAULT_DNN} from './constants';
import {CsvDataProvider} from './data/csv_data';
import {DataError, ProviderError} from './data/data';
import type {Batch} from './data/data';
import {buildModel, disposeOptimizer, learningRateAt, makeOptimizer} from './phoenix';
import {SingleTrainer} from './single_trainer';
import {clippingScale} from './fused_optimizers';
import {EventLoopYielder, LONG_EVALUATION_BATCHES, ModelFailure, TrialFailure, checkBatch, checkBatchFits, checkFeaturesFinite, clipByGlobalNorm, evaluateModel, sequenceSoftmaxCrossEntropy, softmaxCrossEntropy, tfjsTrainingOptimizer, trainModel, trainingOptimizer} from './train_loop';

const RANDOM_CSV = 'model_search/data/testdata/csv_random_data.csv';

/** A one-layer model on 3 features and 2 classes, with fixed weights. */
function tinyModel(): tf.LayersModel {
  const input = tf.input({shape: [3]});
  const dense = tf.layers.dense(
      {units: 2, kernelInitializer: 'ones', biasInitializer: 'zeros'});
  return tf.model({inputs: input,
                   outputs: dense.apply(input) as tf.SymbolicTensor});
}

/** `n` batches of 4 examples, made fresh each time (training disposes). */
async function* batches(n: number): AsyncGenerator<Batch> {
  for (let i = 0; i < n; i++) {
    yield {
      features: tf.tensor2d([[1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 1, 1]]),
      labels: tf.tensor1d([0, 1, 0, 1], 'int32'),
    };
  }
}

function kernelOf(model: tf.LayersModel): number[] {
  return Array.from(model.layers[1].getWeights()[0].dataSync());
}

describe('trainModel', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });

  it('fails the trial when the loss turns NaN', async () => {
    const before = tf.memory().numTensors;
    const model = tinyModel();

    await assert.rejects(
        trainModel(model, {
          steps: 10, hparams: {optimizer: 'sgd', learning_rate: 0.1},
          batches: batches(10), syncEvery: 5,
          lossFn: (labels, logits) =>
              tf.mul(softmaxCrossEntropy(labels, logits), NaN) as tf.Scalar,
        }),
        new ModelFailure('training loss became NaN between steps 1 and 5 ' +
                         '(the losses of the steps before the last are not ' +
                         'read, to keep training fast)'));
    model.dispose();
    // Including the batch made ahead for step 6.
    assert.equal(tf.memory().numTensors, before);
  });

  it('names the step whose batch brought a NaN or an infinity', async () => {
    const before = tf.memory().numTensors;
    async function* poisonedAt(badStep: number, value: number):
        AsyncGenerator<Batch> {
      for (let step = 1;; step++) {
        yield {
          features: tf.tensor2d([[1, 0, 0], [0, step === badStep ? value : 1, 0],
                                 [0, 0, 1], [1, 1, 1]]),
          labels: tf.tensor1d([0, 1, 0, 1], 'int32'),
        };
      }
    }

    for (const [badStep, value] of [[7, NaN], [10, Infinity], [11, -Infinity]]) {
      // A model of its own each time: the bad step leaves NaN weights.
      const model = tinyModel();
      await assert.rejects(
          trainModel(model, {
            steps: 20, hparams: {optimizer: 'sgd', learning_rate: 0.1},
            batches: poisonedAt(badStep, value), syncEvery: 5,
          }),
          (e: Error) => e instanceof DataError && e.message ===
              'the training data gives a feature that is NaN or infinite ' +
              `in the batch of training step ${badStep}: models train on ` +
              'finite numbers only; fill in or drop such values in the data ' +
              'provider');
      model.dispose();
    }
    assert.equal(tf.memory().numTensors, before);
  });

  it('asks for the next batch before the current step computes', async () => {
    const model = tinyModel();
    const events: string[] = [];
    async function* logged(): AsyncGenerator<Batch> {
      for (let i = 0; i < 3; i++) {
        events.push(`batch ${i}`);
        yield* batches(1);
      }
    }

    await trainModel(model, {
      steps: 3, hparams: {optimizer: 'sgd'}, batches: logged(), syncEvery: 1,
      onLoss: (step) => events.push(`step ${step} done`),
    });

    assert.deepEqual(events, ['batch 0', 'batch 1', 'step 1 done', 'batch 2',
                              'step 2 done', 'step 3 done']);
    model.dispose();
  });

  it('stops the search when the training data runs out', async () => {
    const model = tinyModel();

    await assert.rejects(
        trainModel(model, {steps: 3, hparams: {}, batches: batches(2)}),
        (e: Error) => e instanceof DataError && e.message ===
            'training data ran out at step 2: a data provider\'s training ' +
            'batches must repeat without end (its getInputFn for \'train\' ' +
            'loops over the data)');
    model.dispose();
  });

  // Batches a provider might get wrong, and what the search says.
  const badBatches: Array<{name: string, batch: () => Batch, error: string}> = [
    {
      name: 'a label out of range',
      batch: () => ({features: tf.ones([4, 3]),
                     labels: tf.tensor1d([0, 1, 3, 1], 'int32')}),
      error: 'the training data gives label 3 (example 3 of a batch of 4); ' +
          'labels are class ids, whole numbers from 0 to 1, 2 being the data provider\'s ' +
          'numberOfClasses(): fix the labels or the number of classes',
    },
    {
      name: 'a negative label',
      batch: () => ({features: tf.ones([4, 3]),
                     labels: tf.tensor1d([-1, 1, 0, 1], 'int32')}),
      error: 'the training data gives label -1 (example 1 of a batch of 4); ' +
          'labels are class ids, whole numbers from 0 to 1, 2 being the data provider\'s ' +
          'numberOfClasses(): fix the labels or the number of classes',
    },
    {
      name: 'a label that is not a whole number',
      batch: () => ({features: tf.ones([4, 3]),
                     labels: tf.tensor1d([0, 1.5, 0, 1], 'float32')}),
      error: 'the training data gives label 1.5 (example 2 of a batch of ' +
          '4), not a whole number; labels are class ids, whole numbers from 0 to 1, 2 being ' +
          'the data provider\'s numberOfClasses(): fix the labels or the ' +
          'number of classes',
    },
    {
      name: 'one-hot labels',
      batch: () => ({features: tf.ones([4, 3]),
                     labels: tf.tidy(() => tf.oneHot(
                         tf.tensor1d([0, 1, 0, 1], 'int32'), 2)) as
                         unknown as tf.Tensor1D}),
      error: 'the training data gives labels of shape [4,2] for 4 examples: ' +
          'give one class id per example, a tensor of shape [4] (not ' +
          'one-hot)',
    },
    {
      name: 'features of strings',
      batch: () => ({features: tf.tensor2d([['a', 'b', 'c']], [1, 3], 'string'),
                     labels: tf.tensor1d([0], 'int32')}),
      error: 'the training data gives features of dtype string: give ' +
          'numbers (float32; encode text or categories as numbers in the ' +
          'data provider)',
    },
    {
      name: 'features of another shape',
      batch: () => ({features: tf.ones([4, 8]),
                     labels: tf.tensor1d([0, 1, 0, 1], 'int32')}),
      error: 'the training data gives features of shape [4,8], but the ' +
          'model takes examples of shape [3] (the data provider\'s ' +
          'inputSchema()): make the two agree',
    },
  ];
  for (const c of badBatches) {
    it(`stops on ${c.name}, naming it and its step, and leaks nothing`,
       async () => {
      const model = tinyModel();
      const before = tf.memory().numTensors;
      // A good batch first: the search checks the first before it starts.
      async function* goodThenBad(): AsyncGenerator<Batch> {
        yield* batches(1);
        yield c.batch();
      }

      await assert.rejects(
          trainModel(model, {steps: 2, hparams: {}, batches: goodThenBad()}),
          (e: Error) => e instanceof DataError &&
              e.message === c.error.replace(
                  /^the training data gives /,
                  'the training data, in the batch of training step 2, ' +
                      'gives '));
      assert.equal(tf.memory().numTensors, before);
      model.dispose();
    });
  }

  it('reads nothing back from the backend between the steps it syncs at',
     async () => {
       const model = tinyModel();
       let reads = 0;
       const dataSync = tf.Tensor.prototype.dataSync;
       const data = tf.Tensor.prototype.data;
       tf.Tensor.prototype.dataSync = function(this: tf.Tensor) {
         reads++;
         return dataSync.call(this);
       } as typeof dataSync;
       tf.Tensor.prototype.data = function(this: tf.Tensor) {
         reads++;
         return data.call(this);
       } as typeof data;
       // Reads so far as each batch is asked for: batch k+1 is asked for
       // as step k starts, before it computes.
       const readsAtPull: number[] = [];
       async function* counted(): AsyncGenerator<Batch> {
         for await (const batch of batches(10)) {
           readsAtPull.push(reads);
           yield batch;
         }
       }
       try {
         await trainModel(model, {steps: 10, hparams: {}, syncEvery: 1000,
                                  batches: counted()});
       } finally {
         tf.Tensor.prototype.dataSync = dataSync;
         tf.Tensor.prototype.data = data;
       }
       // The first batch's labels are checked at once (one read); then
       // nothing until the last step reads the loss and the labels kept.
       assert.deepEqual(readsAtPull.slice(2), Array(8).fill(readsAtPull[2]));
       assert.ok(reads > readsAtPull[2]);
       model.dispose();
     });

  it('names a bad label of a step between syncs, training no further',
     async () => {
       const model = tinyModel();
       const before = tf.memory().numTensors;
       let pulled = 0;
       async function* badAtStep3(): AsyncGenerator<Batch> {
         for await (const batch of batches(10)) {
           if (++pulled === 3) {
             batch.labels.dispose();
             yield {...batch, labels: tf.tensor1d([0, 7, 0, 1], 'int32')};
           } else {
             yield batch;
           }
         }
       }

       await assert.rejects(
           trainModel(model, {steps: 10, hparams: {}, syncEvery: 5,
                              batches: badAtStep3()}),
           (e: Error) => e instanceof DataError &&
               e.message === 'the training data, in the batch of training ' +
                   'step 3, gives label 7 (example 2 of a batch of 4); ' +
                   'labels are class ids, whole numbers from 0 to 1, 2 being the data ' +
                   'provider\'s numberOfClasses(): fix the labels or the ' +
                   'number of classes');
       // Stopped at the sync of step 5 (step 6's batch asked for ahead).
       assert.equal(pulled, 6);
       assert.equal(tf.memory().numTensors, before);
       model.dispose();
     });

  it('fails the trial when the model\'s computation throws, leaking nothing',
     async () => {
       // A layer whose call fails only on real tensors: a reshape to a
       // size its input does not have, which no symbolic shape caught.
       const input = tf.input({shape: [3]});
       const dense = tf.layers.dense({units: 8}).apply(input);
       const reshaped = tf.layers.reshape({targetShape: [2, 4]}).apply(dense);
       const flat = tf.layers.flatten().apply(reshaped);
       const logits = tf.layers.dense({units: 2}).apply(flat);
       const model = tf.model(
           {inputs: input, outputs: logits as tf.SymbolicTensor});
       // Breaks it: the reshape now asks for 3 x 4 values of 8.
       (model.layers[2] as unknown as {targetShape: number[]}).targetShape =
           [3, 4];
       const before = tf.memory().numTensors;

       await assert.rejects(
           trainModel(model, {steps: 2, hparams: {}, batches: batches(2)}),
           (e: Error) => e instanceof ModelFailure &&
               e instanceof TrialFailure &&
               /^the model failed at training step 1: .*size/.test(e.message));
       await assert.rejects(
           evaluateModel(model, batches(1), 0, 2),
           (e: Error) => e instanceof ModelFailure &&
               /^the model failed at evaluation batch 1: /.test(e.message));
       // The batches made for the steps, the one asked for ahead too.
       assert.equal(tf.memory().numTensors, before);
       model.dispose();
     });

  it('names a block that changed the batch dimension', async () => {
    // A layer that folds features into rows, its symbolic shape unchanged
    // in rank: [batch, 2] -> [2 * batch, 1].
    class FoldIntoRows extends tf.layers.Layer {
      static className = 'FoldIntoRows';
      override call(inputs: tf.Tensor|tf.Tensor[]): tf.Tensor {
        const x = Array.isArray(inputs) ? inputs[0] : inputs;
        return tf.reshape(x, [-1, 1]);
      }
      override computeOutputShape(): tf.Shape {
        return [null, 1];
      }
    }
    const input = tf.input({shape: [3]});
    const folded =
        new FoldIntoRows().apply(tf.layers.dense({units: 2}).apply(input));
    const logits = tf.layers.dense({units: 2}).apply(folded);
    const model =
        tf.model({inputs: input, outputs: logits as tf.SymbolicTensor});
    const before = tf.memory().numTensors;
    const says = /: the model's output has 8 rows for a batch of 4 examples \(output shape \[8,2\]\): a block changes the batch dimension, the first; /;

    await assert.rejects(
        trainModel(model, {steps: 2, hparams: {}, batches: batches(2)}),
        (e: Error) => e instanceof ModelFailure &&
            /^the model failed at training step 1/.test(e.message) &&
            says.test(e.message));
    await assert.rejects(
        evaluateModel(model, batches(1), 0, 2),
        (e: Error) => e instanceof ModelFailure && says.test(e.message));
    assert.equal(tf.memory().numTensors, before);
    model.dispose();
  });

  it('evaluates no label out of range either', async () => {
    const model = tinyModel();
    async function* eval1(): AsyncGenerator<Batch> {
      yield {features: tf.ones([2, 3]), labels: tf.tensor1d([1, 2], 'int32')};
    }

    await assert.rejects(
        evaluateModel(model, eval1(), 1, 2),
        (e: Error) => e instanceof DataError &&
            e.message.startsWith('the evaluation data, in evaluation ' +
                                 'batch 1, gives label 2 (example 2 of a ' +
                                 'batch of 2)'));
    model.dispose();
  });

  it('names an evaluation batch whose loss is not a number, and why',
     async () => {
       const model = tinyModel();
       const before = tf.memory().numTensors;
       async function* withValue(value: number): AsyncGenerator<Batch> {
         yield* batches(1);
         // Of class 1: scored NaN, it would rank nowhere.
         yield {features: tf.tensor2d([[0, 0, 0], [1, value, 1]]),
                labels: tf.tensor1d([0, 1], 'int32')};
       }

       await assert.rejects(
           evaluateModel(model, withValue(Infinity), 0, 2),
           (e: Error) => e instanceof DataError &&
               e.message.startsWith('the evaluation data, in evaluation ' +
                                    'batch 2, gives a feature of Infinity ' +
                                    '(example 2 of a batch of 2)'));
       // Weights that are not numbers: the model's doing.
       const nanWeights = model.getWeights().map((w) => tf.fill(w.shape, NaN));
       model.setWeights(nanWeights);
       tf.dispose(nanWeights);
       await assert.rejects(
           evaluateModel(model, withValue(1), 0, 2),
           (e: Error) => e instanceof TrialFailure &&
               e.message === 'evaluation loss is NaN at evaluation batch 1, ' +
                   'whose inputs are finite numbers');
       assert.equal(tf.memory().numTensors, before);
       model.dispose();
     });

  it('names the provider when its batches throw', async () => {
    const model = tinyModel();
    async function* broken(): AsyncGenerator<Batch> {
      yield* batches(1);
      throw new TypeError('reading past the end');
    }

    await assert.rejects(
        trainModel(model, {steps: 3, hparams: {}, batches: broken()}),
        (e: Error) => e instanceof ProviderError &&
            e.message === 'the data provider\'s training batches threw: ' +
                'reading past the end');
    await assert.rejects(
        evaluateModel(model, broken(), 3, 2),
        (e: Error) => e instanceof ProviderError &&
            e.message === 'the data provider\'s evaluation batches threw: ' +
                'reading past the end');
    model.dispose();
  });

  it('closes the evaluation batches it leaves early', async () => {
    const model = tinyModel();
    let closed = false;
    async function* endless(): AsyncGenerator<Batch> {
      try {
        for (;;) yield* batches(1);
      } finally {
        closed = true;
      }
    }

    await evaluateModel(model, endless(), 2, 2);
    assert.equal(closed, true);
    model.dispose();
  });

  it('says so once when an uncapped evaluation goes on and on', async () => {
    const model = tinyModel();
    async function* long(count: number): AsyncGenerator<Batch> {
      for (let i = 0; i < count; i++) yield* batches(1);
    }
    const said: string[] = [];
    const warn = (line: string) => said.push(line);

    await evaluateModel(model, long(LONG_EVALUATION_BATCHES - 1), 0, 2,
                        undefined, undefined, warn);
    assert.deepEqual(said, []);
    await evaluateModel(model, long(LONG_EVALUATION_BATCHES + 5), 0, 2,
                        undefined, undefined, warn);
    assert.deepEqual(said, [
      `evaluation has read ${LONG_EVALUATION_BATCHES} batches so far; ` +
          'if the data provider\'s \'eval\' input never ends, set ' +
          '--phoenix_eval_steps (a long one ends on its own)',
    ]);
    model.dispose();
  });

  it('leaves labels to a loss function of the provider', async () => {
    const model = tinyModel();
    async function* regression(): AsyncGenerator<Batch> {
      yield {features: tf.ones([4, 3]), labels: tf.tensor1d([0.5, 7, -2, 1])};
    }

    await trainModel(model, {
      steps: 1, hparams: {}, batches: regression(),
      lossFn: (labels, logits) =>
          tf.losses.meanSquaredError(labels, tf.sum(logits, 1)) as tf.Scalar,
    });
    model.dispose();
  });

  it('lowers the loss and leaves no tensor behind', async () => {
    const model = tinyModel();
    const before = tf.memory().numTensors;
    const losses: number[] = [];

    const result = await trainModel(model, {
      steps: 40, hparams: {optimizer: 'adam', learning_rate: 0.05},
      batches: batches(40), syncEvery: 10,
      onLoss: (_, loss) => losses.push(loss),
    });

    assert.equal(result.steps, 40);
    assert.equal(losses.length, 4);
    assert.ok(losses[3] < losses[0], `losses ${losses}`);
    assert.equal(tf.memory().numTensors, before);
    model.dispose();
  });

  it('pulls weights towards zero with l2_regularization', async () => {
    const plain = tinyModel();
    const decayed = tinyModel();
    const hparams = {optimizer: 'sgd', learning_rate: 0.1};

    await trainModel(plain, {steps: 5, hparams, batches: batches(5)});
    await trainModel(decayed, {
      steps: 5, hparams: {...hparams, l2_regularization: 0.5},
      batches: batches(5),
    });

    const norm = (w: number[]) => w.reduce((a, b) => a + b * b, 0);
    assert.ok(norm(kernelOf(decayed)) < norm(kernelOf(plain)),
              `${kernelOf(decayed)} vs ${kernelOf(plain)}`);
    plain.dispose();
    decayed.dispose();
  });
});

describe('sequenceSoftmaxCrossEntropy', () => {
  const logits = [[[2, 0], [0, 1], [5, -5]], [[1, 1], [0.5, 0], [3, 2]]];
  const labels = [[0, 1, -1], [1, 0, 0]];
  const lengths = [2, 3];

  it('is the mean over the steps before each length', () => {
    const loss = sequenceSoftmaxCrossEntropy(
        tf.tensor2d(labels, [2, 3], 'int32'), tf.tensor3d(logits),
        tf.tensor1d(lengths, 'int32'));
    let want = 0;
    let steps = 0;
    labels.forEach((row, i) => {
      for (let t = 0; t < lengths[i]; t++) {
        const z = logits[i][t];
        const logSum = Math.log(Math.exp(z[0]) + Math.exp(z[1]));
        want += logSum - z[row[t]];
        steps++;
      }
    });
    assert.ok(Math.abs(loss.dataSync()[0] - want / steps) < 1e-5,
              `${loss.dataSync()[0]} vs ${want / steps}`);
  });

  it('ignores the labels and logits of padding steps', () => {
    const changed = logits.map((row) => row.map((z) => [...z]));
    changed[0][2] = [-9, 9];
    const a = sequenceSoftmaxCrossEntropy(
        tf.tensor2d(labels, [2, 3], 'int32'), tf.tensor3d(logits),
        tf.tensor2d([[2], [3]], [2, 1], 'int32'));
    const b = sequenceSoftmaxCrossEntropy(
        tf.tensor2d([[0, 1, 1], [1, 0, 0]], [2, 3], 'int32'),
        tf.tensor3d(changed), tf.tensor1d(lengths, 'int32'));
    assert.equal(a.dataSync()[0], b.dataSync()[0]);
  });
});

describe('checkBatchFits of a label per time step', () => {
  const batch = (labels: tf.Tensor): Batch => ({
    features: tf.zeros([2, 3, 4]),
    labels,
    lengths: tf.tensor1d([3, 1], 'int32'),
  });
  const check = (labels: tf.Tensor) => () => checkBatchFits(
      batch(labels), 'training', [3, 4], 2, true, true);

  it('takes class ids up to each length, anything after', () => {
    check(tf.tensor2d([[0, 1, 1], [1, -1, 7]], [2, 3], 'int32'))();
  });

  it('refuses one label per sequence, naming the shape to give', () => {
    assert.throws(
        check(tf.tensor1d([0, 1], 'int32')),
        (e: Error) => e instanceof DataError && e.message ===
            'the training data gives labels of shape [2] for 2 sequences of ' +
            '3 steps, but the spec\'s problem type RNN_ALL_ACTIVATIONS ' +
            'takes a class id per step: give labels of shape [2, 3] (for ' +
            'one label per sequence use RNN_LAST_ACTIVATIONS)');
  });

  /** An RNN cell tower over sequences of 3 steps of 4 features. */
  const sequenceModel = (problemType: string, namePrefix: string) =>
      buildModel({
        schema: {kind: 'sequence', shape: [3, 4]}, numClasses: 2,
        problemType, architecture: ['RNN_CELL_64'], hparams: {},
        applyDropoutsBetweenBlocks: false, namePrefix,
      });

  it('checks the lengths of every batch a model of sequences takes', () => {
    for (const problemType of ['RNN_LAST_ACTIVATIONS', 'RNN_ALL_ACTIVATIONS']) {
      const model = sequenceModel(problemType, 'lengths_test');
      const labels = problemType === 'RNN_LAST_ACTIVATIONS' ?
          tf.tensor1d([0, 1], 'int32') :
          tf.tensor2d([[0, 1, 1], [1, 0, 0]], [2, 3], 'int32');
      for (const [bad, want] of [[4, 'length 4 (example 2)'],
                                 [0, 'length 0 (example 2)'],
                                 [-3, 'length -3 (example 2)']] as const) {
        assert.throws(
            () => checkBatch(model, {
              features: tf.zeros([2, 3, 4]), labels,
              lengths: tf.tensor1d([3, bad], 'int32'),
            }, 'training', true),
            (e: Error) => e instanceof DataError && e.message ===
                `the training data gives ${want}; lengths are whole ` +
                'numbers of time steps in [1, 3]',
            problemType);
      }
      model.dispose();
    }
  });

  it('says a feature that is not finite lies in the padding', () => {
    const features = tf.tensor3d([[[1, 2], [NaN, 0]], [[1, 1], [2, 2]]]);
    const lengths = tf.tensor1d([1, 2], 'int32');
    assert.throws(
        () => checkFeaturesFinite(
            {features, labels: tf.tensor1d([0, 1], 'int32'), lengths},
            'training'),
        (e: Error) => e instanceof DataError && e.message ===
            'the training data gives a feature of NaN (example 1 of a batch ' +
            'of 2, at step 2, after its length 1: padding must be finite ' +
            'numbers too, 0 say): models train on finite numbers only; ' +
            'fill in or drop such values in the data provider');
  });

  it('says lengths given as an array or disposed are not a tensor', () => {
    const model = sequenceModel('RNN_LAST_ACTIVATIONS', 'lengths_kind_test');
    const disposed = tf.tensor1d([3, 1], 'int32');
    disposed.dispose();
    for (const [lengths, want] of [
             [[3, 1], 'the training data gives lengths as a JavaScript ' +
                  "array, not a tensor: make them one, tf.tensor1d(lengths, " +
                  "'int32') (shape [2] or [2, 1])"],
             [Int32Array.from([3, 1]),
              'the training data gives lengths as a JavaScript array, not ' +
                  "a tensor: make them one, tf.tensor1d(lengths, 'int32') " +
                  '(shape [2] or [2, 1])'],
             [disposed, 'the training data gives lengths already ' +
                  'disposed: yield a new lengths tensor with every batch, ' +
                  'never one kept and yielded again'],
           ] as const) {
      assert.throws(
          () => checkBatch(model, {
            features: tf.zeros([2, 3, 4]), labels: tf.tensor1d([0, 1], 'int32'),
            lengths: lengths as unknown as tf.Tensor1D,
          }, 'training', true),
          (e: Error) => e instanceof DataError && e.message === want);
    }
    model.dispose();
  });

  it('points labels per step under one label per sequence to RNN_ALL', () => {
    assert.throws(
        () => checkBatchFits({
          features: tf.zeros([2, 3, 4]),
          labels: tf.tensor2d([[0, 1, 1], [1, 0, 0]], [2, 3], 'int32'),
          lengths: tf.tensor1d([3, 1], 'int32'),
        }, 'training', [3, 4], 2, true, false),
        (e: Error) => e instanceof DataError && e.message ===
            'the training data gives labels of shape [2,3] for 2 examples: ' +
            'give one class id per example, a tensor of shape [2] (not ' +
            'one-hot); for a class per time step, use a spec of ' +
            'problem_type RNN_ALL_ACTIVATIONS ' +
            '(model_search/configs/rnn_all_config.pbtxt)');
  });

  it('refuses a class id out of range before the length', () => {
    assert.throws(
        check(tf.tensor2d([[0, 2, 1], [1, 0, 0]], [2, 3], 'int32')),
        (e: Error) => e instanceof DataError && e.message ===
            'the training data gives label 2 at step 2 of example 1 (of ' +
            'length 3) of a batch of 2; labels are class ids, whole numbers from 0 to 1, 2 ' +
            'being the data provider\'s numberOfClasses(), up to each ' +
            'sequence\'s length: fix the labels or the number of classes');
  });
});

describe('clippingScale', () => {
  it('scales gradients down to the norm and leaves small ones', () => {
    const big = {a: tf.tensor1d([3, 0]), b: tf.tensor1d([0, 4])};
    const small = {a: tf.tensor1d([0.3]), b: tf.tensor1d([0.4])};

    assert.ok(Math.abs(clippingScale(big, 1) - 0.2) < 1e-7);
    assert.equal(clippingScale(small, 1), 1);
    assert.equal(clippingScale({}, 1), 1);
    tf.dispose([big.a, big.b, small.a, small.b]);
  });

  it('is NaN for a norm that is not finite, as TensorFlow clips', () => {
    for (const bad of [NaN, Infinity, -Infinity]) {
      const grads = {a: tf.tensor1d([bad, 1]), b: tf.tensor1d([2])};
      assert.ok(Number.isNaN(clippingScale(grads, 1)), String(bad));
      const clipped = clipByGlobalNorm(grads, 1);
      assert.ok(Array.from(clipped['b'].dataSync()).every(Number.isNaN),
                `${bad}, as tensors`);
      tf.dispose([grads.a, grads.b, clipped['a'], clipped['b']]);
    }
    // Squares summed in float64 do not overflow where float32 ones would.
    const large = {a: tf.tensor1d([3e38, 0])};
    assert.ok(Math.abs(clippingScale(large, 1) * 3e38 - 1) < 1e-6);
    large.a.dispose();
  });

  it('scales gradients as tensors as clipByGlobalNorm', () => {
    const big = {a: tf.tensor1d([3, 0]), b: tf.tensor1d([0, 4])};
    const clipped = clipByGlobalNorm(big, 1);

    assert.deepEqual(Array.from(clipped['a'].dataSync()).map((v) =>
                         Number(v.toFixed(6))), [0.6, 0]);
    assert.deepEqual(Array.from(clipped['b'].dataSync()).map((v) =>
                         Number(v.toFixed(6))), [0, 0.8]);
    tf.dispose([big.a, big.b, clipped['a'], clipped['b']]);
  });

  it('trains as the clipped gradients would, fused or not', async () => {
    // One step of sgd: w - lr * g * scale, the same on every path.
    const hparams = {optimizer: 'sgd', learning_rate: 0.5};
    for (const [backend, make] of [
             ['cpu', (w: tf.Variable) => trainingOptimizer(hparams, [w])],
             ['wasm', (w: tf.Variable) => trainingOptimizer(hparams, [w])],
             ['cpu', () => tfjsTrainingOptimizer(hparams)],
           ] as const) {
      await tf.setBackend(backend);
      const w = tf.variable(tf.tensor1d([1, 1]));
      const optimizer = make(w);
      const g = tf.tensor1d([3, 4]);
      optimizer.applyGradients({[w.name]: g}, 1);
      assert.deepEqual(Array.from(w.dataSync()).map((v) => +v.toFixed(6)),
                       [0.7, 0.6], backend);
      optimizer.dispose();
      tf.dispose([w, g]);
    }
  });
});

describe('learningRateAt', () => {
  const hparams = {learning_rate: 0.1, exponential_decay_rate: 0.5,
                   exponential_decay_steps: 10};
  const rows: Array<[number, number]> = [[0, 0.1], [9, 0.1], [10, 0.05],
                                         [25, 0.025], [1000, 0.1 / 32]];
  for (const [step, expected] of rows) {
    it(`decays to ${expected} at step ${step} (at most 5 times)`, () => {
      assert.ok(Math.abs(learningRateAt(hparams, step) - expected) < 1e-12);
    });
  }

  it('keeps the rate without decay hparams', () => {
    assert.equal(learningRateAt({learning_rate: 0.3}, 500), 0.3);
  });
});

describe('makeOptimizer', () => {
  const rows: Array<[string, string]> = [
    ['sgd', 'SGD'], ['momentum', 'Momentum'], ['adam', 'Adam'],
    ['adagrad', 'Adagrad'], ['rmsprop', 'RMSProp'],
  ];
  for (const [name, className] of rows) {
    it(`makes ${className} for optimizer=${name}, disposed whole`, () => {
      const before = tf.memory().numTensors;
      const optimizer = makeOptimizer({optimizer: name, learning_rate: 0.01});

      assert.equal(optimizer.getClassName(), className);
      disposeOptimizer(optimizer);
      assert.equal(tf.memory().numTensors, before);
    });
  }

  it('names the valid optimizers for an unknown one', () => {
    assert.throws(() => makeOptimizer({optimizer: 'adamw'}),
                  /optimizer="adamw" is not one of sgd, momentum, adam/);
  });
});

/** A CSV provider whose loss is NaN in the first trial it trains. */
class FirstTrialNanProvider extends CsvDataProvider {
  private lossFns = 0;

  getLossFn() {
    const poisoned = this.lossFns++ === 0;
    return (labels: tf.Tensor, logits: tf.Tensor) => {
      const loss = softmaxCrossEntropy(labels, logits);
      return poisoned ? tf.mul(loss, NaN) as tf.Scalar : loss;
    };
  }
}

describe('a search with a trial whose loss turns NaN', function() {
  this.timeout(120000);
  let root: string;
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'train_loop_test_'));
  });
  afterEach(() => {
    fs.rmSync(root, {recursive: true, force: true});
  });

  it('records it FAILED with the reason and goes on', async () => {
    const log: string[] = [];
    const trainer = new SingleTrainer({
      data: new FirstTrialNanProvider({
        filename: RANDOM_CSV, recordDefaults: ['0', '0', '0', '0'],
        log: () => {},
      }),
      spec: DEFAULT_DNN,
      backend: 'cpu',
      log: (line) => log.push(line),
    });

    const trials = await trainer.tryModels({
      numberModels: 2, trainSteps: 5, evalSteps: 2, rootDir: root,
      batchSize: 4, experimentName: 'nan', experimentOwner: 'test', seed: 3,
    });

    // Completed trials first, best first; then the failed one.
    assert.deepEqual(trials.map((t) => t.state),
                     ['COMPLETED', 'COMPLETED', 'FAILED']);
    assert.deepEqual(trials.slice(0, 2).map((t) => t.id).sort(), [2, 3]);
    const failed = trials.find((t) => t.state === 'FAILED')!;
    assert.equal(failed.id, 1);
    assert.match(failed.failureReason ?? '', /training loss became NaN/);
    assert.ok(log.some((l) => /^trial 1 \[0\/\d+\] FAILED after \d+\.\ds: training loss became NaN/
                                  .test(l)), log.join('\n'));
    assert.equal(fs.existsSync(path.join(root, '1', 'evaluation.json')),
                 false);
  });
});

/** Holds the thread for `ms`, as a training step does. */
function spin(ms: number): void {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    // Busy on purpose.
  }
}

describe('trainModel and the event loop', () => {
  it('lets timers (heartbeats) run during a long training loop', async () => {
    const model = tf.sequential({layers: [
      tf.layers.dense({inputShape: [4], units: 8, activation: 'relu'}),
      tf.layers.dense({units: 2}),
    ]});
    async function* batches(): AsyncGenerator<Batch> {
      for (;;) {
        yield {features: tf.randomNormal([4, 4]),
               labels: tf.zeros([4], 'int32')};
      }
    }
    // Each step holds the thread for 5 ms, as a real step of a bigger model.
    const slowLoss = (labels: tf.Tensor, logits: tf.Tensor) => {
      spin(5);
      return softmaxCrossEntropy(labels, logits);
    };
    let ticks = 0;
    const timer = setInterval(() => ticks++, 10);

    try {
      await trainModel(model, {
        steps: 60,
        hparams: {learning_rate: 0.01, optimizer: 'sgd'},
        batches: batches(),
        lossFn: slowLoss,
        syncEvery: 1000,
      });
    } finally {
      clearInterval(timer);
      model.dispose();
    }

    // 300 ms of steps, a yield every 50 ms: about six ticks (none without).
    assert.ok(ticks >= 3, `${ticks} timer ticks during training`);
  });
});

describe('EventLoopYielder', () => {
  it('yields to timers only once the interval has passed', async () => {
    // An interval no stall of a loaded machine reaches, and one passed.
    const later = new EventLoopYielder(60_000);
    const soon = new EventLoopYielder(30);
    let fired = false;
    setTimeout(() => fired = true, 0);

    spin(5);
    await later.maybeYield();
    const firedEarly = fired;
    spin(30);
    await soon.maybeYield();

    assert.equal(firedEarly, false);
    assert.equal(fired, true);
  });

  it('counts the time other work took while it yielded', async () => {
    const yielder = new EventLoopYielder(10);
    setImmediate(() => spin(40));
    spin(15);
    await yielder.maybeYield();
    assert.ok(yielder.seconds >= 0.035 && yielder.seconds < 1,
              String(yielder.seconds));
  });
});
