/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * Plans one search trial: the tuner picks hyperparameters, the search
 * algorithm picks the architecture, both from the completed trials.
 */

import {fixArchitectureOrder} from './architecture/architecture_utils';
import {hparamSpaceFromSpec} from './hparams/hyperparameters';
import {createTuner} from './hparams/tuner';
import type {HparamValue, Objective, Trial} from './metadata/trial';
import type {PhoenixSpec} from './proto/phoenix_spec';
import type {Random} from './random';
import {createSearchAlgorithm} from './search';
import {searchSpecFromPhoenixSpec} from './search/from_phoenix_spec';
import type {SearchAlgorithm} from './search/search_algorithm';

export declare interface TrialPlan {
  architecture: string[];
  hparams: Record<string, HparamValue>;
  parentTrialId?: number;
}

export declare interface TrialPlannerArgs {
  spec: PhoenixSpec;
  problemType: string;
  objective: Objective;
  hypertuningMethod: 'random'|'bayesian';
}

export class TrialPlanner {
  private readonly algorithm: SearchAlgorithm;
  private readonly tuner: ReturnType<typeof createTuner>;
  private readonly space: ReturnType<typeof hparamSpaceFromSpec>;

  constructor(private readonly args: TrialPlannerArgs) {
    const searchSpec = searchSpecFromPhoenixSpec(args.spec);
    searchSpec.fixOrder = (architecture: string[]) =>
        fixArchitectureOrder(architecture, args.problemType);
    this.algorithm = createSearchAlgorithm(searchSpec);
    this.space = hparamSpaceFromSpec(args.spec);
    this.tuner = createTuner(args.hypertuningMethod);
  }

  plan(completed: Trial[], trialId: number, rng: Random): TrialPlan {
    const hparams = this.tuner.suggest(
        this.space, completed, this.args.objective, rng);
    const suggestion = this.algorithm.suggest(completed, rng, {
      trialId,
      metric: this.args.objective.metric,
      goal: this.args.objective.goal,
      hparams,
    });
    return {
      architecture: suggestion.architecture,
      hparams,
      parentTrialId: suggestion.parentTrialId,
    };
  }
}
