/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * The search loop shared by the binary (oss_trainer.ts) and the library
 * (single_trainer.ts): ask the store for a trial id, plan the trial from
 * the completed trials, train, evaluate, write the trial directory, report.
 * Everything it needs comes in through SearchOptions; it reads no flags.
 */

import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {performance} from 'perf_hooks';

import {loadModel, writeModelFiles} from './backend/file_io';
import {tf} from './backend/tf';
import {declaredHparams, takeLackedHparamReads} from './architecture/architecture_utils';
import {markWasmPeriod, restartWasmBackend, wasmMemoryTouchedBytes, wasmMemoryWasted} from './backend/wasm_restart';
import {inputBatches, noticeSlowProviderWaits, resetProviderWaits, stopWaitingForProviders} from './data/data';
import type {Provider} from './data/data';
import {buildTowersModel, restoreTowers} from './ensemble_model';
import {BlockBuildError, SearchError, UsageError, ValueError} from './errors';
import {STOP_SIGNAL_EXIT_CODES, STOP_SIGNALS} from './early_signals';
import {exitAtOnce} from './exit_at_once';
import {LeaseKeeper} from './lease_keeper';
import {failTrialsOfDeadLocalWorkers, markRunningHere} from './local_workers';
import {directoryOwnerTrial, otherStudy, recordedSeed, STUDY_DATA_FILE, studyDirectoryOwner, studyOfDirectory, studyText} from './metadata/study_of_directory';
import {localWorkerId, workerHeartbeating} from './metadata/worker_ids';
import {completeWrittenTrials, endsWithoutMetrics} from './lost_trials';
import {checkNoUnknownTrialDirectories, checkSameData, checkSummaryObjective, checkTrialDirectoriesPresent, recordOrCheckStudyData, settingsTakenOverNote, settingsWarning} from './study_data';
import {trialDirectoriesIn} from './trial_files';
import {DEFAULT_SQLITE_FILENAME} from './metadata/flags';
import {isTableGone, StoreError} from './metadata/retry';
import {DEFAULT_LEASE_SECONDS} from './metadata/store';
import {PlanningError, towersOfTrial} from './generators/base_tower_generator';
import {hasDistillation} from './generators/trial_utils';
import {Distiller} from './meta/distillation';
import {warmStart} from './meta/transfer_learning';
import type {MetadataStore} from './metadata/store';
import {rankTrials} from './metadata/trial';
import type {Objective, Trial} from './metadata/trial';
import {buildModel, countParameters, TRAINER_DEFAULTS} from './phoenix';
import type {PhoenixSpec} from './proto/phoenix_spec';
import {applyDefaults, parsePhoenixSpec, studySpecText} from './proto/text_format';
import {Random} from './random';
import {distillationTeacher, ensembleMembers, SUMMARY_JSON} from './report';
import type {TrialFile} from './report';
import {scaledTrainSteps} from './search';
import {SearchTimings} from './search_timings';
import {evaluationText, jsonText, markUnusable, ModelDirectoryGone, modelDirectoryGone, TRIAL_FILES, removeStaleTemporaries, trialDirName, unusableTrials} from './trial_directory';
import {TrialDirectoryWriter} from './trial_writer';
import type {TrialDirectoryJob} from './trial_writer';
import {NO_SEARCH_ARCHITECTURE} from './replay';
import {PlanWait, TrialPlanner} from './trial_planner';
import type {TrialPlan} from './trial_planner';
import {fromEarlierTrial, ModelFailure, TrialFailure, TrialInterrupted, UnusableTrialError, evaluateModel, softmaxCrossEntropy, trainModel} from './train_loop';
import type {TeacherArgs, TrainResult} from './train_loop';
import {makeDirectories} from './user_paths';

export type Logger = (line: string) => void;

/** What an observer learns about a finished trial. */
export declare interface TrialRecord {
  trialId: number;
  architecture: string[];
  hparams: Trial['hparams'];
  metrics: Record<string, number>;
  /** Training losses read back during training, as [step, loss]. */
  trainLosses: Array<[number, number]>;
  problemType: string;
}

/**
 * Hooks for what a search writes besides the trial basics (event files,
 * summaries, reports). Observers must not throw for ordinary input; an
 * error they throw fails the trial.
 */
export declare interface TrialObserver {
  /**
   * Called each time the training loss is read back (every few steps):
   * `step` of `steps` of trial `trialId` are done. Must return quickly.
   */
  onTrainProgress?(trialId: number, step: number, steps: number): void;
  /**
   * The files this observer adds to the directory of a trial that
   * finished training and evaluation (none is fine: the call says that
   * the trial is about to be recorded). The thread that writes trial
   * directories makes them; names are relative to the directory.
   */
  trialFiles?(record: TrialRecord): TrialFile[];
  /**
   * Writes extra files into the trial directory (its temporary name,
   * `tmpDir`) before it is renamed into place. The search waits for the
   * directory's other files first and for this after: prefer trialFiles.
   */
  writeTrialFiles?(tmpDir: string, record: TrialRecord): Promise<void>|void;
  /**
   * Called once the study is open, after each completed trial and at the
   * end, with all trials of the study.
   */
  onStudyUpdate?(modelDir: string, trials: Trial[], objective: Objective):
      Promise<void>|void;
  /**
   * Called once when the search stops (its budget reached, interrupted by
   * a signal, or on an error), after the last onStudyUpdate: an observer
   * that holds writes back writes them now.
   */
  onStudyEnd?(modelDir: string, trials: Trial[], objective: Objective):
      Promise<void>|void;
}

export declare interface SearchOptions {
  spec: PhoenixSpec;
  /** A canonical text of the spec; workers of one study must agree on it. */
  specText: string;
  provider: Provider;
  store: MetadataStore;
  modelDir: string;
  experimentName: string;
  experimentOwner: string;
  /** The study ends when this many trials are COMPLETED. */
  maxTrials: number;
  /**
   * Whether the user chose `maxTrials` (a replay, which retrains its own
   * trials, then says that it ignores it).
   */
  maxTrialsGiven?: boolean;
  /**
   * The search stops with a SearchError after this many of its trials
   * failed in a row; default MAX_FAILED_IN_A_ROW.
   */
  maxFailedInARow?: number;
  trainSteps: number;
  evalSteps: number;
  batchSize: number;
  objective: Objective;
  /**
   * Whether the user chose `objective`; when false (the flags' defaults),
   * a study that keeps an objective ranks by its own, said in a line, as
   * a resumed study plans from its own seed.
   */
  objectiveGiven?: boolean;
  hypertuningMethod: 'random'|'bayesian';
  /**
   * Seeds the search, the tuner and weight initialisation; trial N draws
   * from (seed, N), so a resumed search plans as an uninterrupted one.
   * Default: the clock.
   */
  seed?: number;
  /**
   * `seed` is the clock's, drawn by a worker that found no study seed on
   * record: if another worker of the study recorded one meanwhile (both
   * started at once), this worker plans from that one instead.
   */
  seedFromClock?: boolean;
  log?: Logger;
  workerId?: string;
  /**
   * Seconds without heartbeat after which a RUNNING trial is lost
   * (DEFAULT_LEASE_SECONDS unless given); heartbeats go every fifth of it,
   * at least once a minute.
   */
  leaseSeconds?: number;
  /**
   * Seconds between polls while other workers finish the last trials;
   * default: from half a second, doubling up to 5 (or a quarter of a
   * shorter lease, so that a lost trial is replaced soon after its lease
   * runs out): a worker learns soon that the study ended meanwhile, and
   * polls rarely over a long wait.
   */
  waitSeconds?: number;
  /** Writers of event files, summaries and the like. */
  observers?: TrialObserver[];
  /**
   * Whether SIGINT, SIGTERM and SIGHUP (a closed terminal) stop the search
   * cleanly: the running trial is marked FAILED ("interrupted by SIGINT")
   * and the process exits with 128 + the signal's number
   * (STOP_SIGNAL_EXIT_CODES). For the binary; a library caller keeps its
   * own handlers.
   */
  stopOnSignals?: boolean;
  /**
   * Called once the search's own signal handlers are installed
   * (stopOnSignals), as it starts: the caller's earlier ones may go then,
   * not before, as a signal that Node has caught but not yet handed to a
   * listener is lost when the last listener of it is removed.
   */
  onSignalHandlersInstalled?: () => void;
  /** How often the training loss is read back (and recorded). */
  lossEverySteps?: number;
  /**
   * Record the training loss for observers only every this many steps
   * (and at the last step); default: at every read-back.
   */
  summaryEverySteps?: number;
  /** Receives the time of each phase of each trial (bench/search_overhead). */
  timings?: SearchTimings;
  /**
   * After a trial, a wasm backend whose memory has grown past this many
   * bytes is replaced by a fresh instance, so that the memory a large model
   * needed goes back to the system (backend/wasm_restart.ts); undefined:
   * never. Other backends give memory back by themselves.
   */
  wasmMemoryLimitBytes?: number;
  /**
   * Whether trial directories are written by a thread of their own while
   * the model is evaluated (trial_writer.ts), or by the search's thread;
   * default: a thread where there is more than one core.
   */
  trialWriterThread?: boolean;
}

export declare interface SearchResult {
  /** Every trial of the study, best first by the objective (then others). */
  trials: Trial[];
  /** Trials this call trained. */
  trained: number;
  studyId: number;
  /** The signal that stopped the search early (stopOnSignals). */
  stoppedBy?: NodeJS.Signals;
}

/** Trials failing in a row after which a worker gives the search up. */
export const MAX_FAILED_IN_A_ROW = 20;

const PROBLEM_TYPES = ['UNKNOWN', 'CNN', 'DNN', 'RNN_ALL_ACTIVATIONS',
                       'RNN_LAST_ACTIVATIONS'];

/** The ProblemType name of a spec (ts-proto gives the enum's number). */
export function problemTypeName(spec: PhoenixSpec): string {
  const value = spec.problemType as unknown;
  return typeof value === 'string' ? value : PROBLEM_TYPES[Number(value)] ??
          String(value);
}

/** A process event that noteLogReaderGone emits. */
const LOG_READER_GONE = 'model_search:log_reader_gone';

/** Whether noteLogReaderGone was called in this process. */
let logReaderGone = false;

/**
 * Asks a search run with stopOnSignals, now or later in this process, to
 * stop as on SIGPIPE (the binary calls it when the reader of its log goes
 * away).
 */
export function noteLogReaderGone(): void {
  logReaderGone = true;
  process.emit(LOG_READER_GONE as 'disconnect');
}

/**
 * Runs trials until `maxTrials` are COMPLETED in the study (counting other
 * workers'), then returns the study's trials best first.
 */
/**
 * Throws a UsageError for a spec this trainer cannot train: distillation
 * of RNN_ALL_ACTIVATIONS, whose teacher loss would count the padding steps
 * of every sequence (the label loss skips them).
 */
export function checkTrainable(spec: PhoenixSpec): void {
  if (problemTypeName(spec) !== 'RNN_ALL_ACTIVATIONS' ||
      !hasDistillation(spec.distillationSpec)) {
    return;
  }
  throw new UsageError(
      'distillation_spec with problem_type RNN_ALL_ACTIVATIONS (a label ' +
      'for every time step) is not supported: the teacher\'s loss does not ' +
      'skip the padding steps of sequences; remove distillation_spec');
}

/** The exit status of a search stopped by each signal (early_signals.ts). */
export {STOP_SIGNAL_EXIT_CODES};

/** Where a search logs when its options name no logger. */
function stderrLog(line: string): void {
  process.stderr.write(line + '\n');
}

export async function runSearch(options: SearchOptions): Promise<SearchResult> {
  if (!options.stopOnSignals) return searchStudy(options, undefined);
  // From here the study's files are made: a signal while they are (the
  // database, the study's record, the first summaries) waits for them, and
  // then stops the search as one during a trial does, rather than end the
  // process among half-written files.
  const setup: SetupSignals = {
    signal: undefined,
    handler: (signal) => {
      if (setup.signal !== undefined) {
        // A second Ctrl-C: at once, as during a trial.
        (options.log ?? stderrLog)(
            `${signal} again: stopped at once, while the study was set up; ` +
            'run the same command to resume');
        exitAtOnce(signal, STOP_SIGNAL_EXIT_CODES[signal] ?? 143);
      }
      setup.signal = signal;
    },
  };
  for (const signal of STOP_SIGNALS) process.on(signal, setup.handler);
  options.onSignalHandlersInstalled?.();
  try {
    return await searchStudy(options, setup);
  } finally {
    removeSetupHandlers(setup);
  }
}

/** A signal that came while the study was set up, and its handler's. */
declare interface SetupSignals {
  signal: NodeJS.Signals|undefined;
  handler: (signal: NodeJS.Signals) => void;
}

function removeSetupHandlers(setup: SetupSignals): void {
  for (const signal of STOP_SIGNALS) {
    process.removeListener(signal, setup.handler);
  }
}

async function searchStudy(
    options: SearchOptions,
    setup: SetupSignals|undefined): Promise<SearchResult> {
  checkTrainable(options.spec);
  const log = options.log ?? stderrLog;
  lackedReadsSaid.clear();
  takeLackedHparamReads();
  if (options.maxTrials < 1) {
    throw new ValueError(`experiment_max_num_trials must be >= 1, got ${
        options.maxTrials}`);
  }
  const workerId = options.workerId ?? localWorkerId();
  const leaseSeconds = options.leaseSeconds ?? DEFAULT_LEASE_SECONDS;
  if (!(leaseSeconds > 0) || !Number.isFinite(leaseSeconds)) {
    throw new ValueError(`leaseSeconds (--metadata_lease_seconds) must be a ` +
                         `positive number of seconds, got ${leaseSeconds}`);
  }
  const wasmLimit = options.wasmMemoryLimitBytes;
  if (wasmLimit !== undefined && !(wasmLimit >= 0 && wasmLimit < Infinity)) {
    throw new ValueError(
        `wasmMemoryLimitBytes (--wasm_memory_limit_mb) must be a number of ` +
        `bytes >= 0, got ${wasmLimit}`);
  }
  makeDirectories(options.modelDir);
  // Removed, replaced by another (an empty one), or its study record
  // removed (a removal under way), it stops the search: looked at before
  // each trial, its commit and the summaries.
  const modelDirIdentity = directoryIdentity(options.modelDir);
  const checkModelDirectory = () => {
    if (directoryIdentity(options.modelDir) !== modelDirIdentity ||
        !fs.existsSync(path.join(options.modelDir, STUDY_DATA_FILE))) {
      throw modelDirectoryGone(options.modelDir);
    }
  };
  // A temporary trial directory this old belongs to a dead worker. Never
  // less than the default lease: a live worker may take a while to write
  // one, and a short lease is no reason to pull it from under it.
  removeStaleTemporaries(
      options.modelDir,
      Math.max(leaseSeconds, DEFAULT_LEASE_SECONDS) * 1000);

  await refuseAnotherStudysDirectory(options);
  const findStudy = async () => (await options.store.listStudies?.())?.find(
      (s) => s.experimentName === options.experimentName &&
          s.experimentOwner === options.experimentOwner);
  // The study's own objective, where the user gave none.
  const adoptObjective = (kept: Objective|undefined) => {
    if (options.objectiveGiven !== false || kept === undefined ||
        (kept.metric === options.objective.metric &&
         kept.goal === options.objective.goal)) {
      return false;
    }
    options = {...options, objective: kept};
    log(`objective: ${kept.metric} (${kept.goal}), the study's`);
    return true;
  };
  const known = await findStudy();
  adoptObjective(known?.objective);
  // Only for a study whose database keeps no objective (made before it
  // did): openStudy compares a kept one, naming the database.
  if (known?.objective === undefined) {
    checkSummaryObjective(
        options.modelDir, options.experimentName, options.objective);
  }
  // Before the study is opened (made, for a new one): a refusal writes
  // nothing. (A store that lists no studies cannot tell a new study.)
  if (options.store.listStudies !== undefined) {
    const directories = trialDirectoriesIn(options.modelDir);
    checkNoUnknownTrialDirectories(
        options.modelDir, options.experimentName, directories,
        known === undefined ? [] :
                              await options.store.listTrials(known.studyId),
        options.store.target ?? 'the database');
  }
  // A text stored by another version, which printed the spec's fields
  // otherwise (this project's own fields at their defaults, say), is
  // compared as this version prints the same spec.
  const openStudy = () => options.store.openStudy(
      {experimentName: options.experimentName,
       experimentOwner: options.experimentOwner},
      options.specText, options.objective,
      (stored) => studySpecText(applyDefaults(parsePhoenixSpec(stored))));
  let opened: Awaited<ReturnType<typeof openStudy>>;
  try {
    opened = await openStudy();
  } catch (e) {
    // Made since it was looked for, by a worker given an objective that
    // started at the same moment: its objective, if this one gave none.
    if (!(e instanceof ValueError) ||
        !adoptObjective((await findStudy())?.objective)) {
      throw e;
    }
    opened = await openStudy();
  }
  const {studyId, created} = opened;
  let existing = await options.store.listTrials(studyId);
  /**
   * COMPLETED trials whose files a later trial could not use (damaged or
   * gone): left out of the trials that plan the next ones, in this process.
   */
  const unusable = new Set<number>();
  // Said once the study's directories and data are found to be its own.
  let joining: string|undefined;
  if (!created) {
    const done = existing.filter((t) => t.state === 'COMPLETED').length;
    const failed = existing.filter((t) => t.state === 'FAILED').length;
    const running = existing.filter((t) => t.state === 'RUNNING').length;
    // A study with trials running in live workers: this one joins them.
    // Any other, its running trials' workers gone included, is resumed.
    const live = existing.filter(
        (t) => t.state === 'RUNNING' && workerHeartbeating(t)).length;
    joining = (existing.length === 0 ?
            `joining study "${options.experimentName}" (no trials yet)` :
            live > 0 ?
            `joining study "${options.experimentName}": ${live} trial${
                live === 1 ? '' : 's'} running in other workers (${
                done} completed, ${failed} failed so far)` :
            `resuming study "${options.experimentName}": reloaded ${
                existing.length} trial${existing.length === 1 ? '' : 's'} (${
                done} completed, ${
                failed} failed, ${running} running)`);
    const gone = checkTrialDirectoriesPresent(
        options.modelDir, options.experimentName, existing);
    if (gone.length > 0) {
      for (const id of gone) unusable.add(id);
      const many = gone.length > 1;
      const them = many ? 'them' : 'it';
      log(`warning: trial${many ? 's' : ''} ${gone.join(', ')} of the ` +
          `study ${many ? 'have' : 'has'} no directory in --model_dir=${
              options.modelDir} any more (removed, or lost with a disk): ${
              many ? 'they stay' : 'it stays'} COMPLETED in the database, ` +
          `and this search plans without ${them} (no ensemble, warm start ` +
          `or teacher takes ${them})`);
    }
    const marked = unusableTrials(options.modelDir, existing)
                       .filter((id) => !unusable.has(id));
    if (marked.length > 0) {
      for (const id of marked) unusable.add(id);
      const many = marked.length > 1;
      log(`warning: trial${many ? 's' : ''} ${marked.join(', ')} of the ` +
          `study ${many ? 'are' : 'is'} marked unusable (${
              TRIAL_FILES.unusable} in ${many ? 'their' : 'its'} ` +
          `director${many ? 'ies' : 'y'} says why): this search plans ` +
          `without ${many ? 'them' : 'it'}; remove the file once the ` +
          'files are repaired');
    }
    for (const {trialId, why} of checkSameData(
             options.modelDir, options.experimentName, existing,
             options.provider.inputSchema(), unusable)) {
      unusable.add(trialId);
      log(`warning: trial ${trialId} of the study is damaged: ${why}; it ` +
          `is marked unusable (${TRIAL_FILES.unusable} in its directory), ` +
          'and this search plans without it');
    }
  }
  const createdAt = (await options.store.listStudies?.())
                        ?.find((s) => s.studyId === studyId)
                        ?.createdAt;
  const settings = {
    trainSteps: options.trainSteps,
    batchSize: options.batchSize,
    evalSteps: options.evalSteps,
  };
  // A study none of whose trials completes (each FAILED, or left RUNNING
  // by a worker of this machine that was killed, with nothing written)
  // has ranked nothing that this worker's trials would be ranked with, and
  // takes its settings as its own (below).
  const noneCompletes = existing.length > 0 &&
      existing.every((t) => endsWithoutMetrics(t, options.modelDir));
  const otherSettings = noneCompletes ?
      settingsTakenOverNote(options.modelDir, settings) :
      settingsWarning(options.modelDir, settings);
  const knownId = directoryIdOfTrialsHere(options.modelDir, existing);
  // Unseeded, the study's seed (the binary has read it already, and says
  // so), else the clock's; recorded by the study's first worker.
  const studyKey = {
    experimentName: options.experimentName,
    experimentOwner: options.experimentOwner,
  };
  let seed = options.seed ?? recordedSeed(options.modelDir, studyKey) ??
      Date.now() % 4294967296;
  const otherNumbers = recordOrCheckStudyData(
      options.modelDir, {
        experimentName: options.experimentName,
        experimentOwner: options.experimentOwner,
        ...(createdAt === undefined ? {} : {createdAt}),
        ...(knownId === undefined ? {} : {directoryId: knownId}),
        settings,
        seed,
      },
      options.provider.inputSchema(), noneCompletes,
      options.provider.numberOfClasses());
  if (joining !== undefined) log(joining);
  // The first worker's seed is the study's: one started at the same
  // moment plans from it too, rather than from a clock of its own.
  const studySeed = recordedSeed(options.modelDir, studyKey);
  if (studySeed !== undefined && studySeed !== seed) {
    if (options.seed === undefined || options.seedFromClock) {
      log(`seed ${studySeed}: the study's, recorded by the worker that ` +
          `started it a moment before this one (not this worker's clock's, ${
              seed})`);
      seed = studySeed;
    } else {
      // Read after this worker's own record was tried: whether the study
      // was there as it started or another worker recorded it meanwhile.
      log(`warning: the study planned its trials from seed ${
          studySeed} (its ${STUDY_DATA_FILE}); this worker plans from ` +
          `--phoenix_tf_random_seed=${seed}, so its trials differ from ` +
          'those one uninterrupted run would have planned; leave the flag ' +
          'out to plan from the study\'s seed');
    }
  }
  for (const warning of otherNumbers ?? []) log(`warning: ${warning}`);
  // Undefined for a directory whose study_data.json is older than it.
  const directoryId = studyOfDirectory(options.modelDir)?.directoryId;
  if (otherSettings !== undefined) log(`warning: ${otherSettings}`);
  if ((await reclaimLocalTrials(options, studyId, existing, log)).length >
      0) {
    existing = await options.store.listTrials(studyId);
  }
  await notifyStudy(options, studyId, existing);
  const planner = new TrialPlanner({
    spec: options.spec,
    problemType: problemTypeName(options.spec),
    objective: options.objective,
    hypertuningMethod: options.hypertuningMethod,
    trainSteps: options.trainSteps,
  });
  // A replay trains its towers and nothing more, whatever the budget.
  const maxTrials = planner.replay?.length ?? options.maxTrials;
  /**
   * The COMPLETED trials the store may reach: the budget, and for a replay
   * one more for each completed trial left out as unusable (its directory
   * gone or its model damaged), whose tower a later trial trains again:
   * every tower of the spec ends up trained by a trial whose files are
   * there, the replayed ensemble last.
   */
  const budget = () => planner.replay === undefined ?
      maxTrials :
      maxTrials + unusable.size;
  if (options.spec.useParameterScaledTraining && planner.replay === undefined) {
    // Trials then train fewer steps than --phoenix_train_steps says.
    const deepest = options.spec.maximumDepth ?? 30;
    const depths = [...new Set([1, 2, 3, 5, 10, deepest])]
                       .filter((d) => d <= deepest);
    log(`spec: use_parameter_scaled_training: a tower trains fewer of the ${
        options.trainSteps} steps the shallower it is (depth: steps ${
        depths.map((d) => `${d}: ${scaledTrainSteps(
                                options.trainSteps, d, deepest, true)}`)
            .join(', ')}); evaluation.json says how many each trial took`);
  }
  for (const line of planner.unreadHparamLines()) log(`warning: ${line}`);
  if (planner.replay !== undefined) {
    // A replayed tower trained again leaves the towers built on it (an
    // adaptive ensemble's later positions, the ensemble itself) made of
    // its old self: they are trained again after it too.
    const built = builtOnUnusable(existing, unusable);
    if (built.length > 0) {
      for (const id of built) unusable.add(id);
      log(`replay: trial${built.length > 1 ? 's' : ''} ${
              built.join(', ')} built on ${
              built.length > 1 ? 'towers' : 'a tower'} trained again: ` +
          `trained again after ${built.length > 1 ? 'them' : 'it'}`);
    }
    // A resumed replay: what is left of it.
    const done = existing.filter(
        (t) => t.state === 'COMPLETED' && !unusable.has(t.id)).length;
    log(`replay: ${
            done >= maxTrials ?
                `all ${maxTrials} trial(s) already retrained` :
                `retraining ${done > 0 ? `${maxTrials - done} more of ` : ''}${
                    maxTrials} trial(s) with no search`}` +
        (options.maxTrialsGiven ?
             `, --experiment_max_num_trials=${options.maxTrials} ignored` :
             ''));
    const replayed = new Set(planner.replay.flatMap((plan) => plan.architecture));
    const unused = (options.spec.blocksToUse ?? [])
                       .filter((block) => !replayed.has(block));
    if (unused.length > 0) {
      // A replay spec written by a study keeps the study's list.
      log(`replay: blocks_to_use lists ${unused.length} block${
          unused.length === 1 ? '' : 's'} no replayed tower has, which no ` +
          `trial of the replay trains: ${unused.join(', ')}`);
    }
    if (options.spec.useParameterScaledTraining) {
      // As the search trained them: a replay of a search that scaled its
      // training scales it too, which a user asking for more steps to get
      // a final model would not guess.
      const deepest = options.spec.maximumDepth ?? 30;
      const steps = planner.replay.map((plan, i) => {
        const depth = Math.max(plan.architecture.length,
                               ...(plan.towers ?? []).map(
                                   (t) => t.architecture.length));
        return `tower ${i + 1} (depth ${depth}): ${scaledTrainSteps(
            options.trainSteps, depth, deepest, true)}`;
      });
      log(`replay: use_parameter_scaled_training: the spec's towers train ` +
          `fewer of the ${options.trainSteps} steps the shallower they are ` +
          `(${steps.join(', ')}); take the line out of the spec to train ` +
          'each for all of them');
    }
    planner.replay.forEach((plan, i) => {
      if (plan.architecture.includes(NO_SEARCH_ARCHITECTURE)) return;
      const missing = ['learning_rate', 'optimizer'].filter(
          (name) => plan.hparams[name] === undefined);
      if (missing.length === 0) return;
      // Recorded nowhere else: the trial's hparams.json holds what the
      // spec gave.
      log(`replay: tower ${i + 1} gives no ${missing.join(' or ')}: it ` +
          `trains with the trainer's default${
              missing.length > 1 ? 's' : ''} (${
              missing.map((name) => `${name} ${TRAINER_DEFAULTS[name]}`)
                  .join(', ')})`);
    });
  }
  const startedAt = Date.now();
  const timings = options.timings ?? new SearchTimings();
  let trained = 0;
  let waitingSaid = false;
  /** Polls made while waiting for other workers, since the last trial. */
  let polls = 0;
  let keptTensorsSaid = false;
  /** Whether a trial without a value of the objective was warned of. */
  let noObjectiveSaid = false;
  // Failed trials in a row (this worker's): a search whose every trial
  // fails (data that trains to NaN, say) would otherwise never end, as
  // only COMPLETED trials count towards the budget.
  let failedInARow = 0;
  // A signal only asks the search to stop: the loop stops the running
  // trial between two steps, marks it FAILED, writes the summaries and
  // returns, so that nothing is left half-written (a trial whose training
  // and evaluation had finished is completed first).
  let stopSignal: NodeJS.Signals|undefined;
  let wake = () => {};
  const stopRequested = new Promise<void>((resolve) => {
    wake = resolve;
  });
  // The database lost the search's tables (a heartbeat found): the
  // running trial stops as for a signal, and the search with that error.
  let tablesGone: Error|undefined;
  const shouldStop = () => stopSignal !== undefined || tablesGone !== undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopSignal !== undefined) {
      // A second Ctrl-C while the search stops: at once, no clean-up.
      log(`${signal} again: stopped at once; a trial that was running ` +
          'shows RUNNING until a search of the study starts again on this ' +
          'machine, which takes it back');
      exitAtOnce(signal, STOP_SIGNAL_EXIT_CODES[signal] ?? 143);
    }
    stopSignal = signal;
    // A provider that never answers (a batch that never comes) would hold
    // the search: its waits end now as an interruption of the trial.
    stopWaitingForProviders(new TrialInterrupted());
    wake();
  };
  const signals: readonly NodeJS.Signals[] =
      options.stopOnSignals ? STOP_SIGNALS : [];
  for (const signal of signals) process.on(signal, onSignal);
  if (setup !== undefined) {
    // Removed once these are in: a signal Node has caught but not yet
    // handed to a listener is lost when the last listener of it goes.
    removeSetupHandlers(setup);
    if (setup.signal !== undefined) onSignal(setup.signal);
  }
  // Not a listener of SIGPIPE itself: the kernel sends it for any broken
  // pipe or socket, a dropped database connection too.
  const onReaderGone = () => onSignal('SIGPIPE');
  if (options.stopOnSignals) {
    process.on(LOG_READER_GONE as 'exit', onReaderGone);
    if (logReaderGone) onReaderGone();
  }
  let interruptedTrial: number|undefined;

  /** Why the last trial that was planned and then failed failed. */
  let lastTrainingFailure: string|undefined;
  noticeSlowProviderWaits(log);
  const writer =
      new TrialDirectoryWriter(options.modelDir, {
        thread: options.trialWriterThread ?? os.availableParallelism() > 1,
        subdirectories: [TRIAL_FILES.model],
      });
  try {
    for (;;) {
      if (stopSignal !== undefined) break;
      const answer = await timings.time('claim', () => options.store.startTrial(
          studyId, budget(), workerId, leaseSeconds));
      if (answer.status === 'done') break;
      if (answer.status === 'wait') {
        // A worker of this machine that died while this one waited: its
        // trial is taken back now rather than when its lease runs out.
        const trials = await options.store.listTrials(studyId);
        if ((await reclaimLocalTrials(options, studyId, trials, log)).length >
            0) {
          continue;
        }
        if (!waitingSaid) {
          const running = trials.filter((t) => t.state === 'RUNNING');
          const which = running.slice(0, 4).map(
              (t) => `${t.id} (worker ${t.workerId ?? '?'})`);
          // Quiet otherwise: a restarted search could look hung for a lease.
          // The lease is the running trial's worker's, kept by the store.
          log(`waiting for trial${running.length === 1 ? '' : 's'} ${
                  which.join(', ')}${running.length > 4 ? ', ...' : ''} ` +
              'running in other workers; a trial whose ' +
              'worker is gone is taken back at once when that worker ran ' +
              'on this machine, else when its lease runs out: that ' +
              'worker\'s --metadata_lease_seconds (default ' +
              `${DEFAULT_LEASE_SECONDS}) after its last heartbeat`);
          waitingSaid = true;
        }
        const waitSeconds = options.waitSeconds ??
            Math.min(0.5 * 2 ** polls++, 5, leaseSeconds / 4);
        await Promise.race([sleep(waitSeconds * 1000), stopRequested]);
        continue;
      }
      const trial = answer.trial;
      const claimedAt = performance.now();
      const notRunningHere = markRunningHere(studyId, trial.id);
      polls = 0;
      let outcomeToCommit: TrialOutcome|undefined;
      /** The trial's directory is in place: only its record may be missing. */
      let committed = false;
      const lease = new LeaseKeeper({
        store: options.store,
        studyId,
        trialId: trial.id,
        workerId,
        leaseSeconds,
        log,
        onTablesGone: (err) => {
          tablesGone = err;
          stopWaitingForProviders(new TrialInterrupted());
          wake();
        },
      });
      try {
        const planStart = performance.now();
        const rng = Random.forIndex(seed, trial.id);
        const {plan, trials: planned} = await planTrialWhenReady(
            options, planner, studyId, trial.id, rng.fork(), leaseSeconds,
            shouldStop, stopRequested, log, unusable, budget());
        // Whether this worker's model directory is the study's, as far as
        // the trials below this one tell: checked again before the trial
        // is recorded if they did not all say yet.
        const directorySettled = directoryId === undefined ||
            checkStudyDirectory(options, planned, trial.id, directoryId);
        await options.store.planTrial(studyId, trial.id, {
          architecture: plan.architecture,
          hparams: plan.hparams,
          kind: plan.kind ?? 'search',
          extra: plan.towers === undefined && plan.warmStart === undefined &&
                  plan.replayPosition === undefined &&
                  directoryId === undefined ?
              undefined :
              {
                ...(directoryId === undefined ? {} : {directoryId}),
                ...(plan.towers === undefined ? {} : {
                  towers: plan.towers,
                  members: plan.members ?? [],
                  mode: plan.mode,
                }),
                ...(plan.teacherTrialId === undefined ?
                        {} :
                        {teacherTrialId: plan.teacherTrialId}),
                ...(plan.warmStart === undefined ?
                        {} :
                        {warmStart: plan.warmStart}),
                ...(plan.replayPosition === undefined ?
                        {} :
                        {replayPosition: plan.replayPosition}),
              },
          directory: trialDirName(trial.id),
        });
        timings.add('plan', (performance.now() - planStart) / 1000);
        // In the study's own model directory, a directory that is gone
        // was removed: this trial fails, and the trial is left out (a
        // UnusableTrialError); elsewhere the workers are misconfigured.
        checkModelDirectory();
        checkImportedTrialsPresent(
            options, trial.id, plan,
            directoryId !== undefined && directorySettled);
        markWasmPeriod();
        const outcome = await runTrial(
            options, writer, trial.id, plan, rng.fork(), timings, shouldStop);
        outcomeToCommit = outcome;
        const limit = options.wasmMemoryLimitBytes;
        if (limit !== undefined && wasmMemoryWasted(limit)) {
          const restarted =
              await timings.time('dispose', () => restartWasmBackend());
          if (!restarted && !keptTensorsSaid) {
            // Tensors that outlive a trial (a provider's cached data, say)
            // live in the old memory: the backend cannot be replaced.
            log(`wasm memory: ${(wasmMemoryTouchedBytes() / (1 << 20))
                                   .toFixed(0)} MB stay in ` +
                `use (above the limit of ${limit / (1 << 20)} MB): ${
                    tf.backend().numDataIds()} tensors outlive the trials, ` +
                'so the wasm backend cannot be restarted to give it back');
            keptTensorsSaid = true;
          }
        }
        const directory = trialDirName(trial.id);
        if (!directorySettled) {
          checkStudyDirectory(options, await options.store.listTrials(studyId),
                              trial.id, directoryId!);
        }
        checkModelDirectory();
        await timings.time('export', () => outcome.commit());
        committed = true;
        const recordStart = performance.now();
        await lease.stop();
        await options.store.completeTrial(
            studyId, trial.id, outcome.metrics, directory);
        trained++;
        failedInARow = 0;
        // The study as it is now: other workers' trials completed while
        // this one trained count too.
        const now = await options.store.listTrials(studyId);
        const ranked = rankTrials(
            now.filter((t) => t.state === 'COMPLETED'), options.objective);
        log(trialLine(trial.id, {...options, maxTrials: budget()}, plan,
                      outcome, ranked));
        const metric = options.objective.metric;
        if (!noObjectiveSaid && !Number.isFinite(outcome.metrics[metric])) {
          // Such trials are never ranked: a search of them searches blind.
          log(`warning: trial ${trial.id} has no ${metric} (n/a), so it ` +
              `cannot be ranked${
                  /^auc_/.test(metric) ?
                      `: ${metric} needs examples of every class in the ` +
                          'evaluation data (do the validation file, or the ' +
                          'images held out, hold one class only?)' :
                      ''}; check the evaluation data, or give another ` +
              '--optimization_metric');
          noObjectiveSaid = true;
        }
        timings.add('record', (performance.now() - recordStart) / 1000);
        checkModelDirectory();
        await timings.time('observe', () => notifyStudy(options, studyId, now));
      } catch (e) {
        outcomeToCommit?.abort();
        await lease.stop();
        if (committed) {
          // Trained, evaluated and written: FAILED would throw that away.
          // RUNNING (or COMPLETED, if that was recorded), it is completed
          // from its directory by the next search of the study
          // (lost_trials.ts).
          // Not where the study's tables are gone: nothing would resume it.
          if (e instanceof StoreError && e.code !== 'SQLITE_FILE_GONE' &&
              !isTableGone(e.code)) {
            log(`trial ${trial.id}: its directory is written, but the ` +
                `database may not have recorded it COMPLETED (${
                    e.message}); a search of the study started again ` +
                'completes it from its directory');
          }
          throw e;
        }
        if (e instanceof TrialInterrupted && tablesGone !== undefined) {
          // Nothing to mark FAILED in: the tables are gone.
          throw tablesGone;
        }
        if (e instanceof TrialInterrupted) {
          await options.store.failTrial(
              studyId, trial.id, `interrupted by ${stopSignal}`);
          interruptedTrial = trial.id;
          break;
        }
        if (e instanceof BudgetReachedMeanwhile) {
          // No failure of the search's: the next claim finds it done.
          await options.store.failTrial(studyId, trial.id, e.message);
          log(e.message);
          continue;
        }
        if (!(e instanceof TrialFailure || e instanceof PlanningError ||
              e instanceof BlockBuildError)) {
          await options.store.failTrial(
              studyId, trial.id, `error: ${(e as Error).message}`)
              .catch((f: Error) => {
                // The database on a full disk, say: not left unsaid.
                log(`trial ${trial.id} could not be marked FAILED (${
                    f.message}): it shows RUNNING until a worker takes it ` +
                    'back (a search started again on this machine does so ' +
                    'at once)');
              });
          throw e;
        }
        await options.store.failTrial(studyId, trial.id, e.message);
        // As a completed trial's line: the trials done of the budget, and
        // the time the trial took, so that a failing search reads alike.
        const done = (await options.store.listTrials(studyId))
                         .filter((t) => t.state === 'COMPLETED').length;
        log(`trial ${trial.id} [${done}/${budget()}] FAILED after ${
            ((performance.now() - claimedAt) / 1000).toFixed(1)}s: ${
            e.message}`);
        if (e instanceof UnusableTrialError &&
            !unusable.has(e.sourceTrialId)) {
          unusable.add(e.sourceTrialId);
          // For the study's later searches too, which would each fail a
          // trial finding it again.
          const source = existing.find((t) => t.id === e.sourceTrialId);
          markUnusable(options.modelDir,
                       source?.directory ?? trialDirName(e.sourceTrialId),
                       e.message);
          log(`trial ${e.sourceTrialId} is left out of the trials this ` +
              'search plans from (ensembles, warm starts, teachers and ' +
              'the search algorithm): its files cannot be used');
        }
        await notifyStudy(options, studyId);
        // An ensemble that cannot be planned (nothing completed yet)
        // follows from the other failures: the stop names one of those.
        if (!(e instanceof PlanningError)) lastTrainingFailure = e.message;
        if (++failedInARow >=
            (options.maxFailedInARow ?? MAX_FAILED_IN_A_ROW)) {
          const last = lastTrainingFailure ?? e.message;
          throw new SearchError(
              `${failedInARow === 1 ? 'the trial failed (' : `the last ${
                  failedInARow} trials failed (the last: `}${last}); ` +
              'stopping the search: check the data and the spec (each ' +
              `FAILED line above says why)${
                  /loss became (NaN|-?Infinity)/.test(last) ?
                      '; a loss that is not a number in trial after trial, ' +
                      'with every feature checked finite, comes from the ' +
                      'models: a block that makes NaN or infinite values ' +
                      '(each FAILED line names its trial\'s blocks), a ' +
                      'loss of the provider\'s own, or learning rates too ' +
                      'high for the data' :
                      ''}`);
        }
      } finally {
        notRunningHere();
        await lease.stop();
      }
    }
  } catch (thrown) {
    // A file gone from under a write (a summary's): the directory is.
    let e = thrown;
    // A database file inside --model_dir goes with it: the directory is
    // what to name.
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' ||
        (e instanceof StoreError && e.code === 'SQLITE_FILE_GONE')) {
      try {
        checkModelDirectory();
      } catch (gone) {
        e = gone;
      }
    }
    const lag = (why: string) => log(
        `the study's summaries could not be brought up to date (${why}): ${
            SUMMARY_JSON} and the others in --model_dir may lag behind the ` +
        'database, until a search of the study runs again');
    if (e instanceof StoreError && isTableGone(e.code)) {
      // What the summaries hold is all that is left of the study's record.
    } else if (e instanceof StoreError) {
      // Asked again, the database would take another retry budget to fail.
      lag('the database failed the last request; error below');
    } else if (e instanceof ModelDirectoryGone) {
      // Nowhere to write them.
    } else {
      await notifyStudy(options, studyId, undefined, true)
          .catch((f: Error) => lag(f.message));
    }
    throw e;
  } finally {
    await writer.close();
    for (const signal of signals) process.removeListener(signal, onSignal);
    process.removeListener(LOG_READER_GONE as 'exit', onReaderGone);
    resetProviderWaits();
    noticeSlowProviderWaits(undefined);
  }
  // Those of workers of this machine killed while this one ran, too.
  removeStaleTemporaries(
      options.modelDir, Math.max(leaseSeconds, DEFAULT_LEASE_SECONDS) * 1000);
  const all = await options.store.listTrials(studyId);
  // The summaries show an interrupted trial too.
  await notifyStudy(options, studyId, all, true);
  const ranked = rankTrials(all, options.objective);
  const others = all.filter((t) => t.state !== 'COMPLETED');
  if (stopSignal !== undefined) {
    log(`${stopSignal}: search stopped${
        interruptedTrial === undefined ?
            '' :
            `; trial ${interruptedTrial} marked FAILED`}; run the same ` +
        'command to resume');
    return {trials: [...ranked, ...others], trained, studyId,
            stoppedBy: stopSignal};
  }
  logSummary(log, options, ranked, all, (Date.now() - startedAt) / 1000);
  if (planner.replay !== undefined && planner.replay.length > 1) {
    // The replayed model is trained last; its towers before it, each a
    // trial of its own, may rank above it.
    const last = all.filter((t) => t.state === 'COMPLETED' &&
                                 !unusable.has(t.id))
                     .reduce<Trial|undefined>(
                         (a, t) => a === undefined || t.id > a.id ? t : a,
                         undefined);
    if (last !== undefined) {
      log(`replay: trial ${last.id} is the replayed model; the trials ` +
          'before it train its towers');
    }
  }
  return {trials: [...ranked, ...others], trained, studyId};
}

/**
 * The study reached its budget while this worker held a trial it had just
 * been given: an earlier trial, taken for lost as this one was handed
 * out, was completed from its directory (its worker wrote it but could
 * not record it in time). The trial is not trained.
 */
class BudgetReachedMeanwhile extends Error {
  constructor(trialId: number, completed: number, budget: number) {
    super(`trial ${trialId} not trained: the study has its ${budget} ` +
          `completed trial${budget === 1 ? '' : 's'} (${completed} now), one ` +
          'of them completed from its directory after its worker lost its ' +
          'lease');
    this.name = 'BudgetReachedMeanwhile';
  }
}

/**
 * The COMPLETED trials, not in `unusable`, whose towers or members come,
 * directly or through others, from a trial in `unusable`; in id order.
 */
function builtOnUnusable(
    trials: readonly Trial[], unusable: ReadonlySet<number>): number[] {
  const left = new Set(unusable);
  const found: number[] = [];
  for (const trial of [...trials].sort((a, b) => a.id - b.id)) {
    if (trial.state !== 'COMPLETED' || left.has(trial.id)) continue;
    const sources = [
      ...towersOfTrial(trial).flatMap(
          (t) => t.source === undefined ? [] : [t.source.trialId]),
      ...ensembleMembers(trial),
    ];
    if (sources.some((id) => left.has(id))) {
      left.add(trial.id);
      found.push(trial.id);
    }
  }
  return found;
}

/**
 * Plans trial `trialId` from the study as it is now. A replay trial whose
 * towers come from a replay trial still running in another worker, or an
 * ensemble of a non-adaptive ensemble search while a trial of its pool
 * still trains, waits for it (its own lease kept by the LeaseKeeper
 * meanwhile), planning again every few seconds: the one it waits for may
 * complete, or fail and leave its tower to this trial, or its worker stop
 * heartbeating (workerHeartbeating), after which it is planned without.
 */
async function planTrialWhenReady(
    options: SearchOptions, planner: TrialPlanner, studyId: number,
    trialId: number, rng: Random, leaseSeconds: number,
    shouldStop: () => boolean, stopRequested: Promise<void>, log: Logger,
    unusable: ReadonlySet<number>, budget: number):
    Promise<{plan: TrialPlan, trials: Trial[]}> {
  let said = false;
  let polls = 0;
  for (;;) {
    let trials = await options.store.listTrials(studyId);
    // A trial whose lease this worker's startTrial just found run out may
    // have its directory in place: completed now, not trained again later.
    if ((await reclaimLocalTrials(options, studyId, trials, log)).length > 0) {
      trials = await options.store.listTrials(studyId);
      const done = trials.filter((t) => t.state === 'COMPLETED').length;
      if (done >= budget) {
        throw new BudgetReachedMeanwhile(trialId, done, budget);
      }
    }
    const completed = trials.filter(
        (t) => t.state === 'COMPLETED' && !unusable.has(t.id));
    // A trial is waited for however long it trains while its worker
    // heartbeats; one whose worker is gone, stopped or hung (its lease run
    // out) is planned without: its trial is taken back as lost, and a
    // replayed tower of it trained again, by this trial or a later one.
    const running = trials.filter(
        (t) => t.state === 'RUNNING' && t.id !== trialId &&
            workerHeartbeating(t));
    try {
      return {plan: planner.plan(completed, trialId, rng, running), trials};
    } catch (e) {
      if (!(e instanceof PlanWait)) throw e;
      if (!said) {
        log(`${e.message}; waiting for it`);
        said = true;
      }
      // Soon at first: the trial waited for is often about to finish,
      // and this worker idles meanwhile.
      const waitSeconds = options.waitSeconds ??
          Math.min(0.25 * 2 ** polls++, 5, leaseSeconds / 4);
      await Promise.race([sleep(waitSeconds * 1000), stopRequested]);
      if (shouldStop()) throw new TrialInterrupted();
    }
  }
}

/**
 * Completes the lost trials whose directory was written (lost_trials.ts),
 * then marks FAILED the RUNNING trials of processes of this machine that
 * are gone (local_workers.ts), and says so; returns the ids of both.
 */
async function reclaimLocalTrials(
    options: SearchOptions, studyId: number, trials: Trial[],
    log: Logger): Promise<number[]> {
  const recovered = await completeWrittenTrials(
      options.store, studyId, options.modelDir, trials, log);
  if (recovered.length > 0) {
    const s = recovered.length > 1 ? 's' : '';
    log(`trial${s} ${recovered.join(', ')}: worker lost after the trial ` +
        `director${recovered.length > 1 ? 'ies were' : 'y was'} written; ` +
        `completed with the metrics of ${
            recovered.length > 1 ? 'their' : 'its'} evaluation.json`);
    trials = await options.store.listTrials(studyId);
  }
  const reclaimed =
      await failTrialsOfDeadLocalWorkers(options.store, studyId, trials);
  if (reclaimed.length > 0) {
    log(`trial${reclaimed.length > 1 ? 's' : ''} ${reclaimed.join(', ')} ` +
        'of a search that stopped on this machine marked FAILED; new ' +
        'trials take their place');
  }
  return [...recovered, ...reclaimed];
}

/** Whether the search's database is the SQLite file of its --model_dir. */
function ownDatabaseOf(options: SearchOptions): boolean {
  const target = options.store.target ?? '';
  return target.startsWith('sqlite:') &&
      path.resolve(target.slice('sqlite:'.length)) ===
      path.resolve(options.modelDir, DEFAULT_SQLITE_FILENAME);
}

/**
 * Trial directories are named by trial id, which each study counts from 1:
 * a new study in a model directory that holds another study's trials would
 * collide with them (and replace its summaries). Refused before anything
 * of the new study is written.
 */
async function refuseAnotherStudysDirectory(options: SearchOptions):
    Promise<void> {
  const key = {experimentName: options.experimentName,
               experimentOwner: options.experimentOwner};
  // Read before the database is asked: the worker that writes the record
  // has made its study in the database first, so a record read now names
  // a study the listing below holds, if it is this database's. (Read
  // after, a record written by a worker of this study that started at
  // the same moment would name a study the listing missed.)
  const recorded = studyOfDirectory(options.modelDir);
  const studies = await options.store.listStudies?.();
  const known = studies?.find(
      (s) => s.experimentName === key.experimentName &&
          s.experimentOwner === key.experimentOwner);
  const inDatabase = options.store.target ? ` in ${options.store.target}` : '';
  const other = otherStudy(recorded, {...key, createdAt: known?.createdAt});
  if (other?.differs === 'study') {
    throw new UsageError(
        `--model_dir=${options.modelDir} belongs to ${
            studyText(other.recorded)} (its ${STUDY_DATA_FILE}), not to ${
            studyText(key)}${inDatabase}: give each study a ` +
        '--model_dir of its own, or the --experiment_name, ' +
        '--experiment_owner and --metadata_db of the study that made it to ' +
        'resume that one');
  }
  if (other?.differs === 'creation') {
    throw new UsageError(
        `--model_dir=${options.modelDir} belongs to ${
            studyText(other.recorded)} created ${
            other.recorded.createdAt} (its ${STUDY_DATA_FILE}), but the ` +
        `study of that name${inDatabase} was created ${
            known!.createdAt}: it is another database's study; give the ` +
        '--metadata_db of the study that made the directory, or a new ' +
        '--model_dir');
  }
  if (known === undefined && recorded?.createdAt !== undefined &&
      studies?.length === 0 && ownDatabaseOf(options) &&
      trialDirectoriesIn(options.modelDir).length === 0) {
    // The directory's own database holds no study at all, and no trial
    // ran: its study kept its bookkeeping elsewhere, or a search stopped
    // as it made this database (its file left empty). Not told apart
    // here: a study of another database may be running its first trial.
    throw new UsageError(
        `--model_dir=${options.modelDir} belongs to ${
            studyText(recorded)} created ${
            recorded.createdAt} (its ${STUDY_DATA_FILE}), but its database${
            inDatabase} holds no study at all, and no trial of it ran: give ` +
        'the --metadata_db the study was started with; or, if a search ' +
        'stopped as it made this database, remove ' +
        `${path.join(options.modelDir, STUDY_DATA_FILE)} to start the study ` +
        'anew');
  }
  if (known === undefined && recorded?.createdAt !== undefined) {
    throw new UsageError(
        `--model_dir=${options.modelDir} belongs to ${
            studyText(recorded)} created ${
            recorded.createdAt} (its ${STUDY_DATA_FILE}), which the ` +
        `database${inDatabase} does not hold: give the --metadata_db the ` +
        'study was searched with, or a new --model_dir for a new study');
  }
  if (known !== undefined && recorded === undefined) {
    await refuseStudyOfAnotherDirectory(options, known.studyId);
  }
  if (studies === undefined || known !== undefined) return;
  // A user's own folder "1" is no trial directory (trialDirectoriesIn).
  const trialDirs = trialDirectoriesIn(options.modelDir);
  if (trialDirs.length === 0) return;
  // A study of this name made since the listing, by a worker that started
  // at the same moment, is this one, whatever it wrote since.
  if ((await options.store.listStudies?.())?.some(
          (s) => s.experimentName === key.experimentName &&
              s.experimentOwner === key.experimentOwner)) {
    return;
  }
  const shown = trialDirs.sort((a, b) => Number(a) - Number(b)).slice(0, 3);
  const held = `--model_dir=${options.modelDir} holds trial directories (${
      shown.join(', ')}${trialDirs.length > 3 ? ', ...' : ''})`;
  if (studies.length === 0) {
    // Most often a study whose bookkeeping is elsewhere (PostgreSQL, say)
    // started without it: the default database is a new one here.
    throw new UsageError(
        `${held} but the database${
            options.store.target ? ` ${options.store.target}` : ''} holds no ` +
        'study: if the study keeps its bookkeeping in another database, ' +
        'give it with --metadata_db; for a new study, give a new ' +
        '--model_dir');
  }
  // Trial directories do not say which study made them: the database's
  // studies are listed, any of which may be theirs.
  const others = studies.map(
      (s) => `"${s.experimentName}" (owner ${s.experimentOwner})`);
  throw new UsageError(
      `${held} of a study other than "${key.experimentName}" (owner ${
          key.experimentOwner}); the database holds ${
          others.slice(0, 5).join(', ')}${others.length > 5 ? ', ...' : ''}` +
      `: give study "${key.experimentName}" a model directory of its own, ` +
      'or the --experiment_name and --experiment_owner of the study that ' +
      'made them to resume it');
}

/**
 * Throws when the study has trials running in other workers but
 * `modelDir` does not record it (its first worker writes study_data.json
 * before any trial), and none of its completed trials' directories is
 * there: those workers write into another model directory, and each
 * worker would fail on the other's trials when it imports them.
 */
async function refuseStudyOfAnotherDirectory(
    options: SearchOptions, studyId: number): Promise<void> {
  const trials = await options.store.listTrials(studyId);
  const running = trials.filter((t) => t.state === 'RUNNING');
  if (running.length === 0) return;
  // Read again: a worker that started a moment before this one may have
  // written it since this one looked (it does before its first trial),
  // and is then of this directory (what it recorded is checked later).
  if (studyOfDirectory(options.modelDir) !== undefined) return;
  const anyHere = trials.some(
      (t) => t.state === 'COMPLETED' && t.directory !== undefined &&
          fs.existsSync(path.join(options.modelDir, t.directory)));
  if (anyHere) return;  // A study from before study_data.json was written.
  throw new UsageError(
      `study "${options.experimentName}" (owner ${
          options.experimentOwner}) has ${running.length} trial${
          running.length === 1 ? '' : 's'} running in other workers, but ` +
      `--model_dir=${options.modelDir} holds no ${STUDY_DATA_FILE}, which ` +
      'the study\'s first worker writes: they write into another model ' +
      'directory; give every worker of the study the same --model_dir');
}

/**
 * The directory id the study's trials recorded, when the trial that
 * decides it (studyDirectoryOwner) has its directory in `modelDir`: a
 * model directory whose study_data.json was removed gets its id back.
 */
function directoryIdOfTrialsHere(modelDir: string, trials: Trial[]):
    string|undefined {
  const owner = directoryOwnerTrial(trials);
  if (owner === undefined || owner.state !== 'COMPLETED' ||
      owner.directory === undefined ||
      !fs.existsSync(path.join(modelDir, owner.directory))) {
    return undefined;
  }
  return owner.extra?.['directoryId'] as string;
}

/**
 * A worker's --model_dir is not its study's: the study's trials are
 * written into another one (workers started at one moment with different
 * --model_dir values). The binary then removes what the worker wrote
 * there.
 */
export class NotTheStudysDirectory extends UsageError {
  constructor(message: string) {
    super(message);
    this.name = 'NotTheStudysDirectory';
    Object.setPrototypeOf(this, new.target.prototype);
  }
}

/**
 * Throws when the study's trials are planned for another model directory
 * than this worker's (studyDirectoryOwner): workers started at one moment
 * with different --model_dir values. Returns whether that is settled.
 */
function checkStudyDirectory(
    options: SearchOptions, trials: Trial[], trialId: number,
    directoryId: string): boolean {
  const {other, settled} = studyDirectoryOwner(trials, trialId, directoryId);
  if (other === undefined) return settled;
  throw new NotTheStudysDirectory(
      `trial ${trialId}: the study's trials go to another model directory ` +
      `(that of trial ${other.id}, by worker ${other.workerId ?? '?'}), ` +
      `not to --model_dir=${options.modelDir}: its workers were started ` +
      'with different --model_dir values; give every worker of the study ' +
      'the same one, and remove this one');
}

/**
 * Throws when `plan` imports a trial (towers, warm start, teacher) whose
 * directory `modelDir` lacks: in the study's own directory
 * (`studysDirectory`) it was removed, and this trial fails
 * (UnusableTrialError); else workers of the study were given different
 * model directories (started together, before the start could tell), and
 * every trial after would fail alike, so the search stops (UsageError).
 */
export function checkImportedTrialsPresent(
    options: SearchOptions, trialId: number, plan: TrialPlan,
    studysDirectory = false): void {
  const imported = new Set<number>([
    ...(plan.towers ?? []).flatMap(
        (t) => t.source === undefined ? [] : [t.source.trialId]),
    ...(plan.warmStart ?? []).map((s) => s.trialId),
    ...(plan.teacherTrialId === undefined ? [] : [plan.teacherTrialId]),
  ]);
  for (const id of imported) {
    const dir = path.join(options.modelDir, trialDirName(id));
    if (fs.existsSync(dir)) continue;
    if (studysDirectory) {
      throw new UnusableTrialError(
          id, `trial ${trialId} imports trial ${id}, whose directory ${
                  dir} was removed`);
    }
    throw new UsageError(
        `trial ${trialId} imports trial ${id}, but --model_dir=${
            options.modelDir} has no directory ${trialDirName(id)}: the ` +
        'study\'s workers write into different model directories (give ' +
        'them all the same --model_dir), or the directory was removed');
  }
}

/**
 * The identity of directory `dir` on its disk (device and inode), the
 * same for as long as it is neither removed nor replaced; undefined when
 * it is gone.
 */
function directoryIdentity(dir: string): string|undefined {
  try {
    const stat = fs.statSync(dir);
    return `${stat.dev}:${stat.ino}`;
  } catch {
    return undefined;
  }
}

/**
 * Tells the observers about the study's trials (`trials`, or the store's);
 * `end`: the search stops, onStudyEnd follows.
 */
async function notifyStudy(
    options: SearchOptions, studyId: number, trials?: Trial[],
    end = false): Promise<void> {
  if (!options.observers?.some((o) => o.onStudyUpdate || o.onStudyEnd)) {
    return;
  }
  const all = trials ?? await options.store.listTrials(studyId);
  for (const observer of options.observers) {
    await observer.onStudyUpdate?.(options.modelDir, all, options.objective);
  }
  if (!end) return;
  for (const observer of options.observers) {
    await observer.onStudyEnd?.(options.modelDir, all, options.objective);
  }
}

declare interface TrialOutcome {
  metrics: Record<string, number>;
  seconds: number;
  /**
   * Completes the trial directory (the observers' files) and renames it
   * into place, once the writer is done with it.
   */
  commit: () => Promise<void>;
  /** Drops the trial directory: the trial is not recorded COMPLETED. */
  abort: () => void;
}

async function runTrial(
    options: SearchOptions, writer: TrialDirectoryWriter, trialId: number,
    plan: TrialPlan,
    rng: Random, timings: SearchTimings,
    shouldStop: () => boolean): Promise<TrialOutcome> {
  const start = Date.now();
  const clock = timings.phases('build');
  const provider = options.provider;
  const schema = provider.inputSchema();
  const numClasses = provider.numberOfClasses();
  const restoreRandom = options.seed === undefined ?
      () => {} :
      seedMathRandom(rng.fork());
  let model: tf.LayersModel|undefined;
  let teacherModel: tf.LayersModel|undefined;
  let job: TrialDirectoryJob|undefined;
  const tensorsBefore = tf.memory().numTensors;
  try {
    // The model that trains: the exported one, or one sharing its layers
    // with other outputs (an ensemble), or none (nothing left to train).
    let training: tf.LayersModel|undefined;
    let built: tf.LayersModel;
    let frozen: tf.layers.Layer[] = [];
    if (plan.towers === undefined) {
      built = buildModel({
        schema,
        numClasses,
        problemType: problemTypeName(options.spec),
        architecture: plan.architecture,
        hparams: plan.hparams,
        applyDropoutsBetweenBlocks:
            options.spec.applyDropoutsBetweenBlocks ?? false,
        provider,
        namePrefix: `trial_${trialId}`,
      });
      model = built;
      training = built;
    } else {
      const towers = buildTowersModel({
        trialId,
        schema,
        numClasses,
        problemType: problemTypeName(options.spec),
        towers: plan.towers,
        applyDropoutsBetweenBlocks:
            options.spec.applyDropoutsBetweenBlocks ?? false,
        provider,
        ensembleSpec: options.spec.ensembleSpec,
      });
      built = towers.model;
      model = built;
      training = towers.training;
      frozen = await restoreTowers(
          built, towers.towers, trialId, options.modelDir);
    }
    const warmStarted = plan.warmStart === undefined ? undefined :
        await warmStart(built, trialId, plan.warmStart, options.modelDir);
    const lossFn = provider.getLossFn?.();
    let teacher: TeacherArgs|undefined;
    if (plan.teacherTrialId !== undefined) {
      const teacherId = plan.teacherTrialId;
      teacherModel = await fromEarlierTrial(
          teacherId, trialId, 'is distilled from',
          () => loadModel(path.join(options.modelDir, trialDirName(teacherId),
                                    TRIAL_FILES.model)));
      const distiller = new Distiller(options.spec.distillationSpec);
      const fixedTeacher = teacherModel;
      teacher = {
        target: (inputs) => distiller.teacherTarget(
            fixedTeacher.apply(inputs, {training: false}) as tf.Tensor),
        lossFn: distiller.lossFn(trialId, lossFn ?? softmaxCrossEntropy),
      };
    }
    sayLackedHparamReads(options.log ?? stderrLog);
    clock.enter('train');
    // While it trains, the writer's thread may have the disk.
    writer.prepareAhead();
    const trainLosses: Array<[number, number]> = [];
    const summaryEvery = options.summaryEverySteps;
    // use_parameter_scaled_training: shallow towers train for fewer steps.
    const depth = Math.max(
        plan.architecture.length,
        ...(plan.towers ?? []).map((t) => t.architecture.length));
    const trainSteps = training === undefined ? 0 : scaledTrainSteps(
        options.trainSteps, depth, options.spec.maximumDepth ?? 30,
        options.spec.useParameterScaledTraining ?? false);
    // Porting note: ensemble_spec.no_train_speedup is not read: with
    // nothing to train (an average of frozen towers) no step runs at all.
    const train: TrainResult = training === undefined ?
        {steps: 0, finalLoss: NaN, seconds: 0, yieldedSeconds: 0} :
        await trainModel(training, {
      syncEvery: options.lossEverySteps,
      recordEvery: summaryEvery,
      onLoss: (step, loss) => {
        if (summaryEvery === undefined || step % summaryEvery === 0 ||
            step === trainSteps) {
          trainLosses.push([step, loss]);
        }
        for (const observer of options.observers ?? []) {
          observer.onTrainProgress?.(trialId, step, trainSteps);
        }
      },
      steps: trainSteps,
      hparams: plan.hparams,
      batches: inputBatches(provider, plan.hparams, 'train', options.batchSize),
      lossFn,
      maxDecayTimes: options.spec.learningSpec?.maxDecayTimes,
      teacher,
      shouldStop,
    });
    // Heartbeats and garbage collection tasks ran while training yielded.
    timings.add('train', -train.yieldedSeconds);
    timings.add('timers', train.yieldedSeconds);
    // Frozen for training only: the parameters count and export them all.
    for (const layer of frozen) layer.trainable = true;
    clock.enter('export');
    // The model's files are made by the writer's thread while the model is
    // evaluated; read from the model now, before it is disposed.
    const numParameters = countParameters(built);
    job = writer.begin(trialDirName(trialId));
    const modelJob = job;
    writeModelFiles(built, (name, data) =>
                        modelJob.write(path.join(TRIAL_FILES.model, name), data));
    const architecture = {
      trial_id: trialId,
      problem_type: problemTypeName(options.spec),
      blocks: plan.architecture,
      depth: plan.architecture.length,
      num_parameters: numParameters,
      hparams: plan.hparams,
      ...(plan.towers === undefined ? {} : {
        kind: plan.kind,
        mode: plan.mode,
        members: plan.members ?? [],
        towers: plan.towers,
        ...(plan.teacherTrialId === undefined ?
                {} :
                {teacher_trial_id: plan.teacherTrialId}),
      }),
      ...(plan.warmStart === undefined ? {} : {
        // The share each source was given; a layer that only some of
        // them have is their mean, renormalised, and weights_given says
        // which sources gave anything at all.
        warm_start: plan.warmStart.map((s, i) => ({
          trial_id: s.trialId,
          weight: s.weight,
          weights_given: warmStarted!.given[i],
        })),
        warm_started_weights: warmStarted!.set,
      }),
    };
    job.write(TRIAL_FILES.architecture, jsonText(architecture));
    if (plan.towers !== undefined) {
      job.write(TRIAL_FILES.towers, jsonText(plan.towers));
    }
    job.write(TRIAL_FILES.hparams, jsonText(plan.hparams));
    job.write(TRIAL_FILES.inputSchema, jsonText(schema));
    job.send();
    clock.enter('evaluate');
    const evalStart = Date.now();
    const evaluation = await evaluateModel(
        built, inputBatches(provider, plan.hparams, 'eval', options.batchSize),
        options.evalSteps, numClasses, lossFn, shouldStop,
        (line) => (options.log ?? stderrLog)(`trial ${trialId}: ${line}`));
    const evalSeconds = (Date.now() - evalStart) / 1000;
    timings.add('evaluate', -evaluation.yieldedSeconds);
    timings.add('timers', evaluation.yieldedSeconds);
    const metrics: Record<string, number> = {
      ...evaluation.metrics,
      num_parameters: numParameters,
    };
    // An ensemble of frozen towers trains nothing and has no train loss.
    if (training !== undefined) metrics['train_loss'] = train.finalLoss;
    for (const [name, value] of Object.entries(
             provider.getMetricFn ? await extraMetrics(options, built) : {})) {
      metrics[name] = value;
    }
    clock.enter('export');
    const seconds = (Date.now() - start) / 1000;
    job.write(TRIAL_FILES.evaluation, evaluationText(metrics, {
      train_steps: trainSteps,
      eval_examples: evaluation.labels.length,
      train_seconds: train.seconds,
      eval_seconds: evalSeconds,
      seconds,
    }));
    job.write(TRIAL_FILES.architectureText,
              architectureText(trialId, plan, metrics, trainSteps));
    const record: TrialRecord = {
      trialId,
      architecture: plan.architecture,
      hparams: plan.hparams,
      metrics,
      trainLosses,
      problemType: problemTypeName(options.spec),
    };
    for (const observer of options.observers ?? []) {
      for (const file of observer.trialFiles?.(record) ?? []) {
        job.write(file.name, file.data);
      }
    }
    // Not handed over here: the commit's message takes these files along
    // (a message to the thread costs 0.1-0.4 ms, and the commit follows
    // at once).
    const written = job;
    const commit = async () => {
      const observers =
          (options.observers ?? []).filter((o) => o.writeTrialFiles);
      // Waited for letting the event loop turn, should the disk hold the
      // writer up: a second Ctrl-C then still stops at once.
      if (observers.length > 0) {
        // They write into the temporary directory themselves.
        await written.syncAsync();
        for (const observer of observers) {
          await observer.writeTrialFiles!(written.tmpDir, record);
        }
      }
      await written.commitAsync();
    };
    job = undefined;
    return {metrics, seconds, commit, abort: () => written.abort()};
  } catch (e) {
    if (e instanceof ModelFailure) {
      // Which blocks: a user's block is the likely cause.
      const towers = (plan.towers ?? []).filter((t) => t.source === undefined);
      const blocks = plan.architecture.length > 0 ? plan.architecture :
          towers.flatMap((t) => t.architecture);
      throw new TrialFailure(`${e.message} (the trial's blocks: ${
          blocks.join(', ') || 'none, an ensemble of earlier towers'})`);
    }
    throw e;
  } finally {
    // Not handed to the search loop: the trial failed.
    job?.abort();
    clock.enter('dispose');
    restoreRandom();
    model?.dispose();
    teacherModel?.dispose();
    clock.end();
    const leaked = tf.memory().numTensors - tensorsBefore;
    if (leaked > 0) {
      // The blocks and optimizers of this project leave none (block_test,
      // oss_trainer_test); a user's block or provider may. Shown on demand
      // so that a long search does not fill the log.
      process.env['MODEL_SEARCH_DEBUG'] &&
          process.stderr.write(`trial ${trialId}: ${leaked} tensors leaked\n`);
    }
  }
}

/** `<block> <hparam>` pairs sayLackedHparamReads said in this search. */
const lackedReadsSaid = new Set<string>();

/**
 * Warns, once a search, of each hyperparameter a block read that its
 * trial lacked, though the block built (it fell back to a default of its
 * own): the search never tunes it, which the block's author most likely
 * meant it to.
 */
function sayLackedHparamReads(log: (line: string) => void): void {
  for (const [block, hparam] of takeLackedHparamReads()) {
    const key = `${block} ${hparam}`;
    if (lackedReadsSaid.has(key)) continue;
    lackedReadsSaid.add(key);
    const declared = declaredHparams(block).has(hparam);
    log(`warning: block ${block} reads hparam "${hparam}", which its ` +
        'trials lack, and builds with a default of its own, never tuned: ' +
        (declared ?
             `its requiresHparams() declares it, but hparams are drawn for ` +
                 `the blocks of blocks_to_use only; add ${block} to ` +
                 'blocks_to_use' :
             `declare it in the block's requiresHparams() (e.g. {name: ` +
                 `'${hparam}', min: 8, max: 128, integer: true}) for the ` +
                 'search to tune it'));
  }
}

/** A provider's extra metrics over one pass of evaluation data. */
async function extraMetrics(options: SearchOptions, model: tf.LayersModel):
    Promise<Record<string, number>> {
  const fn = options.provider.getMetricFn!();
  const out: Record<string, number> = {};
  for await (const batch of inputBatches(
      options.provider, {}, 'eval', options.batchSize)) {
    const logits = model.predict(batch.features) as tf.Tensor;
    Object.assign(out, fn(batch.labels, logits));
    logits.dispose();
    batch.features.dispose();
    batch.labels.dispose();
    break;
  }
  return out;
}

/**
 * The human-readable architecture file of a trial. `trainSteps`: the steps
 * it trained; none (an average of frozen towers, say) leaves its training
 * hparams unused, which is said.
 */
export function architectureText(
    trialId: number,
    plan: Pick<TrialPlan, 'architecture'|'hparams'|'towers'|'mode'|'kind'>,
    metrics: Record<string, number>, trainSteps?: number): string {
  const lines = [`trial ${trialId}`, `depth ${plan.architecture.length}`,
                 `parameters ${metrics['num_parameters']}`, 'blocks:'];
  plan.architecture.forEach((b, i) => lines.push(`  ${i + 1}. ${b}`));
  if (plan.towers !== undefined) {
    // Every tower, priors first; the mode of an ensemble or a
    // distillation (a search trial's is the controller's phase, which
    // says nothing of how its towers combine).
    const mode = plan.kind === 'search' ? undefined : plan.mode;
    lines.push(`towers${mode === undefined ? '' : ` (${mode})`}:`);
    for (const tower of plan.towers) {
      const from = tower.source === undefined ? 'trained from scratch' :
          `from trial ${tower.source.trialId}${tower.frozen ? ', frozen' : ''}`;
      lines.push(`  ${tower.name} (${from}): ${
          tower.architecture.length === 0 ? '(no blocks)' :
                                            tower.architecture.join(', ')}`);
    }
  }
  lines.push(trainSteps === 0 ?
                 'hparams (unused: the trial trained no step):' :
                 'hparams:');
  for (const [k, v] of Object.entries(plan.hparams).sort()) {
    lines.push(`  ${k} = ${v}`);
  }
  return lines.join('\n') + '\n';
}

/**
 * Replaces Math.random (used by TensorFlow.js initialisers and dropout
 * when no seed is given) with a seeded source; returns the restorer.
 */
function seedMathRandom(rng: Random): () => void {
  const original = Math.random;
  Math.random = () => rng.uniform();
  return () => {
    Math.random = original;
  };
}

function formatMetric(value: number|undefined): string {
  if (value === undefined || Number.isNaN(value)) return 'n/a';
  // Counts (num_parameters) as whole numbers, rates to 4 places.
  return Number.isInteger(value) && Math.abs(value) >= 10 ?
      String(value) : value.toFixed(4);
}

/**
 * `trial <id> [<completed>/<budget>] arch=[...] loss=... accuracy=...`:
 * ids keep counting past the budget when trials fail, so the line shows
 * both. `ranked`: the completed trials as this worker knows them, best
 * first, this one included.
 */
function trialLine(
    trialId: number, options: SearchOptions, plan: TrialPlan,
    outcome: TrialOutcome, ranked: Trial[]): string {
  const best = ranked[0];
  const architecture = plan.architecture;
  const metric = options.objective.metric;
  const m = outcome.metrics;
  const bestPart = best ?
      ` best_${metric}=${formatMetric(best.metrics?.[metric])}@${best.id}` :
      '';
  const extra = metric !== 'loss' && metric !== 'accuracy' ?
      ` ${metric}=${formatMetric(m[metric])}` :
      '';
  return `trial ${trialId} [${ranked.length}/${options.maxTrials}] arch=[${
      architecture.join(',')}] loss=${formatMetric(m['loss'])} accuracy=${
      formatMetric(m['accuracy'])}${extra}${membersPart(plan)}${bestPart} ${
      outcome.seconds.toFixed(1)}s`;
}

/** ` members=[...]` for an ensemble, ` teacher=N` for a student. */
function membersPart(plan: TrialPlan): string {
  if (plan.teacherTrialId !== undefined) {
    return ` teacher=${plan.teacherTrialId}`;
  }
  return plan.members && plan.members.length > 0 ?
      ` members=[${plan.members.join(',')}]` :
      '';
}

/** membersPart for a trial as the store keeps it. */
function storedMembersPart(trial: Trial): string {
  const teacher = distillationTeacher(trial);
  if (teacher !== undefined) return ` teacher=${teacher}`;
  const members = ensembleMembers(trial);
  return members.length > 0 ? ` members=[${members.join(',')}]` : '';
}

function logSummary(
    log: Logger, options: SearchOptions, ranked: Trial[], all: Trial[],
    seconds: number): void {
  const failed = all.filter((t) => t.state === 'FAILED').length;
  const running = all.filter((t) => t.state === 'RUNNING').length;
  const trials = (n: number) => `${n} trial${n === 1 ? '' : 's'}`;
  // Other workers may go on, to a budget of their own.
  const state = running === 0 ? 'complete' :
      `done in this worker (${trials(running)} still running in others)`;
  log(`study "${options.experimentName}" ${state}: ${
          trials(ranked.length)} ` +
      `completed, ${failed} failed, ${seconds.toFixed(0)}s in this run; ` +
      `best ${options.objective.metric} (${options.objective.goal}):`);
  for (const t of ranked.slice(0, 5)) {
    const dir = path.join(options.modelDir, t.directory ?? trialDirName(t.id));
    // A trial whose directory was removed stays ranked (the database keeps
    // its metrics), but there is no model there to predict with (a replay
    // retrains it from the database's record).
    // One found damaged is marked so (unusable.txt says why).
    const gone = !fs.existsSync(path.join(dir, TRIAL_FILES.architecture)) ?
        ' (directory removed: no model to predict with)' :
        fs.existsSync(path.join(dir, TRIAL_FILES.unusable)) ?
        ` (files damaged: its ${TRIAL_FILES.unusable} says which)` :
        '';
    log(`  trial ${t.id} ${options.objective.metric}=${
        formatMetric(t.metrics?.[options.objective.metric])} arch=[${
        t.architecture.join(',')}]${storedMembersPart(t)} dir=${dir}${gone}`);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
