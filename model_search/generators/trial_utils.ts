/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * Reading the ensembling and distillation specs (trial_utils.py): which
 * mode a trial runs in, the settings of each ensemble search with their
 * declared defaults, the best trials, and hyperparameters to and from the
 * HParamDef proto that replay specs carry. Plain functions of specs and
 * trials: no TensorFlow.js, no store.
 */

import {ValueError} from '../errors';
import type {HparamValue, Objective, Trial} from '../metadata/trial';
import {rankTrials} from '../metadata/trial';
import {applyDefaults} from '../proto/defaults';
import {DistillationSpec, distillationSpec_DistillationTypeToJSON} from '../proto/distillation_spec';
import {EnsemblingSpec, EnsemblingSpec_AdaptiveSearchSpec, EnsemblingSpec_IntermixedSearchSpec, EnsemblingSpec_NonadaptiveSearchSpec, ensemblingSpec_CombiningTypeToJSON, ensemblingSpec_EnsembleSearchTypeToJSON} from '../proto/ensembling_spec';
import {hparamsFromProto, NO_SEARCH_ARCHITECTURE} from '../replay';
import type {ReplayTower} from '../replay';
import type {PhoenixSpec} from '../proto/phoenix_spec';
import {transferLearningSpec_TransferLearningTypeToJSON} from '../proto/transfer_learning_spec';
import type {TransferLearningSpec} from '../proto/transfer_learning_spec';

/**
 * What a trial does with earlier trials. The order matters: when the
 * ensembling and distillation pool sizes are equal, the higher mode wins.
 */
export enum TrialMode {
  /** Trains its search tower on the labels only. */
  NO_PRIOR = 0,
  /** Trains one tower against a teacher (the best trial so far). */
  DISTILLATION = 1,
  /** Combines towers of earlier trials, with or without a new one. */
  ENSEMBLE_SEARCH = 2,
}

export function trialModeName(mode: TrialMode): string {
  return TrialMode[mode];
}

/** The name of an enum value that ts-proto gives as a number. */
function enumName(value: unknown, toJson: (v: number) => string): string {
  if (value === undefined || value === null) return toJson(0);
  return typeof value === 'string' ? value : toJson(Number(value));
}

export function ensembleSearchTypeName(spec?: EnsemblingSpec): string {
  return enumName(spec?.ensembleSearchType,
                  ensemblingSpec_EnsembleSearchTypeToJSON);
}

/** AVERAGE_ENSEMBLE (the declared default) or WEIGHTED_ENSEMBLE. */
export function combiningTypeName(spec?: EnsemblingSpec): string {
  if (spec?.combiningType === undefined) return 'AVERAGE_ENSEMBLE';
  return enumName(spec.combiningType, ensemblingSpec_CombiningTypeToJSON);
}

export function distillationTypeName(spec?: DistillationSpec): string {
  return enumName(spec?.distillationType,
                  distillationSpec_DistillationTypeToJSON);
}

export function transferLearningTypeName(spec?: TransferLearningSpec):
    string {
  return enumName(spec?.transferLearningType,
                  transferLearningSpec_TransferLearningTypeToJSON);
}

export function hasEnsembleSearch(spec?: EnsemblingSpec): boolean {
  return ensembleSearchTypeName(spec) !== 'UNKNOWN_ENSEMBLE_SEARCH';
}

export function hasDistillation(spec?: DistillationSpec): boolean {
  return distillationTypeName(spec) !== 'UNKNOWN_DISTILLATION_TYPE';
}

export function isIntermixedEnsembleSearch(spec?: EnsemblingSpec): boolean {
  return ensembleSearchTypeName(spec) ===
      'INTERMIXED_NONADAPTIVE_ENSEMBLE_SEARCH';
}

export function isNonadaptiveEnsembleSearch(spec?: EnsemblingSpec): boolean {
  return ensembleSearchTypeName(spec) === 'NONADAPTIVE_ENSEMBLE_SEARCH';
}

export function isAdaptiveEnsembleSearch(spec?: EnsemblingSpec): boolean {
  return ensembleSearchTypeName(spec) === 'ADAPTIVE_ENSEMBLE_SEARCH';
}

export function isResidualEnsembleSearch(spec?: EnsemblingSpec): boolean {
  return ensembleSearchTypeName(spec) === 'RESIDUAL_ENSEMBLE_SEARCH';
}

/** ADAPTIVE or RESIDUAL: the ensemble grows by one tower per trial. */
export function isAdaptiveOrResidual(spec?: EnsemblingSpec): boolean {
  return isAdaptiveEnsembleSearch(spec) || isResidualEnsembleSearch(spec);
}

/** NONADAPTIVE or INTERMIXED: ensembles of towers trained before. */
export function isNonadaptiveOrIntermixed(spec?: EnsemblingSpec): boolean {
  return isNonadaptiveEnsembleSearch(spec) || isIntermixedEnsembleSearch(spec);
}

const ENSEMBLING = 'learning.adanets.phoenix.proto.ensembling_spec.' +
    'EnsemblingSpec';

const DISTILLATION = 'learning.adanets.phoenix.meta.proto.distillation_spec.' +
    'DistillationSpec';
const TRANSFER_LEARNING = 'learning.adanets.phoenix.meta.proto.' +
    'transfer_learning_spec.TransferLearningSpec';

/** nonadaptive_search with its declared defaults (the oneof may be unset). */
export function nonadaptiveSearchSpec(spec?: EnsemblingSpec):
    Required<EnsemblingSpec_NonadaptiveSearchSpec> {
  return applyDefaults(spec?.nonadaptiveSearch ?? {},
                       `${ENSEMBLING}.NonadaptiveSearchSpec`) as
      Required<EnsemblingSpec_NonadaptiveSearchSpec>;
}

/** adaptive_search with its declared defaults. */
export function adaptiveSearchSpec(spec?: EnsemblingSpec):
    Required<EnsemblingSpec_AdaptiveSearchSpec> {
  return applyDefaults(spec?.adaptiveSearch ?? {},
                       `${ENSEMBLING}.AdaptiveSearchSpec`) as
      Required<EnsemblingSpec_AdaptiveSearchSpec>;
}

/** intermixed_search with its declared defaults. */
export function intermixedSearchSpec(spec?: EnsemblingSpec):
    Required<EnsemblingSpec_IntermixedSearchSpec> {
  return applyDefaults(spec?.intermixedSearch ?? {},
                       `${ENSEMBLING}.IntermixedSearchSpec`) as
      Required<EnsemblingSpec_IntermixedSearchSpec>;
}

/** distillation_spec with its declared defaults (also when unset). */
export function distillationSpecWithDefaults(spec?: DistillationSpec):
    DistillationSpec {
  return applyDefaults(
      spec ?? {},
      'learning.adanets.phoenix.meta.proto.distillation_spec.' +
          'DistillationSpec');
}

/** ensemble_spec with its declared defaults (also when unset). */
export function ensembleSpecWithDefaults(spec?: EnsemblingSpec):
    EnsemblingSpec {
  return applyDefaults(spec ?? {}, ENSEMBLING);
}

/** The setting that must be more than one, checked with a clear error. */
function atLeastTwo(value: number, field: string): number {
  if (!(value > 1)) {
    throw new ValueError(
        `phoenix_spec.ensemble_spec.${field} is ${value}; it must be more ` +
        'than 1 (an ensemble needs two towers to choose from)');
  }
  return value;
}

/**
 * Checks the ensembling settings that the generators divide or sample by;
 * throws ValueError naming the field.
 */
/**
 * Throws a ValueError, naming the field and the fix, for settings of the
 * ensemble, distillation and transfer learning specs that would fail or be
 * ignored only once the search reached them: a combining type that is
 * none, search settings of another search type than the one chosen (or of
 * none), a distillation without a type, a temperature of 0, a negative
 * pool, a discount factor of 0 or less. Called where the spec is read, so
 * that nothing is trained or written first.
 */
export function validateSpecSettings(spec: PhoenixSpec): void {
  const ensemble = spec.ensembleSpec;
  if (ensemble !== undefined) {
    const type = ensembleSearchTypeName(ensemble);
    const given = ([
      ['nonadaptive_search', ensemble.nonadaptiveSearch,
       ['NONADAPTIVE_ENSEMBLE_SEARCH']],
      ['adaptive_search', ensemble.adaptiveSearch,
       ['ADAPTIVE_ENSEMBLE_SEARCH', 'RESIDUAL_ENSEMBLE_SEARCH']],
      ['intermixed_search', ensemble.intermixedSearch,
       ['INTERMIXED_NONADAPTIVE_ENSEMBLE_SEARCH']],
    ] as Array<[string, unknown, string[]]>)
                      .filter(([, value]) => value !== undefined);
    for (const [field, , types] of given) {
      if (types.includes(type)) continue;
      throw new ValueError(
          `phoenix_spec.ensemble_spec.${field} is set, but ` +
          (type === 'UNKNOWN_ENSEMBLE_SEARCH' ?
               'ensemble_search_type is not, so no ensemble is searched' :
               `ensemble_search_type is ${type}, which does not read it`) +
          `: set ensemble_search_type: ${types.join(' or ')}, or remove ${
              field}`);
    }
    // A spec as read has its defaults filled in: a combining type other
    // than the default was asked for.
    if (type === 'UNKNOWN_ENSEMBLE_SEARCH' &&
        combiningTypeName(ensemble) !== 'AVERAGE_ENSEMBLE') {
      throw new ValueError(
          `phoenix_spec.ensemble_spec.combining_type is ${
              combiningTypeName(ensemble)}, but ensemble_search_type is ` +
          'not set, so no ensemble is searched: set ensemble_search_type ' +
          '(ADAPTIVE_ENSEMBLE_SEARCH, NONADAPTIVE_ENSEMBLE_SEARCH, ' +
          'RESIDUAL_ENSEMBLE_SEARCH or ' +
          'INTERMIXED_NONADAPTIVE_ENSEMBLE_SEARCH), or remove combining_type');
    }
    if (hasEnsembleSearch(ensemble)) {
      const combining = combiningTypeName(ensemble);
      if (combining !== 'AVERAGE_ENSEMBLE' &&
          combining !== 'WEIGHTED_ENSEMBLE') {
        throw new ValueError(
            `phoenix_spec.ensemble_spec.combining_type ${combining} is not ` +
            'a combining type; use AVERAGE_ENSEMBLE or WEIGHTED_ENSEMBLE');
      }
    }
  }
  const distillation = spec.distillationSpec;
  if (distillation !== undefined) {
    if (!hasDistillation(distillation)) {
      if (hasSettingsBesides(distillation, 'distillationType',
                             DISTILLATION)) {
        throw new ValueError(
            'phoenix_spec.distillation_spec has settings but no ' +
            'distillation_type, so nothing distills: set distillation_type ' +
            '(MSE_LOGITS, MSE_SOFTMAX, CROSS_ENTROPY or ' +
            'ADAPTIVELY_BALANCE_LOSSES), or remove distillation_spec');
      }
    } else {
      const pool = distillation.minimalPoolSize;
      if (pool !== undefined && !(Number.isInteger(pool) && pool >= 0)) {
        throw new ValueError(
            `phoenix_spec.distillation_spec.minimal_pool_size is ${pool}; ` +
            'give the trial id distillation starts after, 0 or more');
      }
      checkLambdas(distillation);
      sharesNoPoolSize(ensemble, distillation);
      const temperature = distillationSpecWithDefaults(distillation)
                              .temperature;
      if (!(temperature !== undefined && temperature > 0 &&
            Number.isFinite(temperature))) {
        throw new ValueError(
            `phoenix_spec.distillation_spec.temperature is ${
                temperature}; it must be a positive number (1 keeps the ` +
            'teacher\'s probabilities; an infinite one makes them uniform)');
      }
    }
  }
  const transfer = spec.transferLearningSpec;
  const transferType = transferLearningTypeName(transfer);
  if (transfer !== undefined &&
      transferType === 'UNKNOWN_TRANSFER_LEARNING_TYPE') {
    // As distillation_spec: settings without a type would do nothing.
    if (hasSettingsBesides(transfer, 'transferLearningType',
                           TRANSFER_LEARNING)) {
      throw new ValueError(
          'phoenix_spec.transfer_learning_spec has settings but no ' +
          'transfer_learning_type, so no trial starts from earlier ones: ' +
          'set transfer_learning_type (UNIFORM_AVERAGE_TRANSFER_LEARNING, ' +
          'LOSS_WEIGHTED_AVERAGE_TRANSFER_LEARNING or ' +
          'SNAPSHOT_TRANSFER_LEARNING), or remove transfer_learning_spec');
    }
  }
  if (transfer !== undefined &&
      transferType !== 'UNKNOWN_TRANSFER_LEARNING_TYPE' &&
      transferType !== 'NO_TRANSFER_LEARNING') {
    const discount = transfer.previousTrialsDiscountFactor;
    if (discount !== undefined && transferType !== 'SNAPSHOT_TRANSFER_LEARNING' &&
        !(discount > 0 && discount <= 1)) {
      throw new ValueError(
          `phoenix_spec.transfer_learning_spec.previous_trials_discount_` +
          `factor is ${discount}; it must be above 0 and at most 1 ` +
          '(weights of trial k in trial n are scaled by it to the power ' +
          'n - k, so that older trials count less; 1 weighs all alike)');
    }
    const most = transfer.maxCompletedTrials;
    if (most !== undefined && !(Number.isInteger(most) && most >= 1)) {
      throw new ValueError(
          `phoenix_spec.transfer_learning_spec.max_completed_trials is ${
              most}; give 1 or more (or remove transfer_learning_spec to ` +
          'start every trial from its initializers)');
    }
  }
}

/**
 * ADAPTIVELY_BALANCE_LOSSES weighs the label loss by 1 - lambda and the
 * teacher's by lambda: a lambda outside [0, 1] makes one weight negative,
 * and the student learns away from its labels or its teacher.
 */
function checkLambdas(distillation: DistillationSpec): void {
  const balance = distillation.balanceLossesSpec;
  for (const field of ['minimumLambda', 'maximumLambda'] as const) {
    const value = balance?.[field];
    if (value !== undefined && !(value >= 0 && value <= 1)) {
      const name = field === 'minimumLambda' ? 'minimum_lambda' :
                                               'maximum_lambda';
      throw new ValueError(
          `phoenix_spec.distillation_spec.balance_losses_spec.${name} is ${
              value}; it must lie in [0, 1] (the teacher loss's share of ` +
          'the student\'s loss, the label loss having the rest)');
    }
  }
}

/** The proto's default minimal_pool_size, of distillation and ensembles. */
const DEFAULT_POOL_SIZE = 100;

/**
 * With an adaptive or non-adaptive ensemble search, a trial takes the mode
 * of the larger pool size below its id, the ensemble winning a tie
 * (getTrialMode): equal pool sizes leave distillation no trial at all.
 */
function sharesNoPoolSize(
    ensemble: EnsemblingSpec|undefined,
    distillation: DistillationSpec): void {
  if (!hasEnsembleSearch(ensemble) || isIntermixedEnsembleSearch(ensemble)) {
    return;
  }
  const [field, ensemblePool] = isNonadaptiveEnsembleSearch(ensemble) ?
      ['nonadaptive_search', nonadaptiveSearchSpec(ensemble).minimalPoolSize] :
      ['adaptive_search', adaptiveSearchSpec(ensemble).minimalPoolSize];
  const pool = distillationSpecWithDefaults(distillation).minimalPoolSize;
  if (pool === ensemblePool) {
    // Both default to 100, which a spec that sets neither never says.
    const given = pool === DEFAULT_POOL_SIZE ? ' (the default of both)' : '';
    throw new ValueError(
        `phoenix_spec.distillation_spec.minimal_pool_size is ${pool}, as ` +
        `is ensemble_spec.${field}.minimal_pool_size${given}: every ` +
        'trial after it ensembles, so no trial distills. Give ' +
        'distillation a larger ' +
        'pool size (from that trial on every trial distills the best ' +
        'ensemble) or a smaller one (trials distill until the ensembles ' +
        'start)');
  }
}

/**
 * An ensemble takes `width` of the best `num_trials_to_consider` trials:
 * a width above that could never be reached (ensembles would quietly be
 * narrower than the spec says).
 */
function notWiderThanCandidates(
    s: {width: number, numTrialsToConsider: number}, field: string): void {
  if (s.width > s.numTrialsToConsider) {
    throw new ValueError(
        `phoenix_spec.ensemble_spec.${field}.width is ${s.width}, above ` +
        `its num_trials_to_consider of ${s.numTrialsToConsider}: each ` +
        'ensemble takes width towers among the best num_trials_to_consider ' +
        'trials; give a width of at most num_trials_to_consider');
  }
}

/**
 * Whether a spec message of `typeName` sets any field but `type` (its type
 * field) to other than the field's default: a spec as read has its
 * defaults filled in, and an empty `distillation_spec {}` sets nothing.
 */
function hasSettingsBesides(
    message: object, type: string, typeName: string): boolean {
  const defaults = applyDefaults({}, typeName) as Record<string, unknown>;
  return Object.entries(message).some(
      ([key, value]) => key !== type && value !== undefined &&
          JSON.stringify(value) !== JSON.stringify(defaults[key]));
}

export function validateEnsembleSpec(spec?: EnsemblingSpec): void {
  // The trials before the pool is full search alone; a pool size below 0
  // is a typo, not a setting.
  const pool = isNonadaptiveEnsembleSearch(spec) ?
      ['nonadaptive_search', nonadaptiveSearchSpec(spec).minimalPoolSize] :
      isAdaptiveOrResidual(spec) ?
      ['adaptive_search', adaptiveSearchSpec(spec).minimalPoolSize] :
      undefined;
  if (pool !== undefined &&
      !(Number.isInteger(pool[1]) && (pool[1] as number) >= 0)) {
    throw new ValueError(
        `phoenix_spec.ensemble_spec.${pool[0]}.minimal_pool_size is ${
            pool[1]}; give the number of trials to search before ` +
        'ensembling, 0 or more');
  }
  if (isNonadaptiveEnsembleSearch(spec)) {
    const s = nonadaptiveSearchSpec(spec);
    atLeastTwo(s.width, 'nonadaptive_search.width');
    atLeastTwo(s.numTrialsToConsider,
               'nonadaptive_search.num_trials_to_consider');
    notWiderThanCandidates(s, 'nonadaptive_search');
  } else if (isIntermixedEnsembleSearch(spec)) {
    const s = intermixedSearchSpec(spec);
    atLeastTwo(s.width, 'intermixed_search.width');
    atLeastTwo(s.numTrialsToConsider,
               'intermixed_search.num_trials_to_consider');
    notWiderThanCandidates(s, 'intermixed_search');
    if (!(s.tryEnsemblingEvery >= 2)) {
      throw new ValueError(
          'phoenix_spec.ensemble_spec.intermixed_search.' +
          `try_ensembling_every is ${s.tryEnsemblingEvery}; it must be at ` +
          'least 2 (every n-th trial ensembles, the others search)');
    }
  } else if (isAdaptiveOrResidual(spec)) {
    const s = adaptiveSearchSpec(spec);
    if (!(s.increaseWidthEvery >= 1)) {
      throw new ValueError(
          'phoenix_spec.ensemble_spec.adaptive_search.' +
          `increase_width_every is ${s.increaseWidthEvery}; it must be at ` +
          'least 1');
    }
  }
}

/**
 * The mode of trial `trialId` (get_trial_mode). With an intermixed
 * ensemble search, the trial right after each ensemble trial distills (when
 * distillation is on) and every other trial is in ENSEMBLE_SEARCH mode.
 * Otherwise the pool sizes split the trials into phases: a trial is in the
 * mode with the largest pool size below its id, ENSEMBLE_SEARCH winning
 * ties, and NO_PRIOR before every pool.
 */
export function getTrialMode(
    ensembleSpec: EnsemblingSpec|undefined,
    distillationSpec: DistillationSpec|undefined,
    trialId: number): TrialMode {
  if (isIntermixedEnsembleSearch(ensembleSpec)) {
    if (hasDistillation(distillationSpec)) {
      const n = intermixedSearchSpec(ensembleSpec).tryEnsemblingEvery;
      if (trialId % n === 1) return TrialMode.DISTILLATION;
    }
    return TrialMode.ENSEMBLE_SEARCH;
  }
  const modes: Array<[TrialMode, number]> = [];
  if (hasEnsembleSearch(ensembleSpec)) {
    let pool = 0;
    if (isNonadaptiveEnsembleSearch(ensembleSpec)) {
      pool = nonadaptiveSearchSpec(ensembleSpec).minimalPoolSize;
    } else if (isAdaptiveOrResidual(ensembleSpec)) {
      pool = adaptiveSearchSpec(ensembleSpec).minimalPoolSize;
    }
    modes.push([TrialMode.ENSEMBLE_SEARCH, pool]);
  }
  if (hasDistillation(distillationSpec)) {
    modes.push([
      TrialMode.DISTILLATION,
      distillationSpecWithDefaults(distillationSpec).minimalPoolSize!,
    ]);
  }
  modes.sort((a, b) => b[1] - a[1] || b[0] - a[0]);
  for (const [mode, pool] of modes) {
    if (trialId > pool) return mode;
  }
  return TrialMode.NO_PRIOR;
}

/**
 * The exploration trials of an intermixed search: those whose id is not a
 * multiple of `n`, plus the user suggestions.
 */
export function getIntermixedTrials<T extends {id: number}>(
    trials: readonly T[], n: number, userSuggestions: number): T[] {
  return trials.filter((t) => t.id % n !== 0 || t.id <= userSuggestions);
}

/**
 * The `k` best COMPLETED trials by the objective, best first (get_best_k);
 * trials without a finite objective value are left out.
 */
export function bestTrials(
    trials: readonly Trial[], k: number, objective: Objective): Trial[] {
  return rankTrials([...trials], objective)
      .filter((t) => Number.isFinite(t.metrics?.[objective.metric]))
      .slice(0, Math.max(0, k));
}


export {NO_SEARCH_ARCHITECTURE} from '../replay';
export type {ReplayTower} from '../replay';

/** The towers of a replay spec as plain data (empty without replay). */
export function replayTowers(spec: PhoenixSpec): ReplayTower[] {
  return (spec.replay?.towers ?? []).map((t) => ({
    architecture: [...(t.architecture ?? [])],
    hparams: hparamsFromProto(t.hparams).hparams,
  }));
}

/** Whether a replay tower stands for "no new tower in this trial". */
export function isNoSearchTower(tower: ReplayTower): boolean {
  return tower.architecture.length === 1 &&
      tower.architecture[0] === NO_SEARCH_ARCHITECTURE;
}
