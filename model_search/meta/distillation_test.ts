/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

import * as assert from 'node:assert/strict';

import {tf} from '../backend/tf';
import {ValueError} from '../errors';
import {parsePhoenixSpec} from '../proto/text_format';
import {softmaxCrossEntropy, trainModel} from '../train_loop';
import type {Batch} from '../data/data';
import {Distiller} from './distillation';

function distiller(text: string): Distiller {
  return new Distiller(parsePhoenixSpec(
      `problem_type: DNN\ndistillation_spec { ${text} }\n`).distillationSpec);
}

function close(actual: number, expected: number, what: string): void {
  assert.ok(Math.abs(actual - expected) < 1e-5,
            `${what}: ${actual}, expected ${expected}`);
}

const LOGITS = [[2, 0], [0, 1]];
const STUDENT = [[1, 1], [0.5, -0.5]];
const LABELS = [0, 1];

/** A loss of the distiller on the fixed logits above. */
function lossOf(d: Distiller, trialId: number): number {
  return tf.tidy(() => {
    const target = d.teacherTarget(tf.tensor2d(LOGITS));
    return d.lossFn(trialId, softmaxCrossEntropy)(
        tf.tensor1d(LABELS, 'int32'), tf.tensor2d(STUDENT), target)
        .dataSync()[0];
  });
}

describe('Distiller', () => {
  it('targets the teacher logits for MSE_LOGITS', () => {
    const target = distiller('distillation_type: MSE_LOGITS temperature: 3')
                       .teacherTarget(tf.tensor2d(LOGITS));

    assert.deepEqual(target.arraySync(), LOGITS);
    target.dispose();
  });

  it('targets the softmax at the temperature otherwise', () => {
    const target = distiller('distillation_type: CROSS_ENTROPY temperature: 2')
                       .teacherTarget(tf.tensor2d(LOGITS));

    const [[a, b]] = target.arraySync() as number[][];
    close(a, Math.exp(1) / (Math.exp(1) + 1), 'softmax(2 / 2, 0 / 2)[0]');
    close(a + b, 1, 'a distribution');
    target.dispose();
  });

  it('has a zero MSE_LOGITS loss when the student matches', () => {
    const d = distiller('distillation_type: MSE_LOGITS');

    const loss = tf.tidy(() => d.lossFn(1, softmaxCrossEntropy)(
        tf.tensor1d(LABELS, 'int32'), tf.tensor2d(LOGITS),
        d.teacherTarget(tf.tensor2d(LOGITS))).dataSync()[0]);

    assert.equal(loss, 0);
  });

  it('mixes label and teacher losses by a ramped lambda', () => {
    const spec = 'minimal_pool_size: 10 balance_losses_spec { ' +
        'minimum_lambda: 0.2 maximum_lambda: 0.6 num_ramp_trials: 4 }';
    const balanced =
        distiller(`distillation_type: ADAPTIVELY_BALANCE_LOSSES ${spec}`);
    const teacherOnly = distiller(`distillation_type: CROSS_ENTROPY ${spec}`);
    const labelLoss = tf.tidy(() => softmaxCrossEntropy(
        tf.tensor1d(LABELS, 'int32'), tf.tensor2d(STUDENT)).dataSync()[0]);
    const teacherLoss = lossOf(teacherOnly, 12);

    for (const [trialId, lambda] of [[10, 0.2], [12, 0.4], [14, 0.6],
                                     [30, 0.6]]) {
      close(balanced.balance(trialId), lambda, `lambda at trial ${trialId}`);
      close(lossOf(balanced, trialId),
            (1 - lambda) * labelLoss + lambda * teacherLoss,
            `loss at trial ${trialId}`);
    }
  });

  it('refuses a spec without a distillation type or temperature', () => {
    assert.throws(() => distiller('minimal_pool_size: 3'),
                  (e: Error) => e instanceof ValueError &&
                      /distillation_type is UNKNOWN_DISTILLATION_TYPE/.test(
                          e.message));
    assert.throws(() => distiller('distillation_type: MSE_LOGITS ' +
                                  'temperature: 0'),
                  (e: Error) => e instanceof ValueError &&
                      /temperature is 0; it must be a positive number/.test(e.message));
  });
});

describe('trainModel with a teacher', function() {
  this.timeout(60000);

  it('pulls the student towards the teacher, not the labels', async () => {
    await tf.setBackend('cpu');
    const features = tf.tensor2d([[1, 0], [0, 1], [1, 1], [-1, 1]]);
    // Labels that disagree with the teacher everywhere.
    const labels = tf.tensor1d([1, 1, 1, 1], 'int32');
    const teacherLogits = tf.tensor2d([[3, -3], [3, -3], [3, -3], [3, -3]]);
    const input = tf.input({shape: [2]});
    const student = tf.model({
      inputs: input,
      outputs: tf.layers.dense({units: 2, kernelInitializer: 'zeros'})
                   .apply(input) as tf.SymbolicTensor,
    });
    const d = distiller('distillation_type: MSE_LOGITS');
    async function* batches(): AsyncGenerator<Batch> {
      for (;;) yield {features: features.clone(), labels: labels.clone()};
    }

    await trainModel(student, {
      steps: 200,
      hparams: {optimizer: 'sgd', learning_rate: 0.1},
      batches: batches(),
      teacher: {
        target: () => d.teacherTarget(teacherLogits),
        lossFn: d.lossFn(1, softmaxCrossEntropy),
      },
    });

    const predicted = tf.tidy(() => tf.argMax(
        student.predict(features) as tf.Tensor, 1).arraySync());
    assert.deepEqual(predicted, [0, 0, 0, 0], 'the teacher class wins');
    const mse = tf.tidy(() => tf.losses.meanSquaredError(
        teacherLogits, student.predict(features) as tf.Tensor).dataSync()[0]);
    assert.ok(mse < 0.5, `student-teacher mse ${mse}`);
    student.dispose();
    tf.dispose([features, labels, teacherLogits]);
  });
});
