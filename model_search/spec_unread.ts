/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * PhoenixSpec settings this trainer does not read, said when a spec sets
 * them: a spec written for the original may ask for what it would have
 * done (multi-task heads, example weights, an auxiliary head), and a
 * setting that changes nothing without a word would be taken for one
 * that works.
 */

import type {PhoenixSpec} from './proto/phoenix_spec';

/** A setting, whether a spec gives it, and what becomes of it here. */
declare interface UnreadSetting {
  field: string;
  given: (spec: PhoenixSpec) => boolean;
  instead: string;
}

const UNREAD_SETTINGS: readonly UnreadSetting[] = [
  {
    field: 'learning_spec.lr_warmup_steps',
    given: (s) => (s.learningSpec?.lrWarmupSteps ?? 0) !== 0,
    instead: 'the learning rate starts at its full value',
  },
  {
    field: 'weight_feature_name',
    given: (s) => (s.weightFeatureName ?? '') !== '',
    instead: 'every example weighs the same (a data provider\'s ' +
        'getLossFn() can weigh them)',
  },
  {
    field: 'lengths_feature_name',
    given: (s) => (s.lengthsFeatureName ?? 'lengths') !== 'lengths',
    instead: 'sequence lengths come from the data provider\'s batches ' +
        '(their lengths tensor)',
  },
  {
    field: 'use_synchronous_optimizer',
    given: (s) => s.useSynchronousOptimizer === true,
    instead: 'each worker trains its own trials on its own',
  },
  {
    field: 'multi_task_spec',
    given: (s) => (s.multiTaskSpec ?? []).length > 0 ||
        (s.primaryTaskName ?? '') !== '' || s.mergeLossesOfMultitask === true ||
        s.passLabelDictAsIs === true,
    instead: 'models have one task, the provider\'s labels',
  },
  {
    field: 'cnn_data_format',
    given: (s) => (s.cnnDataFormat ?? 'NHWC') !== 'NHWC',
    instead: 'images are channels last (NHWC), as the providers give them',
  },
  {
    field: 'use_auxiliary_head',
    given: (s) => s.useAuxiliaryHead === true,
    instead: 'models have no auxiliary head',
  },
  {
    field: 'is_input_shared',
    given: (s) => s.isInputShared === true,
    instead: 'the towers of an ensemble share the model\'s input as it is',
  },
  {
    field: 'temperature',
    given: (s) => (s.temperature ?? 1) !== 1,
    instead: 'exported models give the logits unscaled (a ' +
        'distillation_spec has a temperature of its own, which is read)',
  },
  {
    field: 'disable_last_dense_layer',
    given: (s) => s.disableLastDenseLayer === true,
    instead: 'every tower ends in a dense layer to the logits',
  },
  {
    field: 'enable_fast_termination',
    given: (s) => s.enableFastTermination === true,
    instead: 'every trial trains its full steps',
  },
];

/**
 * One line for each setting of `spec` that this trainer does not read,
 * naming it and what is done instead; none for a spec that sets none.
 */
export function unreadSpecSettings(spec: PhoenixSpec): string[] {
  return UNREAD_SETTINGS.filter((setting) => setting.given(spec))
      .map((setting) => `phoenix_spec.${setting.field} is set, but this ` +
               `trainer does not read it: ${setting.instead}`);
}
