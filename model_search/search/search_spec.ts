/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * The part of a PhoenixSpec that the search algorithms read, as plain data
 * with the proto's declared defaults applied. Keeping it small lets the
 * algorithms (and their tests) stay independent of the generated proto
 * code; `searchSpecFromPhoenixSpec` in from_phoenix_spec.ts fills it.
 */

import {ValueError} from '../errors';

/** LinearModelSpec.NetworkAlignment names. */
export type NetworkAlignment =
    'NET_ALIGN_UNSPECIFIED'|'NET_ALIGN_HEAD'|'NET_ALIGN_BASE';

/** PhoenixSpec.linear_model: settings of the LINEAR_MODEL search. */
export declare interface LinearModelSearchSpec {
  /** Which end variable-depth architectures are lined up at. */
  networkAlignment: NetworkAlignment;
  /** The L2 penalty of the ridge regression; > 0. */
  ridgePenalty: number;
  /** Drops trials in the worst decile or 10 times the median loss. */
  removeOutliers: boolean;
  /** Below this many completed trials, no model is fitted. */
  trialsBeforeFit: number;
}

/**
 * Settings of the harmonica searches. The original passes them as
 * constructor arguments, not through the proto; unset fields take the
 * defaults of the variant (see harmonica.ts, categorical_harmonica.ts).
 */
export declare interface HarmonicaSearchSpec {
  /** The L1 penalty of the Lasso fit. */
  alpha?: number;
  /** Highest degree of the monomials fitted. */
  degree?: number;
  /** How many of the largest monomials are kept. */
  nMono?: number;
  /** Completed trials needed before any fit. */
  minForRegression?: number;
  /** Random architectures scored by the model per suggestion; > 1. */
  numRandomSamples?: number;
}

/** One entry of PhoenixSpec.user_suggestions. */
export declare interface UserSuggestion {
  architecture: string[];
}

/** What the search algorithms need of a PhoenixSpec. */
export declare interface SearchSpec {
  /** PhoenixSpec.SearchType name, e.g. 'ADAPTIVE_COORDINATE_DESCENT'. */
  searchType: string;
  /** PhoenixSpec.ProblemType name: 'CNN', 'DNN', 'RNN_ALL_ACTIVATIONS'... */
  problemType: string;
  minimumDepth: number;
  maximumDepth: number;
  /** Block lookup names the search may use. */
  blocksToUse: string[];
  /** How many of the best completed trials a new one may start from. */
  beamSize: number;
  /** Probability of growing one block deeper when the depth allows it. */
  increaseComplexityProbability: number;
  /**
   * Completed trials needed before each depth; empty means 5 * depth for
   * every depth below maximum_depth.
   */
  increaseComplexityMinimumTrials: number[];
  /** CONSTRAINED_ADAPTIVE_COORDINATE_DESCENT: blocks between reductions. */
  numBlocksInCell: number;
  /** CONSTRAINED_ADAPTIVE_COORDINATE_DESCENT: the block after each cell. */
  reductionBlockType: string;
  /** CONSTRAINED_ADAPTIVE_COORDINATE_DESCENT: search one cell, repeat it. */
  replicateCell: boolean;
  linearModel: LinearModelSearchSpec;
  harmonica: HarmonicaSearchSpec;
  /** ADAPTIVE_COORDINATE_DESCENT_GENETIC: per-block mutation probability. */
  mutateProbability: number;
  /** ADAPTIVE_COORDINATE_DESCENT_GENETIC: probability of a crossover. */
  crossoverProbability: number;
  /** ADAPTIVE_COORDINATE_DESCENT_GENETIC: probability of a random child. */
  randomArchitectureProbability: number;
  /** Architectures trained first, trial 1 taking the first. */
  userSuggestions: UserSuggestion[];
  /** Whether train steps scale with the architecture's size. */
  useParameterScaledTraining: boolean;
  /**
   * Puts an architecture into an order the tower builder accepts. For CNN
   * problems: the plate (order-sensitive) blocks first, then one flatten
   * block, then the flat blocks, adding PLATE_REDUCTION_FLATTEN when no
   * flatten is there (architecture_utils' fixArchitectureOrder). Required
   * for CNN problems, since only the block catalogue knows which block is
   * which; DNN and RNN architectures are used as they are when unset.
   */
  fixOrder?: (architecture: string[]) => string[];
}

/** The PhoenixSpec.SearchType names, in enum order. */
export const SEARCH_TYPE_NAMES: readonly string[] = [
  'ADAPTIVE_COORDINATE_DESCENT',
  'NONADAPTIVE_RANDOM_SEARCH',
  'HARMONICA_SEARCH',
  'CONSTRAINED_ADAPTIVE_COORDINATE_DESCENT',
  'LINEAR_MODEL',
  'ADAPTIVE_COORDINATE_DESCENT_GENETIC',
];

/** A SearchSpec field set with the proto's declared defaults. */
export function defaultSearchSpec(): SearchSpec {
  return {
    searchType: 'UNKNOWN_SEARCH_TYPE',
    problemType: 'UNKNOWN_PROBLEM_TYPE',
    minimumDepth: 2,
    maximumDepth: 30,
    blocksToUse: [],
    beamSize: 1,
    increaseComplexityProbability: 1.0,
    increaseComplexityMinimumTrials: [],
    numBlocksInCell: 4,
    reductionBlockType: 'DOWNSAMPLE_CONVOLUTION_3X3',
    replicateCell: false,
    linearModel: {
      networkAlignment: 'NET_ALIGN_HEAD',
      ridgePenalty: 0.001,
      removeOutliers: true,
      trialsBeforeFit: 10,
    },
    harmonica: {},
    mutateProbability: 0,
    crossoverProbability: 0,
    randomArchitectureProbability: 0,
    userSuggestions: [],
    useParameterScaledTraining: false,
  };
}

/** Overrides for `makeSearchSpec`; nested specs may be given in part. */
export type SearchSpecOverrides =
    Partial<Omit<SearchSpec, 'linearModel'>>&
    {linearModel?: Partial<LinearModelSearchSpec>};

/** The defaults with `overrides` on top. */
export function makeSearchSpec(overrides: SearchSpecOverrides = {}):
    SearchSpec {
  const base = defaultSearchSpec();
  return {
    ...base,
    ...overrides,
    linearModel: {...base.linearModel, ...(overrides.linearModel ?? {})},
    harmonica: {...(overrides.harmonica ?? {})},
  };
}

/**
 * Checks the fields every algorithm relies on; throws a ValueError naming
 * the PhoenixSpec field and the fix.
 */
export function validateSearchSpec(spec: SearchSpec): void {
  const fail = (field: string, problem: string, fix: string): never => {
    throw new ValueError(`phoenix_spec.${field} ${problem}; ${fix}`);
  };
  if (spec.blocksToUse.length === 0) {
    fail('blocks_to_use', 'is empty', 'list the blocks the search may use');
  }
  if (!Number.isInteger(spec.minimumDepth) || spec.minimumDepth < 1) {
    fail('minimum_depth', `is ${spec.minimumDepth}`, 'use an integer >= 1');
  }
  if (!Number.isInteger(spec.maximumDepth) ||
      spec.maximumDepth < spec.minimumDepth) {
    fail('maximum_depth', `is ${spec.maximumDepth}`,
         `use an integer >= minimum_depth (${spec.minimumDepth})`);
  }
  if (!Number.isInteger(spec.beamSize) || spec.beamSize < 1) {
    fail('beam_size', `is ${spec.beamSize}`, 'use an integer >= 1');
  }
  const probabilities: Array<[string, number]> = [
    ['increase_complexity_probability', spec.increaseComplexityProbability],
    ['mutate_probability', spec.mutateProbability],
    ['crossover_probability', spec.crossoverProbability],
    ['random_architecture_probability', spec.randomArchitectureProbability],
  ];
  for (const [field, value] of probabilities) {
    if (!(value >= 0 && value <= 1)) {
      fail(field, `is ${value}`, 'use a probability in [0, 1]');
    }
  }
  if (spec.increaseComplexityMinimumTrials.length > spec.maximumDepth) {
    fail('increase_complexity_minimum_trials',
         `has ${spec.increaseComplexityMinimumTrials.length} thresholds`,
         `give at most maximum_depth (${spec.maximumDepth})`);
  }
  if (spec.problemType === 'CNN' && spec.fixOrder === undefined) {
    throw new ValueError(
        'a CNN search needs SearchSpec.fixOrder to place the flatten block; ' +
        'pass architecture_utils\' fixArchitectureOrder when building the ' +
        'SearchSpec (searchSpecFromPhoenixSpec(spec, {fixOrder}))');
  }
}
