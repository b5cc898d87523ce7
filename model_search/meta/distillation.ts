/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * Distillation (distillation.py): a single tower, the student, learns to
 * match a teacher, the best trial so far (an ensemble, usually), instead
 * of (or besides) the labels.
 *
 * | distillation_type         | student loss                                 |
 * |---------------------------|----------------------------------------------|
 * | MSE_LOGITS                | mse(teacher logits, student logits)          |
 * | MSE_SOFTMAX               | mse(softmax(teacher / T), student logits)    |
 * | CROSS_ENTROPY             | xent(softmax(teacher / T), student logits)   |
 * | ADAPTIVELY_BALANCE_LOSSES | (1 - l) label loss + l CROSS_ENTROPY's loss |
 *
 * T is `temperature`. l (lambda), the teacher's share, goes from
 * balance_losses_spec.minimum_lambda to maximum_lambda over
 * num_ramp_trials trials after minimal_pool_size: the weight shifts from
 * the labels to the teacher as the search goes on.
 * The student is evaluated on its own logits against the labels.
 *
 * Porting note: the original's teacher is the sum of the logits of the
 * towers it imports from the best trial, whatever that trial's combining
 * (a mean, or mixture weights); here the teacher is that trial's exported
 * model, so the student matches what the best trial predicts.
 */

import {tf} from '../backend/tf';
import {ValueError} from '../errors';
import {distillationSpecWithDefaults, distillationTypeName} from '../generators/trial_utils';
import type {DistillationSpec} from '../proto/distillation_spec';

/** (labels, logits) -> scalar: the loss against the labels. */
export type LabelLossFn = (labels: tf.Tensor, logits: tf.Tensor) => tf.Scalar;

/** (labels, student logits, teacher target) -> scalar. */
export type DistillationLossFn =
    (labels: tf.Tensor, logits: tf.Tensor, teacher: tf.Tensor) => tf.Scalar;

const TYPES = ['MSE_LOGITS', 'MSE_SOFTMAX', 'CROSS_ENTROPY',
               'ADAPTIVELY_BALANCE_LOSSES'];

/** Turns a teacher's logits into what the student matches (Distiller). */
export class Distiller {
  private readonly spec: DistillationSpec;
  readonly type: string;

  constructor(spec: DistillationSpec|undefined) {
    this.spec = distillationSpecWithDefaults(spec);
    this.type = distillationTypeName(this.spec);
    if (!TYPES.includes(this.type)) {
      throw new ValueError(
          `phoenix_spec.distillation_spec.distillation_type is ${
              this.type}; use one of ${TYPES.join(', ')}`);
    }
    const t = this.spec.temperature!;
    if (!(t > 0 && Number.isFinite(t))) {
      throw new ValueError(
          `phoenix_spec.distillation_spec.temperature is ${t}; it must be ` +
          'a positive number (1 keeps the teacher\'s probabilities; an ' +
          'infinite one makes them uniform)');
    }
  }

  /**
   * The teacher's target: its logits for MSE_LOGITS, else its softmax at
   * the spec's temperature.
   *
   * Porting note: TensorFlow.js has no stop_gradient. The caller computes
   * the teacher's logits before the student's gradient tape opens and
   * passes the target in as a constant, so no gradient reaches the
   * teacher.
   */
  teacherTarget(teacherLogits: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      if (this.type === 'MSE_LOGITS') return teacherLogits.clone();
      return tf.softmax(tf.div(teacherLogits, this.spec.temperature!));
    });
  }

  /** The weight of the teacher loss in ADAPTIVELY_BALANCE_LOSSES. */
  balance(trialId: number): number {
    const b = this.spec.balanceLossesSpec ?? {};
    const min = b.minimumLambda ?? 1;
    const max = b.maximumLambda ?? 1;
    const ramp = b.numRampTrials ?? 0;
    if (!(ramp > 0)) return min;
    const progress =
        Math.max(0, trialId - this.spec.minimalPoolSize!) / ramp;
    // Porting note: the original keeps growing past maximum_lambda after
    // num_ramp_trials trials; here lambda stops at maximum_lambda.
    return min + (max - min) * Math.min(1, progress);
  }

  /**
   * The student's loss for trial `trialId` (get_distillation_loss_fn).
   * @param labelLoss The loss against the labels (softmax cross-entropy
   *     or the provider's).
   */
  lossFn(trialId: number, labelLoss: LabelLossFn): DistillationLossFn {
    const mse: DistillationLossFn = (_labels, logits, teacher) =>
        tf.losses.meanSquaredError(teacher, logits) as tf.Scalar;
    const xent: DistillationLossFn = (_labels, logits, teacher) =>
        tf.losses.softmaxCrossEntropy(teacher, logits) as tf.Scalar;
    switch (this.type) {
      case 'MSE_LOGITS':
      case 'MSE_SOFTMAX':
        return mse;
      case 'CROSS_ENTROPY':
        return xent;
      default: {
        const lambda = this.balance(trialId);
        return (labels, logits, teacher) => tf.add(
            tf.mul(1 - lambda, labelLoss(labels, logits)),
            tf.mul(lambda, xent(labels, logits, teacher))) as tf.Scalar;
      }
    }
  }
}
