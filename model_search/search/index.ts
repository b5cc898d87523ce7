/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/** The search package: algorithms by PhoenixSpec.SearchType name. */

import {didYouMean, ValueError} from '../errors';
import {CategoricalHarmonica} from './categorical_harmonica';
import {ConstrainedDescent} from './constrained_descent';
import {CoordinateDescent} from './coordinate_descent';
import {GeneticCoordinateDescent} from './genetic';
import {LinearModel} from './linear_model';
import {RandomSearch} from './random_search';
import type {SearchAlgorithm} from './search_algorithm';
import {SEARCH_TYPE_NAMES, SearchSpec} from './search_spec';
import {WithUserSuggestions} from './user_suggestions';

export * from './search_algorithm';
export * from './search_spec';
export {CategoricalHarmonica} from './categorical_harmonica';
export {ConstrainedDescent, isReductionBlock} from './constrained_descent';
export {CoordinateDescent} from './coordinate_descent';
export {crossover, GeneticCoordinateDescent} from './genetic';
export {Harmonica} from './harmonica';
export {Identity} from './identity';
export {LinearModel} from './linear_model';
export {globalStepIncrement, scaledTrainSteps} from './parameter_scaled_training';
export {RandomSearch} from './random_search';
export {WithUserSuggestions} from './user_suggestions';
export {FLATTEN_TYPES, getAllowedDepth} from './common';

const FACTORIES: Record<string, (spec: SearchSpec) => SearchAlgorithm> = {
  ADAPTIVE_COORDINATE_DESCENT: (spec) => new CoordinateDescent(spec),
  NONADAPTIVE_RANDOM_SEARCH: (spec) => new RandomSearch(spec),
  HARMONICA_SEARCH: (spec) => new CategoricalHarmonica(spec),
  CONSTRAINED_ADAPTIVE_COORDINATE_DESCENT: (spec) =>
      new ConstrainedDescent(spec),
  LINEAR_MODEL: (spec) => new LinearModel(spec),
  ADAPTIVE_COORDINATE_DESCENT_GENETIC: (spec) =>
      new GeneticCoordinateDescent(spec),
};

/**
 * The algorithm `spec.searchType` names, trying `spec.userSuggestions`
 * first when there are any.
 * @throws ValueError for an unknown search type, listing the valid ones,
 *     or for a spec the algorithm cannot use.
 */
export function createSearchAlgorithm(spec: SearchSpec): SearchAlgorithm {
  const factory = Object.prototype.hasOwnProperty.call(
                      FACTORIES, spec.searchType) ?
      FACTORIES[spec.searchType] :
      undefined;
  if (factory === undefined) {
    throw new ValueError(
        `phoenix_spec.search_type "${spec.searchType}" is not a search ` +
        `algorithm${didYouMean(spec.searchType, SEARCH_TYPE_NAMES)}; set ` +
        `search_type to one of: ${SEARCH_TYPE_NAMES.join(', ')}`);
  }
  const search = factory(spec);
  return spec.userSuggestions.length > 0 ?
      new WithUserSuggestions(spec, search) :
      search;
}
