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

import {ValueError} from './errors';
import {fixArchitectureOrder} from './architecture/architecture_utils';
import {BLOCKS} from './blocks';
import type {Hparam, HparamSpace} from './hparams/hyperparameters';
import {buildHparamSpace, hparamFromBlockRange} from './hparams/hyperparameters';
import {createTuner} from './hparams/tuner';
import type {Tuner} from './hparams/tuner';
import type {HparamValue, Objective, Trial} from './metadata/trial';
import type {PhoenixSpec} from './proto/phoenix_spec';
import type {Random} from './random';
import {replayPlans} from './replay';
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
  /** --phoenix_train_steps: the decay-steps choices derive from it. */
  trainSteps: number;
}

/** The hyperparameters that the blocks of blocks_to_use ask for. */
function blockHparams(blocksToUse: string[]): Hparam[] {
  const out: Hparam[] = [];
  for (const name of blocksToUse) {
    const block = BLOCKS.create(name);
    for (const range of block.requiresHparams?.() ?? []) {
      if (!out.some((p) => p.name === range.name)) {
        out.push(hparamFromBlockRange(range));
      }
    }
  }
  return out;
}

export class TrialPlanner {
  private readonly algorithm: SearchAlgorithm;
  private readonly tuner: Tuner;
  readonly space: HparamSpace;
  /**
   * With a `replay` in the spec: trial i trains replay[i - 1] as it is,
   * and the study has exactly this many trials.
   */
  readonly replay: TrialPlan[]|undefined;

  constructor(private readonly args: TrialPlannerArgs) {
    this.replay = replayPlans(args.spec);
    const searchSpec = searchSpecFromPhoenixSpec(args.spec, {
      fixOrder: (architecture: string[]) =>
          fixArchitectureOrder(architecture, args.problemType),
    });
    this.algorithm = createSearchAlgorithm(searchSpec);
    const spec = args.spec;
    this.space = buildHparamSpace({
      blocksToUse: searchSpec.blocksToUse,
      minimumDepth: searchSpec.minimumDepth,
      trainSteps: args.trainSteps,
      learningSpec: spec.learningSpec,
      applyDropoutsBetweenBlocks: spec.applyDropoutsBetweenBlocks ?? false,
      blockHparams: blockHparams(searchSpec.blocksToUse),
    });
    this.tuner = createTuner(args.hypertuningMethod);
  }

  plan(completed: Trial[], trialId: number, rng: Random): TrialPlan {
    if (this.replay !== undefined) {
      const replayed = this.replay[trialId - 1];
      if (replayed === undefined) {
        throw new ValueError(`replay: trial ${trialId} asked for, but the ` +
                             `spec replays ${this.replay.length} trial(s)`);
      }
      return {architecture: [...replayed.architecture],
              hparams: {...replayed.hparams}};
    }
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
