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
import {BLOCKS, blockHparamRanges} from './blocks';
import type {HparamRange} from './blocks';
import {InProcessController, ReplayState} from './controller';
import {warmStartSources} from './meta/transfer_learning';
import type {WarmStartSource} from './meta/transfer_learning';
import {ALL_GENERATORS, isTowerOf, PlanningError, SEARCH_GENERATOR} from './generators/base_tower_generator';
import type {GeneratorResult, TowerRecord} from './generators/base_tower_generator';
import {PriorGenerator} from './generators/prior_generator';
import {ReplayGenerator} from './generators/replay_generator';
import {SearchCandidateGenerator, userSuggestionHparams} from './generators/search_candidate_generator';
import {hasDistillation, hasEnsembleSearch, intermixedSearchSpec, isAdaptiveOrResidual, isIntermixedEnsembleSearch, isNonadaptiveEnsembleSearch, nonadaptiveSearchSpec, trialModeName, validateEnsembleSpec, validateSpecSettings} from './generators/trial_utils';
import type {Hparam, HparamSpace} from './hparams/hyperparameters';
import {buildHparamSpace, hparamFromBlockRange, validateSpace} from './hparams/hyperparameters';
import {createTuner} from './hparams/tuner';
import type {Tuner} from './hparams/tuner';
import type {HparamValue, Objective, Trial} from './metadata/trial';
import type {PhoenixSpec} from './proto/phoenix_spec';
import type {Random} from './random';
import {checkTrainingHparams, givenHparams, replayPlans} from './replay';
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
  /** A replay: which tower of the replay spec (1-based) the trial trains. */
  replayPosition?: number;
}

/**
 * A trial cannot be planned yet: it needs a trial still running (in
 * another worker). Plan it again once that one has finished.
 */
export class PlanWait extends PlanningError {
  constructor(readonly waitingFor: Trial, message: string) {
    super(message);
    this.name = 'PlanWait';
    Object.setPrototypeOf(this, new.target.prototype);
  }
}

/** A replay trial whose towers are those of a replay trial running. */
export class ReplayWait extends PlanWait {
  constructor(readonly trialId: number, readonly position: number,
              waitingFor: Trial) {
    super(waitingFor,
          `replay trial ${trialId} (tower ${position}) imports the towers ` +
              `of trial ${waitingFor.id}, which is still running in worker ${
                  waitingFor.workerId ?? '?'}`);
    this.name = 'ReplayWait';
    Object.setPrototypeOf(this, new.target.prototype);
  }
}

/**
 * An ensemble trial while a trial it could draw on still trains: of the
 * pool of NONADAPTIVE_ENSEMBLE_SEARCH (drawn now, the ensemble could never
 * include it), or of the searched trials of INTERMIXED search while fewer
 * than `width` have completed (the ensemble would be narrower, or none).
 */
export class EnsembleWait extends PlanWait {
  constructor(message: string, waitingFor: Trial) {
    super(waitingFor, message);
    this.name = 'EnsembleWait';
    Object.setPrototypeOf(this, new.target.prototype);
  }
}

/** Warm-start sources without `trialId`'s, their shares renormalised. */
function withoutTrial(sources: WarmStartSource[], trialId?: number):
    WarmStartSource[] {
  const kept = sources.filter((s) => s.trialId !== trialId);
  if (kept.length === sources.length) return sources;
  const total = kept.reduce((sum, s) => sum + s.weight, 0);
  return total > 0 ? kept.map((s) => ({...s, weight: s.weight / total})) : [];
}

/**
 * The replay position of a trial of a replay study: the one its plan
 * recorded; a trial planned before positions were recorded trained the
 * tower of its id.
 */
export function replayPositionOf(trial: Trial): number {
  const recorded = trial.extra?.['replayPosition'];
  return typeof recorded === 'number' ? recorded : trial.id;
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

/**
 * The hyperparameters that the blocks of blocks_to_use ask for, named as
 * the blocks ask (a block reads hparams[name]). A name the trainer uses
 * itself (`reserved`), or that two blocks ask for with different ranges,
 * is refused: one of them would be dropped without a word.
 */
export function blockHparams(
    asked: ReadonlyArray<[string, HparamRange[]]>,
    reserved: Set<string>): Hparam[] {
  const out: Hparam[] = [];
  const askedBy = new Map<string, string>();
  for (const [name, ranges] of asked) {
    const own = new Set<string>();
    for (const range of ranges) {
      if (reserved.has(range.name)) {
        throw new ValueError(
            `block ${name} asks for hyperparameter "${range.name}", which ` +
            'the trainer tunes itself; give it a name of its own (e.g. ' +
            `"${name.toLowerCase()}_${range.name}")`);
      }
      if (own.has(range.name)) {
        throw new ValueError(
            `block ${name} asks for hyperparameter "${range.name}" twice ` +
            '(requiresHparams); give each range a name of its own');
      }
      own.add(range.name);
      let param: Hparam;
      try {
        param = hparamFromBlockRange(range);
        validateSpace({params: [param]});
      } catch (e) {
        // Which block's requiresHparams(): the range alone does not say.
        throw new ValueError(`block ${name}: ${(e as Error).message}`);
      }
      const earlier = out.find((p) => p.name === range.name);
      if (earlier === undefined) {
        out.push(param);
        askedBy.set(range.name, name);
      } else if (JSON.stringify(earlier) !== JSON.stringify(param)) {
        throw new ValueError(
            `blocks ${askedBy.get(range.name)} and ${name} ask for ` +
            `hyperparameter "${range.name}" with different ranges; one ` +
            'trial gives both the same value: give one of them another ' +
            'name, or the same range');
      }
    }
  }
  return out;
}

/**
 * The names a block may not ask for: whatever this spec tunes, and what
 * the trainer reads under any spec (dropout_rate without
 * apply_dropouts_between_blocks, say), so that a block is refused alike
 * under every spec.
 */
export function reservedHparamNames(
    spaceArgs: Parameters<typeof buildHparamSpace>[0]): Set<string> {
  return new Set([
    ...buildHparamSpace(spaceArgs).params.map((p) => p.name),
    ...trainerHparamNames(),
  ]);
}

/**
 * The hyperparameters the trainer reads whatever the spec: those of
 * buildHparamSpace with every learning_spec option on, and those of the
 * architecture (`initial_architecture_<i>` for any i).
 */
function isTrainerHparam(name: string): boolean {
  if (/^initial_architecture_\d+$/.test(name)) return true;
  return trainerHparamNames().has(name);
}

/** The names of isTrainerHparam but `initial_architecture_<i>`. */
function trainerHparamNames(): Set<string> {
  TRAINER_HPARAMS ??= new Set(buildHparamSpace({
    // A block, for new_block_type to have a value.
    blocksToUse: ['EMPTY_BLOCK'],
    minimumDepth: 0,
    trainSteps: 100,
    learningSpec: {applyExponentialDecay: true, applyGradientClipping: true,
                   applyL2Regularization: true},
    applyDropoutsBetweenBlocks: true,
    architectureHparams: true,
  }).params.map((p) => p.name));
  return TRAINER_HPARAMS;
}
let TRAINER_HPARAMS: Set<string>|undefined;

/**
 * Throws a ValueError naming the tower, block and hyperparameter when a
 * replayed tower lacks a value one of its blocks asks for
 * (requiresHparams), or gives one outside the block's range: every trial
 * would fail to build, or train what no search would have drawn. The
 * original's `<BLOCK>_<name>` form counts as `<name>`, as blocks read it.
 */
export function checkReplayBlockHparams(plans: readonly TrialPlan[]): void {
  plans.forEach((plan, i) => {
    for (const block of new Set(plan.architecture)) {
      if (!BLOCKS.has(block)) continue;
      for (const range of blockHparamRanges(block)) {
        const value = plan.hparams[`${block}_${range.name}`] ??
            plan.hparams[range.name];
        const wanted = range.values !== undefined ?
            `one of ${range.values.map((v) => JSON.stringify(v)).join(', ')}` :
            `${range.integer ? 'an integer' : 'a number'} in [${
                range.min}, ${range.max}]`;
        const where = `replay: tower ${i + 1}: block ${block} needs hparam ` +
            `${range.name}, ${wanted}`;
        if (value === undefined) {
          throw new ValueError(`${where}; the spec gives none`);
        }
        const fits = range.values !== undefined ?
            range.values.includes(value) :
            typeof value === 'number' && Number.isFinite(value) &&
                (!range.integer || Number.isInteger(value)) &&
                (range.min === undefined || value >= range.min) &&
                (range.max === undefined || value <= range.max);
        if (!fits) {
          throw new ValueError(`${where}; the spec gives ${
              JSON.stringify(value)}`);
        }
      }
    }
  });
}

/**
 * One line for each hyperparameter given by hand (a replayed tower, a user
 * suggestion) that neither the trainer nor the blocks read (a misspelt
 * name, say): it is kept in the trial's hparams.json but changes nothing.
 * The blocks are the tower's and those of `space` (a search records the
 * hyperparameters of all the blocks of blocks_to_use in every trial).
 */
export function unreadGivenHparams(
    towers: ReadonlyArray<{where: string, plan: TrialPlan}>,
    space: HparamSpace): string[] {
  const lines: string[] = [];
  for (const {where, plan} of towers) {
    const blocks = new Set(space.params.map((p) => p.name));
    for (const block of plan.architecture) {
      if (!BLOCKS.has(block)) continue;
      for (const range of blockHparamRanges(block)) {
        blocks.add(range.name);
      }
    }
    const unread = Object.keys(plan.hparams)
                       .filter((n) => !isTrainerHparam(n) && !blocks.has(n));
    if (unread.length > 0) {
      lines.push(`${where}: hparam(s) ${
          unread.join(', ')} read by neither the trainer nor the tower's ` +
          'blocks: kept in hparams.json, but they change nothing');
    }
  }
  return lines;
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
    validateSpecSettings(args.spec);
    this.replay = replayPlans(args.spec);
    if (this.replay !== undefined) checkReplayBlockHparams(this.replay);
    // A suggestion's hparams are given by hand, as a replay's are.
    (args.spec.userSuggestions ?? []).forEach((suggestion, i) => {
      const where = `phoenix_spec.user_suggestions[${i}]`;
      checkTrainingHparams(givenHparams(suggestion.hparams, where), where);
    });
    const searchSpec = searchSpecFromPhoenixSpec(args.spec, {
      fixOrder: (architecture: string[]) =>
          fixArchitectureOrder(architecture, args.problemType),
    });
    this.algorithm = createSearchAlgorithm(searchSpec);
    const spec = args.spec;
    const spaceArgs = {
      blocksToUse: searchSpec.blocksToUse,
      minimumDepth: searchSpec.minimumDepth,
      trainSteps: args.trainSteps,
      learningSpec: spec.learningSpec,
      applyDropoutsBetweenBlocks: spec.applyDropoutsBetweenBlocks ?? false,
    };
    const reserved = reservedHparamNames(spaceArgs);
    this.space = buildHparamSpace({
      ...spaceArgs,
      blockHparams: blockHparams(
          searchSpec.blocksToUse.map(
              (name) => [name, blockHparamRanges(name)]),
          reserved),
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

  /**
   * unreadGivenHparams of the replay's towers, or of the user suggestions
   * of a search.
   */
  unreadHparamLines(): string[] {
    const towers = this.replay !== undefined ?
        this.replay.map((plan, i) => ({where: `replay: tower ${i + 1}`, plan})) :
        (this.args.spec.userSuggestions ?? []).map((suggestion, i) => {
          const where = `phoenix_spec.user_suggestions[${i}]`;
          return {where, plan: {
            architecture: [...(suggestion.architecture ?? [])],
            hparams: givenHparams(suggestion.hparams, where),
          }};
        });
    return unreadGivenHparams(towers, this.space);
  }

  /**
   * @param completed the COMPLETED trials of the study.
   * @param running its other RUNNING trials (a replay, and the ensembles
   *     of a non-adaptive ensemble search, wait for some).
   * @throws PlanWait for a trial that must wait for another.
   */
  plan(completed: Trial[], trialId: number, rng: Random,
       running: Trial[] = []): TrialPlan {
    if (this.replay !== undefined) {
      return this.planReplay(this.replay, completed, running, trialId, rng);
    }
    this.waitForEnsembled(completed, trialId, running);
    const hparams = this.tuner.suggest(
        this.space, completed, this.args.objective, rng);
    const plan = this.controller !== undefined ?
        this.planTowers(completed, trialId, rng, hparams, running) :
        this.planTower(completed, trialId, rng, hparams);
    // Only a new tower warm-starts; a restored one has its weights.
    const fresh = plan.towers === undefined ||
        plan.towers.some((t) => isTowerOf(t, SEARCH_GENERATOR) &&
                                t.source === undefined);
    // A student starts from no weights of its teacher: it would begin as
    // its copy, and distilling would leave it one.
    const sources = fresh ?
        withoutTrial(warmStartSources(this.args.spec.transferLearningSpec,
                                      completed, trialId),
                     plan.teacherTrialId) :
        [];
    return sources.length > 0 ? {...plan, warmStart: sources} : plan;
  }

  /** @throws EnsembleWait for an ensemble trial that should wait. */
  private waitForEnsembled(
      completed: Trial[], trialId: number, running: Trial[]): void {
    const ensemble = this.args.spec.ensembleSpec;
    if (isNonadaptiveEnsembleSearch(ensemble)) {
      const pool = nonadaptiveSearchSpec(ensemble).minimalPoolSize;
      const training = running.find((t) => t.id <= pool);
      if (trialId > pool && training !== undefined) {
        throw new EnsembleWait(
            `trial ${trialId} ensembles trials of the pool (ids up to ${
                pool}), of which trial ${training.id} is still running in ` +
                `worker ${training.workerId ?? '?'}`,
            training);
      }
    }
    if (isIntermixedEnsembleSearch(ensemble)) {
      const {tryEnsemblingEvery: every, width} =
          intermixedSearchSpec(ensemble);
      const searched = (t: Trial) => t.id % every !== 0 && t.id < trialId;
      const training = running.find(searched);
      if (trialId % every === 0 && training !== undefined &&
          completed.filter((t) => searched(t) && t.architecture.length > 0)
                  .length < width) {
        // It needs `width` searched trials below it completed; then it
        // takes the best completed ones, above it too (other workers').
        throw new EnsembleWait(
            `trial ${trialId} ensembles the best ${width} completed ` +
                `searched trials once ${width} below it have completed; ` +
                `trial ${training.id} is still running in worker ${
                    training.workerId ?? '?'}`,
            training);
      }
    }
  }

  /**
   * A replay trains the spec's towers in order, each once: a trial takes
   * the first tower (position) that no COMPLETED or RUNNING trial holds,
   * so a trial that failed or was interrupted is trained again by the
   * next one. The store hands out a trial only while fewer than the
   * spec's towers are COMPLETED or RUNNING, so there is always one free.
   */
  private planReplay(
      replay: TrialPlan[], completed: Trial[], running: Trial[],
      trialId: number, rng: Random): TrialPlan {
    const held = new Map<number, Trial>();
    for (const trial of [...completed, ...running]) {
      held.set(replayPositionOf(trial), trial);
    }
    let position = 1;
    while (held.has(position)) position++;
    const replayed = replay[position - 1];
    if (replayed === undefined) {
      throw new ValueError(`replay: every one of the spec's ${
          replay.length} tower(s) is trained or training; trial ${
          trialId} has none left`);
    }
    if (this.controller === undefined) {
      return {architecture: [...replayed.architecture],
              hparams: {...replayed.hparams}, replayPosition: position};
    }
    // An ensemble: the tower of position p imports the towers of the
    // positions before it as the replayed search did. The generators plan
    // by position; their trial references are mapped back to trial ids.
    const state = new ReplayState(this.args.spec);
    if (state.isImportingTowers(position)) {
      const needed = isAdaptiveOrResidual(this.args.spec.ensembleSpec) ?
          [position - 1] :
          Array.from({length: position - 1}, (_, i) => i + 1);
      const busy = needed.map((p) => held.get(p)!)
                       .find((t) => t.state === 'RUNNING');
      if (busy !== undefined) throw new ReplayWait(trialId, position, busy);
    }
    const idOf = new Map<number, number>();
    const byPosition = completed.map((trial) => {
      const p = replayPositionOf(trial);
      idOf.set(p, trial.id);
      return {...trial, id: p};
    });
    const toId = (p: number) => idOf.get(p) ?? p;
    const plan =
        this.planTowers(byPosition, position, rng, replayed.hparams);
    return {
      ...plan,
      towers: plan.towers?.map((t) => t.source === undefined ? t : {
        ...t,
        source: {...t.source, trialId: toId(t.source.trialId)},
      }),
      members: plan.members?.map(toId),
      replayPosition: position,
    };
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
      hparams: userSuggestionHparams(this.args.spec,
                                     suggestion.userSuggestionIndex,
                                     hparams) ??
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
      tuned: Record<string, HparamValue>, running: Trial[] = []): TrialPlan {
    const decision = this.controller!.getGenerators(trialId, completed);
    // Ensembles other workers evaluate now count as drawn too.
    const ensembledBefore = [...completed, ...running].flatMap((t) => {
      const members = t.extra?.['members'];
      return t.kind === 'ensemble' && Array.isArray(members) ?
          [members.filter((m): m is number => typeof m === 'number')
               .sort((a, b) => a - b)] :
          [];
    });
    const results: GeneratorResult[] = [];
    for (const name of ALL_GENERATORS) {
      const picked = decision.generators[name];
      if (picked === undefined) continue;
      results.push(picked.generator.generate({
        trialId,
        mode: decision.mode,
        hparams: tuned,
        trials: picked.trials,
        ensembledBefore,
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
