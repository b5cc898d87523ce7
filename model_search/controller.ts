/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * The controller (controller.py): decides what a trial does by choosing
 * which generators act in it, and which earlier trials each may use.
 *  - the search candidate generator explores: a new tower from the search;
 *  - the prior generator exploits: trained towers of earlier trials join
 *    the ensemble, or the best trial teaches a distillation trial;
 *  - the replay generator imports the towers a replay trained so far.
 * It also gives the trial's mode (generators/trial_utils.ts getTrialMode).
 */

import {GeneratorName, PRIOR_GENERATOR, REPLAY_GENERATOR, SEARCH_GENERATOR, TowerGenerator} from './generators/base_tower_generator';
import {adaptiveSearchSpec, getTrialMode, intermixedSearchSpec, isAdaptiveOrResidual, isIntermixedEnsembleSearch, isNonadaptiveEnsembleSearch, nonadaptiveSearchSpec, TrialMode} from './generators/trial_utils';
import type {Trial} from './metadata/trial';
import type {PhoenixSpec} from './proto/phoenix_spec';

/** Where a replay stands (ReplayState in controller.py). */
export class ReplayState {
  constructor(private readonly spec: PhoenixSpec) {}

  isReplay(): boolean {
    return this.spec.replay !== undefined;
  }

  /** Towers listed in the replay spec. */
  towerCount(): number {
    return this.spec.replay?.towers?.length ?? 0;
  }

  /**
   * Whether replay trial `id` trains a tower: every trial of an adaptive
   * ensemble does; a non-adaptive one trains a tower in every trial but
   * the last, which only puts the ensemble together.
   */
  isTrainingATower(id: number): boolean {
    const n = this.towerCount();
    return isAdaptiveOrResidual(this.spec.ensembleSpec) || id < n || n === 1;
  }

  /**
   * Whether replay trial `id` imports towers: every trial after the first
   * of an adaptive ensemble, the last one of a non-adaptive ensemble.
   */
  isImportingTowers(id: number): boolean {
    const n = this.towerCount();
    return (id === n && n > 1) ||
        (id > 1 && isAdaptiveOrResidual(this.spec.ensembleSpec));
  }
}

/** A generator with the trials it may use in this trial. */
export declare interface GeneratorWithTrials {
  generator: TowerGenerator;
  trials: Trial[];
}

/** What the controller decided for one trial. */
export declare interface ControllerDecision {
  mode: TrialMode;
  /** The generators that act, by name. */
  generators: Partial<Record<GeneratorName, GeneratorWithTrials>>;
}

export declare interface ControllerArgs {
  spec: PhoenixSpec;
  search: TowerGenerator;
  prior: TowerGenerator;
  replay: TowerGenerator;
}

/**
 * Search, ensembling, distillation and replay in one process, trials
 * allotted by id (InProcessController).
 */
export class InProcessController {
  private readonly spec: PhoenixSpec;
  private readonly replayState: ReplayState;

  constructor(private readonly args: ControllerArgs) {
    this.spec = args.spec;
    this.replayState = new ReplayState(args.spec);
  }

  /**
   * @param myId The trial being planned.
   * @param trials The COMPLETED trials of the study.
   */
  getGenerators(myId: number, trials: Trial[]): ControllerDecision {
    const {search, prior, replay} = this.args;
    const ensemble = this.spec.ensembleSpec;
    const out: ControllerDecision['generators'] = {};
    const use = (generator: TowerGenerator, relevant: Trial[]) => {
      out[generator.name] = {generator, trials: relevant};
    };

    if (this.replayState.isReplay()) {
      if (this.replayState.isTrainingATower(myId)) use(search, []);
      const importing = this.replayState.isImportingTowers(myId);
      if (importing) use(replay, trials);
      // Porting note: the original takes the replay's mode from the
      // ensembling pool sizes, so that a replayed ensemble whose id is
      // below them is not ensembled; here the importing trials ensemble.
      return {
        mode: importing ? TrialMode.ENSEMBLE_SEARCH : TrialMode.NO_PRIOR,
        generators: out,
      };
    }

    const mode = getTrialMode(ensemble, this.spec.distillationSpec, myId);
    const decision = (): ControllerDecision => {
      this.ensureDistillation(mode, out, trials);
      return {mode, generators: out};
    };

    // User suggestions come first, and alone.
    if (myId <= (this.spec.userSuggestions?.length ?? 0)) {
      use(search, []);
      return {mode: TrialMode.NO_PRIOR, generators: out};
    }

    if (isNonadaptiveEnsembleSearch(ensemble)) {
      const pool = nonadaptiveSearchSpec(ensemble).minimalPoolSize;
      const searchTrials = trials.filter((t) => t.id <= pool);
      use(myId <= pool ? search : prior, searchTrials);
      return decision();
    }

    if (isAdaptiveOrResidual(ensemble)) {
      if (mode !== TrialMode.ENSEMBLE_SEARCH) {
        // Within the pool (or distilling): a plain search of all trials.
        use(search, trials);
        return decision();
      }
      const every = adaptiveSearchSpec(ensemble).increaseWidthEvery;
      const pool = Math.floor(myId / every) * every;
      const ensembling = trials.filter((t) => t.id <= pool);
      use(search, trials.filter((t) => t.id > pool));
      if (ensembling.length > 0) use(prior, ensembling);
      return decision();
    }

    if (isIntermixedEnsembleSearch(ensemble)) {
      const n = intermixedSearchSpec(ensemble).tryEnsemblingEvery;
      const searchTrials = trials.filter((t) => t.id % n !== 0);
      if (myId % n !== 0) {
        use(search, searchTrials);
        if (mode === TrialMode.DISTILLATION) use(prior, trials);
      } else {
        use(prior, searchTrials);
      }
      return decision();
    }

    use(search, trials);
    return decision();
  }

  /**
   * A distillation trial needs a student (the search generator) and a
   * teacher (the prior generator).
   *
   * Porting note: the original controller adds the prior generator to
   * distillation trials only in the intermixed and adaptive searches, so
   * that distillation_spec alone, or with a non-adaptive search, trains
   * no student against any teacher; here every distillation trial has
   * both, the teacher drawn from all completed trials when the ensemble
   * search gives the prior generator none.
   */
  private ensureDistillation(
      mode: TrialMode, out: ControllerDecision['generators'],
      trials: Trial[]): void {
    if (mode !== TrialMode.DISTILLATION) return;
    const {search, prior} = this.args;
    if (out[SEARCH_GENERATOR] === undefined) {
      // Only a non-adaptive search past its pool has no search generator;
      // the student is searched among the pool's trials.
      const ensemble = this.spec.ensembleSpec;
      const pool = isNonadaptiveEnsembleSearch(ensemble) ?
          nonadaptiveSearchSpec(ensemble).minimalPoolSize :
          Infinity;
      out[SEARCH_GENERATOR] = {
        generator: search,
        trials: trials.filter((t) => t.id <= pool),
      };
    }
    if (out[PRIOR_GENERATOR] === undefined) {
      out[PRIOR_GENERATOR] = {generator: prior, trials};
    }
  }
}

export {PRIOR_GENERATOR, REPLAY_GENERATOR, SEARCH_GENERATOR};
