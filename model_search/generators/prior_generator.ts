/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * The prior generator (prior_generator.py): towers already trained in
 * earlier trials, imported into the ensemble of this one. What it imports
 * depends on the ensemble search:
 *  - NONADAPTIVE: `width` towers drawn at random from the
 *    `num_trials_to_consider` best trials of the pool (ids up to
 *    `minimal_pool_size`), among the draws no earlier ensemble trial
 *    evaluated while there are such (the original draws again at random:
 *    an average of the same frozen towers scores the same again);
 *  - INTERMIXED_NONADAPTIVE: the same, from the exploration trials;
 *  - ADAPTIVE and RESIDUAL: every tower of the best trial with an id up to
 *    the last multiple of `increase_width_every`, so that the ensemble of
 *    the best trial grows by the new search tower.
 * In a distillation trial it names the teacher instead: the best trial.
 */

import type {Objective, Trial} from '../metadata/trial';
import type {PhoenixSpec} from '../proto/phoenix_spec';
import {GenerateArgs, GeneratorResult, PlanningError, PRIOR_GENERATOR, searchTowerOf, TowerGenerator, towerName, TowerRecord, towersOfTrial} from './base_tower_generator';
import {adaptiveSearchSpec, bestTrials, ensembleSpecWithDefaults, intermixedSearchSpec, isAdaptiveOrResidual, isIntermixedEnsembleSearch, isNonadaptiveEnsembleSearch, nonadaptiveSearchSpec, TrialMode} from './trial_utils';

export declare interface PriorGeneratorArgs {
  spec: PhoenixSpec;
  objective: Objective;
}

export class PriorGenerator implements TowerGenerator {
  readonly name = PRIOR_GENERATOR;
  private readonly freeze: boolean;

  constructor(private readonly args: PriorGeneratorArgs) {
    this.freeze =
        ensembleSpecWithDefaults(args.spec.ensembleSpec).freezePrevious ??
        true;
  }

  generate(args: GenerateArgs): GeneratorResult {
    const ensemble = this.args.spec.ensembleSpec;
    if (args.mode === TrialMode.DISTILLATION) {
      // The best trial so far teaches, whatever kind it is.
      const [best] = bestTrials(args.trials, 1, this.args.objective);
      return best ? {towers: [], members: [best.id], teacherTrialId: best.id} :
                    {towers: [], members: []};
    }
    if (isNonadaptiveEnsembleSearch(ensemble)) {
      const s = nonadaptiveSearchSpec(ensemble);
      const pool = args.trials.filter((t) => t.id <= s.minimalPoolSize);
      const best = bestTrials(pool, s.numTrialsToConsider, this.args.objective);
      if (best.length === 0) return {towers: [], members: []};
      return this.nonadaptive(best, s.numTrialsToConsider, s.width, args);
    }
    if (isAdaptiveOrResidual(ensemble)) {
      const every = adaptiveSearchSpec(ensemble).increaseWidthEvery;
      const pool = Math.floor(args.trialId / every) * every;
      const [best] = bestTrials(
          args.trials.filter((t) => t.id <= pool), 1, this.args.objective);
      if (!best) return {towers: [], members: []};
      return this.importAll(best);
    }
    if (isIntermixedEnsembleSearch(ensemble)) {
      const s = intermixedSearchSpec(ensemble);
      return this.nonadaptive(
          args.trials, s.numTrialsToConsider, s.width, args);
    }
    return {towers: [], members: []};
  }

  /**
   * The search towers of `width` trials drawn from the `k` best, or of all
   * of them when there are fewer; members in id order.
   */
  private nonadaptive(
      trials: Trial[], k: number, width: number,
      args: GenerateArgs): GeneratorResult {
    const best = bestTrials(trials, k, this.args.objective)
                     .filter((t) => searchTowerOf(t) !== undefined);
    if (best.length === 0) {
      // The trial line that reports it names the trial.
      throw new PlanningError('no completed trial to ensemble');
    }
    let chosen = best;
    if (best.length > width) {
      const order = args.rng.shuffle(best.map((_, i) => i));
      chosen = order.slice(0, width).map((i) => best[i]);
      chosen = freshDraw(best, width, chosen, args) ?? chosen;
    }
    chosen = [...chosen].sort((a, b) => a.id - b.id);
    const towers = chosen.map((trial, i): TowerRecord => {
      const tower = searchTowerOf(trial)!;
      return this.imported(tower, trial.id, i);
    });
    return {towers, members: chosen.map((t) => t.id)};
  }

  /** Every tower of one trial (import_towers_one_trial). */
  private importAll(trial: Trial): GeneratorResult {
    const towers = towersOfTrial(trial).map(
        (tower, i) => this.imported(tower, trial.id, i));
    return {towers, members: towers.length > 0 ? [trial.id] : []};
  }

  private imported(tower: TowerRecord, trialId: number, index: number):
      TowerRecord {
    return {
      name: towerName(PRIOR_GENERATOR, index),
      architecture: [...tower.architecture],
      hparams: {...tower.hparams},
      source: {trialId, tower: tower.name},
      frozen: this.freeze,
    };
  }
}

/** Draws of more members than this are not listed (C(n, width)). */
const MAX_LISTED_DRAWS = 10000;

/**
 * `drawn` if no earlier ensemble has exactly its members; else one of the
 * draws of `width` of `best` none has had, at random; undefined when
 * every draw was evaluated already (or there are too many to list, where
 * a repeat is rare).
 */
function freshDraw(
    best: Trial[], width: number, drawn: Trial[],
    args: GenerateArgs): Trial[]|undefined {
  const key = (trials: Trial[]) =>
      trials.map((t) => t.id).sort((a, b) => a - b).join(',');
  const seen = new Set((args.ensembledBefore ?? []).map((m) => m.join(',')));
  if (!seen.has(key(drawn))) return drawn;
  let count = 1;
  for (let i = 0; i < width; i++) {
    count = count * (best.length - i) / (i + 1);
  }
  if (count > MAX_LISTED_DRAWS) return undefined;
  const fresh: Trial[][] = [];
  const pick = (from: number, taken: Trial[]) => {
    if (taken.length === width) {
      if (!seen.has(key(taken))) fresh.push([...taken]);
      return;
    }
    for (let i = from; i <= best.length - (width - taken.length); i++) {
      taken.push(best[i]);
      pick(i + 1, taken);
      taken.pop();
    }
  };
  pick(0, []);
  return fresh.length === 0 ? undefined : args.rng.choice(fresh);
}
