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

import {phoenixSpec_SearchTypeToJSON} from './proto/phoenix_spec';
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
  {
    field: 'ensemble_spec.no_train_speedup',
    given: (s) => (s.ensembleSpec?.noTrainSpeedup ?? 100) !== 100,
    instead: 'an ensemble with nothing left to train (an average of ' +
        'frozen towers) runs no training step at all',
  },
];

/** A setting only some search types read. */
declare interface SearchTypeSetting {
  field: string;
  given: (spec: PhoenixSpec) => boolean;
  readBy: readonly string[];
}

/** The coordinate descents, which grow the best towers. */
const DESCENTS = ['ADAPTIVE_COORDINATE_DESCENT',
                  'CONSTRAINED_ADAPTIVE_COORDINATE_DESCENT',
                  'ADAPTIVE_COORDINATE_DESCENT_GENETIC'];
const CONSTRAINED = ['CONSTRAINED_ADAPTIVE_COORDINATE_DESCENT'];
const GENETIC = ['ADAPTIVE_COORDINATE_DESCENT_GENETIC'];

// Set when other than the proto's default: a spec read from a file has its
// defaults filled in (and one may spell a default out).
const SEARCH_TYPE_SETTINGS: readonly SearchTypeSetting[] = [
  {field: 'linear_model', given: (s) => s.linearModel !== undefined,
   readBy: ['LINEAR_MODEL']},
  {field: 'num_blocks_in_cell', given: (s) => (s.numBlocksInCell ?? 4) !== 4,
   readBy: CONSTRAINED},
  {field: 'reduction_block_type',
   given: (s) => (s.reductionBlockType ?? 'DOWNSAMPLE_CONVOLUTION_3X3') !==
       'DOWNSAMPLE_CONVOLUTION_3X3',
   readBy: CONSTRAINED},
  {field: 'replicate_cell', given: (s) => s.replicateCell === true,
   readBy: CONSTRAINED},
  {field: 'mutate_probability', given: (s) => (s.mutateProbability ?? 0) !== 0,
   readBy: GENETIC},
  {field: 'crossover_probability',
   given: (s) => (s.crossoverProbability ?? 0) !== 0, readBy: GENETIC},
  {field: 'random_architecture_probability',
   given: (s) => (s.randomArchitectureProbability ?? 0) !== 0,
   readBy: GENETIC},
  {field: 'beam_size', given: (s) => (s.beamSize ?? 1) !== 1,
   readBy: DESCENTS},
];

/** `A`, `A and B`, `A, B and C`. */
function listed(names: readonly string[]): string {
  return names.length <= 2 ? names.join(' and ') :
      `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}

/**
 * One line for each setting of `spec` that only other search types than
 * its search_type read (a spec whose search type was changed and its old
 * settings kept, most often); none when search_type is not set.
 */
function otherSearchTypeSettings(spec: PhoenixSpec): string[] {
  if (spec.searchType === undefined) return [];
  const type = phoenixSpec_SearchTypeToJSON(spec.searchType);
  return SEARCH_TYPE_SETTINGS
      .filter((setting) =>
                  setting.given(spec) && !setting.readBy.includes(type))
      .map((setting) => `phoenix_spec.${setting.field} is set, but ` +
               `search_type ${type} does not read it (${
                   listed(setting.readBy)} ${
                   setting.readBy.length === 1 ? 'does' : 'do'})`);
}

/**
 * One line for each setting of `spec` that this trainer does not read,
 * naming it and what is done instead, and for each that its search type
 * does not read; none for a spec that sets none.
 */
export function unreadSpecSettings(spec: PhoenixSpec): string[] {
  return [
    ...UNREAD_SETTINGS.filter((setting) => setting.given(spec))
        .map((setting) => `phoenix_spec.${setting.field} is set, but this ` +
                 `trainer does not read it: ${setting.instead}`),
    ...otherSearchTypeSettings(spec),
  ];
}
