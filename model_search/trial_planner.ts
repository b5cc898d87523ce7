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
import {InProcessController} from './controller';
import {warmStartSources} from './meta/transfer_learning';
import type {WarmStartSource} from './meta/transfer_learning';
import {ALL_GENERATORS, isTowerOf, PlanningError, SEARCH_GENERATOR} from './generators/base_tower_generator';
import type {GeneratorResult, TowerRecord} from './generators/base_tower_generator';
import {PriorGenerator} from './generators/prior_generator';
import {ReplayGenerator} from './generators/replay_generator';
import {SearchCandidateGenerator} from './generators/search_candidate_generator';
import {hasDistillation, hasEnsembleSearch, trialModeName, validateEnsembleSpec} from './generators/trial_utils';
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
  /** The search tower's blocks; empty when the trial trains none. */
  architecture: string[];
  hparams: Record<string, HparamValue>;
  parentTrialId?: number;
  /**
   * Set when the spec ensembles or distills: every tower of the trial,
   * priors first. Unset: one tower of `architecture`, as always.
   */
  towers?: TowerRecord[];
  /** Trials whose towers this one imports, in tower order. */
  members?: number[];
  /** The controller's TrialMode name. */
  mode?: string;
  /** Distillation: the trial whose exported model teaches. */
  teacherTrialId?: number;
  /** 'search', 'ensemble' or 'distillation', as the store records it. */
  kind?: string;
  /**
   * transfer_learning_spec: the earlier trials whose weights the new
   * search tower starts from (meta/transfer_learning.ts).
   */
  warmStart?: WarmStartSource[];
}

/**
 * Whether trials are planned by the controller and its generators: the
 * spec ensembles or distills, or replays an ensemble. A replay of one
 * tower keeps its own path.
 */
export function usesGenerators(spec: PhoenixSpec): boolean {
  if (spec.replay !== undefined) {
    return (spec.replay.towers?.length ?? 0) > 1;
  }
  return hasEnsembleSearch(spec.ensembleSpec) ||
      hasDistillation(spec.distillationSpec);
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
  /** Set when usesGenerators(spec). */
  private readonly controller?: InProcessController;

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
    if (usesGenerators(spec)) {
      validateEnsembleSpec(spec.ensembleSpec);
      this.controller = new InProcessController({
        spec,
        search: new SearchCandidateGenerator(
            {spec, algorithm: this.algorithm, objective: args.objective}),
        prior: new PriorGenerator({spec, objective: args.objective}),
        replay: new ReplayGenerator(spec),
      });
    }
  }

  plan(completed: Trial[], trialId: number, rng: Random): TrialPlan {
    if (this.replay !== undefined) {
      const replayed = this.replay[trialId - 1];
      if (replayed === undefined) {
        throw new ValueError(`replay: trial ${trialId} asked for, but the ` +
                             `spec replays ${this.replay.length} trial(s)`);
      }
      if (this.controller !== undefined) {
        // An ensemble: trial i trains tower i and imports the towers of
        // the trials before it as the replayed search did.
        return this.planTowers(completed, trialId, rng, replayed.hparams);
      }
      return {architecture: [...replayed.architecture],
              hparams: {...replayed.hparams}};
    }
    const hparams = this.tuner.suggest(
        this.space, completed, this.args.objective, rng);
    const plan = this.controller !== undefined ?
        this.planTowers(completed, trialId, rng, hparams) :
        this.planTower(completed, trialId, rng, hparams);
    // Only a new tower warm-starts; a restored one has its weights.
    const fresh = plan.towers === undefined ||
        plan.towers.some((t) => isTowerOf(t, SEARCH_GENERATOR) &&
                                t.source === undefined);
    const sources = fresh ?
        warmStartSources(
            this.args.spec.transferLearningSpec, completed, trialId) :
        [];
    return sources.length > 0 ? {...plan, warmStart: sources} : plan;
  }

  /** One tower from the search algorithm, as without ensembling. */
  private planTower(
      completed: Trial[], trialId: number, rng: Random,
      hparams: Record<string, HparamValue>): TrialPlan {
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

  /**
   * The towers of a trial, as the generators the controller picks decide
   * them: imported ones first (prior, replay), the new search tower last.
   *
   * @throws PlanningError when no generator gives the trial a tower.
   */
  private planTowers(
      completed: Trial[], trialId: number, rng: Random,
      tuned: Record<string, HparamValue>): TrialPlan {
    const decision = this.controller!.getGenerators(trialId, completed);
    const results: GeneratorResult[] = [];
    for (const name of ALL_GENERATORS) {
      const picked = decision.generators[name];
      if (picked === undefined) continue;
      results.push(picked.generator.generate({
        trialId,
        mode: decision.mode,
        hparams: tuned,
        trials: picked.trials,
        rng: rng.fork(),
        teacherTrialId:
            results.find((r) => r.teacherTrialId !== undefined)
                ?.teacherTrialId,
      }));
    }
    const towers = results.flatMap((r) => r.towers);
    const members = results.flatMap((r) => r.members);
    const search = towers.find((t) => isTowerOf(t, SEARCH_GENERATOR));
    const teacherTrialId =
        results.find((r) => r.teacherTrialId !== undefined)?.teacherTrialId;
    if (towers.length === 0) {
      throw new PlanningError(
          `trial ${trialId} (${trialModeName(decision.mode)}): no tower to ` +
          'train or ensemble; the ensembling pool has no completed trial');
    }
    const imported = towers.filter((t) => t.source !== undefined &&
                                          !isTowerOf(t, SEARCH_GENERATOR));
    return {
      architecture: search ? [...search.architecture] : [],
      hparams: results.find((r) => r.hparams)?.hparams ?? tuned,
      parentTrialId: results.find((r) => r.parentTrialId !== undefined)
                         ?.parentTrialId,
      towers,
      members: teacherTrialId === undefined ? members : [],
      mode: trialModeName(decision.mode),
      teacherTrialId,
      kind: teacherTrialId !== undefined ? 'distillation' :
          imported.length > 0            ? 'ensemble' :
                                           'search',
    };
  }
}
