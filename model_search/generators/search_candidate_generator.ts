/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * The search candidate generator (search_candidate_generator.py): the new
 * tower of a trial, proposed by the search algorithm. It proposes none in
 * the ensemble trials of the non-adaptive and intermixed searches, and in
 * the distillation trials of an intermixed search it continues training the
 * best exploration tower that is not the teacher's as the student. In a
 * replay it rebuilds the spec's towers one per trial.
 */

import {ValueError} from '../errors';
import type {HparamValue, Objective, Trial} from '../metadata/trial';
import type {PhoenixSpec} from '../proto/phoenix_spec';
import type {SearchAlgorithm} from '../search/search_algorithm';
import {GenerateArgs, GeneratorResult, PlanningError, SEARCH_GENERATOR, searchTowerOf, TowerGenerator, towerName, TowerRecord} from './base_tower_generator';
import {hparamsFromProto} from '../replay';
import {adaptiveSearchSpec, bestTrials, ensembleSearchTypeName, getIntermixedTrials, hasEnsembleSearch, intermixedSearchSpec, isAdaptiveOrResidual, isIntermixedEnsembleSearch, isNonadaptiveEnsembleSearch, isNoSearchTower, replayTowers, TrialMode} from './trial_utils';

export declare interface SearchCandidateGeneratorArgs {
  spec: PhoenixSpec;
  /** The spec's search algorithm (with its user suggestions first). */
  algorithm: SearchAlgorithm;
  objective: Objective;
}

export class SearchCandidateGenerator implements TowerGenerator {
  readonly name = SEARCH_GENERATOR;
  private readonly spec: PhoenixSpec;

  constructor(private readonly args: SearchCandidateGeneratorArgs) {
    this.spec = args.spec;
  }

  generate(args: GenerateArgs): GeneratorResult {
    if (this.spec.replay !== undefined) return this.replayTower(args.trialId);
    const ensemble = this.spec.ensembleSpec;
    const suggestions = this.spec.userSuggestions?.length ?? 0;
    if (args.trialId <= suggestions) return this.suggest(args, args.trials);

    if (args.mode === TrialMode.ENSEMBLE_SEARCH && hasEnsembleSearch(ensemble)) {
      if (isNonadaptiveEnsembleSearch(ensemble)) return none();
      if (isAdaptiveOrResidual(ensemble)) {
        const every = adaptiveSearchSpec(ensemble).increaseWidthEvery;
        const start = Math.floor(args.trialId / every) * every;
        return this.suggest(args, args.trials.filter((t) => t.id >= start));
      }
      if (isIntermixedEnsembleSearch(ensemble)) {
        const every = intermixedSearchSpec(ensemble).tryEnsemblingEvery;
        if (args.trialId % every === 0) return none();
        return this.suggest(
            args, args.trials.filter((t) => t.id % every !== 0));
      }
      throw new ValueError(
          `phoenix_spec.ensemble_spec.ensemble_search_type ` +
          `${ensembleSearchTypeName(ensemble)} is not an ensemble search ` +
          'this trainer knows');
    }

    if (args.mode === TrialMode.DISTILLATION &&
        isIntermixedEnsembleSearch(ensemble)) {
      const every = intermixedSearchSpec(ensemble).tryEnsemblingEvery;
      // Not the teacher's own tower: a student that starts as a copy of
      // its teacher is taught nothing (the distillation loss and its
      // gradient are zero, and so is most of the label loss's; the
      // student came out bit for bit the teacher). Porting note: the
      // original continues from the best exploration tower even then.
      const exploration = getIntermixedTrials(args.trials, every, suggestions)
                              .filter((t) => t.id !== args.teacherTrialId);
      const [best] = bestTrials(exploration, 1, this.args.objective);
      const tower = best && searchTowerOf(best);
      if (best && tower) {
        // The student continues from that tower, with its hyperparameters
        // (its blocks must be rebuilt as they were, and it trains on as it
        // did): the trial's hparams.json and towers.json say the same.
        return {
          towers: [{
            name: towerName(SEARCH_GENERATOR, 0),
            architecture: [...tower.architecture],
            hparams: {...tower.hparams},
            source: {trialId: best.id, tower: tower.name},
            frozen: false,
          }],
          members: [],
          hparams: {...tower.hparams},
          parentTrialId: best.id,
        };
      }
    }
    return this.suggest(args, args.trials);
  }

  /** A new tower from the search algorithm, given the relevant trials. */
  private suggest(args: GenerateArgs, trials: Trial[]): GeneratorResult {
    // Trials without a search tower (pure ensembles) give the search
    // algorithm nothing to learn from.
    const searched = trials.filter((t) => t.architecture.length > 0);
    const suggestion = this.args.algorithm.suggest(searched, args.rng, {
      trialId: args.trialId,
      metric: this.args.objective.metric,
      goal: this.args.objective.goal,
      hparams: args.hparams,
    });
    const hparams = userSuggestionHparams(
        this.spec, suggestion.userSuggestionIndex, args.hparams);
    const tower: TowerRecord = {
      name: towerName(SEARCH_GENERATOR, 0),
      architecture: suggestion.architecture,
      hparams: hparams ?? args.hparams,
      frozen: false,
    };
    return {
      towers: [tower],
      members: [],
      parentTrialId: suggestion.parentTrialId,
      hparams,
    };
  }

  /** Replay trial i rebuilds replay.towers[i - 1] with its hparams. */
  private replayTower(trialId: number): GeneratorResult {
    const towers = replayTowers(this.spec);
    const tower = towers[trialId - 1];
    if (tower === undefined) {
      throw new PlanningError(
          `replay trial ${trialId}: the replay spec lists ${
              towers.length} towers`);
    }
    if (isNoSearchTower(tower)) {
      return {towers: [], members: [], hparams: tower.hparams};
    }
    return {
      towers: [{
        name: towerName(SEARCH_GENERATOR, 0),
        architecture: tower.architecture,
        hparams: tower.hparams,
        frozen: false,
      }],
      members: [],
      hparams: tower.hparams,
    };
  }
}

function none(): GeneratorResult {
  return {towers: [], members: []};
}

/**
 * The hparams of a trial that trains user_suggestions[index]: the tuner's,
 * with the suggestion's own hparams over them; undefined when the trial
 * trains no suggestion or the suggestion gives none.
 */
export function userSuggestionHparams(
    spec: PhoenixSpec, index: number|undefined,
    tuned: Record<string, HparamValue>): Record<string, HparamValue>|
    undefined {
  if (index === undefined) return undefined;
  const overrides =
      hparamsFromProto(spec.userSuggestions?.[index]?.hparams).hparams;
  return Object.keys(overrides).length > 0 ? {...tuned, ...overrides} :
                                             undefined;
}
