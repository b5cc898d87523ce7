/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * The library entry point, as the original's SingleTrainer:
 *
 * ```ts
 * const trainer = new SingleTrainer({
 *   data: new csvData.Provider({filename: 'data.csv', logitsDimension: 2}),
 *   spec: constants.DEFAULT_DNN,
 * });
 * const trials = await trainer.tryModels({
 *   numberModels: 10, trainSteps: 500, evalSteps: 50, rootDir: '/tmp/run',
 *   batchSize: 32, experimentName: 'example', experimentOwner: 'me'});
 * ```
 *
 * Everything comes from the options: it works from any script or REPL,
 * with no command line parsed. Running it again on the same rootDir and
 * experiment resumes the study.
 */

import * as path from 'path';

import {selectBackend} from './backend/select_backend';
import type {BackendRequest} from './backend/select_backend';
import type {Provider} from './data/data';
import {didYouMean, SearchError, ValueError} from './errors';
import {HIGHER_IS_BETTER, METRIC_NAMES} from './metric_fns';
import {createStore, resolveConnection} from './metadata/create_store';
import type {Trial} from './metadata/trial';
import type {Logger} from './oss_trainer_lib';
import {checkTrainable, problemTypeName, runSearch} from './oss_trainer_lib';
import {checkFirstBatches, checkProviderAnswers, checkSpecFitsData, providerName} from './provider_checks';
import {checkBlockNames} from './spec_blocks';
import {TrialPlanner} from './trial_planner';
import type {PhoenixSpec} from './proto/phoenix_spec';
import {loadSpecFile, studySpecText} from './proto/text_format';
import {replayPlans} from './replay';
import {DEFAULT_SQLITE_FILENAME, MIN_LEASE_SECONDS} from './metadata/flags';
import {HYPERTUNING_METHODS} from './hparams/tuner';
import {makeDirectories, resolveUserPath, whyNoDirectory} from './user_paths';
import {standardObservers} from './search_observers';

export declare interface SingleTrainerArgs {
  /** The data provider. */
  data: Provider;
  /** A PhoenixSpec, or the path of a .pbtxt file. */
  spec: PhoenixSpec|string;
  /** TensorFlow.js backend; default 'auto'. */
  backend?: BackendRequest;
  /**
   * As --wasm_threads: threads of the wasm backend's kernels, 1 (the
   * default) to 8.
   */
  wasmThreads?: number;
  /** Where log lines go; default stderr. */
  log?: Logger;
}

/** The largest seed, as --phoenix_tf_random_seed takes them. */
const MAX_SEED = 4294967295;

/**
 * Whether a search runs in this process: a second one would start the
 * backend again under the first (TensorFlow.js has one per process).
 */
let searchRunning = false;

export declare interface TryModelsArgs {
  numberModels: number;
  trainSteps: number;
  /** Evaluation batches per trial; 0 for one whole pass. */
  evalSteps: number;
  rootDir: string;
  batchSize: number;
  experimentName: string;
  experimentOwner: string;
  /** Default 'loss'. */
  optimizationMetric?: string;
  /** Default 'minimize'. */
  optimizationGoal?: 'minimize'|'maximize';
  hypertuningMethod?: 'random'|'bayesian';
  /**
   * Integer in [0, 2^32 - 1]; undefined or -1: the clock's, which is
   * logged so that the search can be repeated.
   */
  seed?: number;
  /** A database URL (postgres://, mysql://, sqlite:); default SQLite in rootDir. */
  metadataDb?: string;
  /**
   * Record the training loss in the event files every this many steps
   * (and at the last); default 2000, as --phoenix_save_summary_steps.
   */
  saveSummarySteps?: number;
  /**
   * Seconds a RUNNING trial stays leased without heartbeat before other
   * workers take it for lost (--metadata_lease_seconds); default 600.
   */
  leaseSeconds?: number;
  /**
   * As --wasm_memory_limit_mb: after a trial that left the wasm backend's
   * memory above this many MB, restart the backend to give it back. Off by
   * default here: a restart needs every tensor of the process released
   * between trials, the caller's own included.
   */
  wasmMemoryLimitMb?: number;
  /**
   * Stop as the binary does on Ctrl-C (SIGINT), SIGTERM and SIGHUP: the
   * running trial is marked FAILED ("interrupted by SIGINT"), its
   * temporary directory removed, and tryModels rejects with a
   * SearchInterrupted naming the signal. Off by default: a library does
   * not take a process's signals unasked (the process then ends at once,
   * and the next search of the study takes the running trial back).
   */
  stopOnSignals?: boolean;
}

/** What tryModels rejects with when stopOnSignals stopped the search. */
export class SearchInterrupted extends SearchError {
  constructor(readonly signal: NodeJS.Signals, rootDir: string) {
    super(`the search was stopped by ${signal}: the running trial is ` +
          `marked FAILED; tryModels again with rootDir ${rootDir} and the ` +
          'same experiment resumes the study');
    this.name = 'SearchInterrupted';
    Object.setPrototypeOf(this, new.target.prototype);
  }
}

export class SingleTrainer {
  private readonly spec: PhoenixSpec;

  constructor(private readonly args: SingleTrainerArgs) {
    if (args === null || typeof args !== 'object' || Array.isArray(args)) {
      throw new ValueError(
          'SingleTrainer takes an object of options ({data, spec, ...}), ' +
          `got ${args === null || args === undefined ? String(args) :
                 Array.isArray(args) ? 'an array' : `a ${typeof args}`}`);
    }
    for (const key of Object.keys(args)) {
      if ((SINGLE_TRAINER_OPTIONS as readonly string[]).includes(key)) continue;
      throw new ValueError(`SingleTrainer has no option ${
          JSON.stringify(key)}${didYouMean(key, SINGLE_TRAINER_OPTIONS)}; ` +
          `its options are ${SINGLE_TRAINER_OPTIONS.join(', ')}`);
    }
    const spec = (args as Partial<SingleTrainerArgs>|undefined)?.spec;
    if (typeof spec !== 'string' &&
        (spec === null || typeof spec !== 'object' || Array.isArray(spec))) {
      throw new ValueError(
          `spec is ${spec === null || spec === undefined ? String(spec) :
                                                           `a ${typeof spec}`}` +
          '; give the path of a spec file (.pbtxt, e.g. ' +
          'model_search/configs/dnn_config.pbtxt) or a PhoenixSpec ' +
          '(parsePhoenixSpec of its text, from model_search/proto/text_format)');
    }
    const data = (args as Partial<SingleTrainerArgs>|undefined)?.data;
    if (data === null || typeof data !== 'object' ||
        typeof data.prepare !== 'function' ||
        typeof data.getInputFn !== 'function') {
      throw new ValueError(
          `data is ${data === null || data === undefined ? String(data) :
                     `a ${typeof data} without prepare() and getInputFn()`
          }; give a data provider (e.g. new CsvDataProvider({...}))`);
    }
    this.spec = typeof args.spec === 'string' ? loadSpecFile(args.spec) :
                                                args.spec;
  }

  /**
   * Runs the search until `numberModels` trials are COMPLETED; resolves to
   * the study's trials ordered by the objective, best first. One at a time
   * in a process.
   */
  async tryModels(options: TryModelsArgs): Promise<Trial[]> {
    checkTryModelsArgs(options);
    checkTrainable(this.spec);
    // What the binary checks of its spec before it writes anything: a
    // study started with a bad spec would keep it (its spec is stored).
    checkBlockNames(this.spec, this.specLabel());
    new TrialPlanner({
      spec: this.spec,
      problemType: problemTypeName(this.spec),
      objective: {metric: options.optimizationMetric ?? 'loss',
                  goal: options.optimizationGoal ?? 'minimize'},
      hypertuningMethod: options.hypertuningMethod ?? 'random',
      trainSteps: options.trainSteps,
    });
    if (searchRunning) {
      throw new ValueError(
          'another tryModels runs in this process: TensorFlow.js has one ' +
          'backend per process, so await it before starting the next (or ' +
          'run searches in processes of their own)');
    }
    searchRunning = true;
    try {
      return await this.search(options);
    } catch (e) {
      // The search's messages name the binary's flags; a script set
      // options.
      if (e instanceof Error) e.message = withOptionNames(e.message);
      throw e;
    } finally {
      searchRunning = false;
    }
  }

  /** How messages name the spec: its file, or "the spec given". */
  private specLabel(): string {
    return typeof this.args.spec === 'string' ? this.args.spec :
                                                'the spec given';
  }

  private async search(options: TryModelsArgs): Promise<Trial[]> {
    const limit = options.wasmMemoryLimitMb;
    if (limit !== undefined && !(limit >= 0 && limit < Infinity)) {
      throw new ValueError(
          `wasmMemoryLimitMb must be a number of MB >= 0, got ${limit}`);
    }
    // As the binary's path flags: relative to where `bazel run` was typed,
    // not to the runfiles a script runs in.
    const rootDir = resolveUserPath(options.rootDir, true);
    const why = whyNoDirectory(rootDir);
    if (why !== undefined) {
      // Said before the data is read, as the binary says it.
      throw new ValueError(`rootDir ${rootDir}${
          why.startsWith('exists') ? ' ' : ': '}${why}`);
    }
    const database = options.metadataDb ??
        `sqlite:${path.join(rootDir, DEFAULT_SQLITE_FILENAME)}`;
    if (options.metadataDb !== undefined) resolveConnection({url: database});
    const log = this.args.log ?? ((l: string) => process.stderr.write(l + '\n'));
    if (options.optimizationGoal === undefined &&
        HIGHER_IS_BETTER.has(options.optimizationMetric ?? 'loss')) {
      log(`note: optimizationMetric '${options.optimizationMetric}' is ` +
          'minimized, as optimizationGoal defaults to \'minimize\' (as in ' +
          'the original); give optimizationGoal: \'maximize\' to search ' +
          'for the highest');
    }
    if (options.optimizationGoal === 'maximize' &&
        (options.optimizationMetric ?? 'loss') === 'loss') {
      log('note: optimizationGoal \'maximize\' with optimizationMetric ' +
          '\'loss\' searches for the models of the highest loss, the ' +
          'worst; give optimizationGoal: \'minimize\' (the default) for ' +
          'the best');
    }
    await this.args.data.prepare();
    await selectBackend(this.args.backend ?? 'auto', log,
                        {wasmThreads: this.args.wasmThreads});
    // As the binary: a provider or spec every trial would fail on is
    // refused before the study is written.
    const provider = this.args.data;
    const name = providerName(provider);
    checkProviderAnswers(provider, name);
    checkSpecFitsData(this.spec, this.specLabel(), provider, name);
    if (provider.getInputLayerFn === undefined) {
      await checkFirstBatches(provider, options.batchSize,
                              problemTypeName(this.spec), log);
    }
    const seed = options.seed === undefined || options.seed === -1 ?
        Date.now() % (MAX_SEED + 1) :
        options.seed;
    if (seed !== options.seed) {
      log(`seed ${seed} (the clock's; seed: ${seed} repeats it)`);
    }
    try {
      makeDirectories(rootDir);
    } catch (e) {
      throw new ValueError(`rootDir ${rootDir}: cannot create this ` +
                           `directory (${(e as Error).message})`);
    }
    const store = await createStore({url: database});
    // The progress line is drawn on stderr only when the log goes there
    // too, so that it never lands between lines of a caller's own log.
    const {observers, progress} = standardObservers({
      spec: this.spec,
      maxTrials: replayPlans(this.spec)?.length ?? options.numberModels,
      trainSteps: options.trainSteps,
      progressStream: this.args.log === undefined ? process.stderr :
                                                    {write: () => true},
    });
    try {
      const result = await runSearch({
        spec: this.spec,
        specText: studySpecText(this.spec),
        provider: this.args.data,
        store,
        modelDir: rootDir,
        experimentName: options.experimentName,
        experimentOwner: options.experimentOwner,
        maxTrials: options.numberModels,
        trainSteps: options.trainSteps,
        evalSteps: options.evalSteps,
        batchSize: options.batchSize,
        objective: {
          metric: options.optimizationMetric ?? 'loss',
          goal: options.optimizationGoal ?? 'minimize',
        },
        hypertuningMethod: options.hypertuningMethod ?? 'random',
        seed,
        // The search's own lines name the binary's flags.
        log: progress.line.wrap((line) => log(withOptionNames(line))),
        observers,
        summaryEverySteps: options.saveSummarySteps ?? 2000,
        leaseSeconds: options.leaseSeconds,
        wasmMemoryLimitBytes: options.wasmMemoryLimitMb === undefined ?
            undefined :
            options.wasmMemoryLimitMb * (1 << 20),
        stopOnSignals: options.stopOnSignals === true,
      });
      if (result.stoppedBy !== undefined) {
        throw new SearchInterrupted(result.stoppedBy, rootDir);
      }
      return result.trials;
    } finally {
      progress.finish();
      await store.close();
    }
  }
}

/**
 * The binary's flags that a script gives as options of other names (of
 * tryModels, or of CsvDataProvider).
 */
const OPTION_OF_FLAG: ReadonlyArray<[string, string]> = [
  ['--model_dir', 'rootDir'],
  ['--metadata_db', 'metadataDb'],
  ['--experiment_name', 'experimentName'],
  ['--experiment_owner', 'experimentOwner'],
  ['--phoenix_spec_filename', 'the spec'],
  ['--phoenix_tf_random_seed', 'seed'],
  ['--optimization_metric', 'optimizationMetric'],
  ['--optimization_goal', 'optimizationGoal'],
  ['--hypertuning_method', 'hypertuningMethod'],
  ['--metadata_lease_seconds', 'leaseSeconds'],
  ['--experiment_max_num_trials', 'numberModels'],
  ['--phoenix_train_steps', 'trainSteps'],
  ['--phoenix_eval_steps', 'evalSteps'],
  ['--phoenix_batch_size', 'batchSize'],
  ['--phoenix_save_summary_steps', 'saveSummarySteps'],
  ['--wasm_memory_limit_mb', 'wasmMemoryLimitMb'],
  // SingleTrainer's.
  ['--backend', 'backend'],
  ['--wasm_threads', 'wasmThreads'],
  // CsvDataProvider's options, whose checks run in prepare().
  ['--filename', 'filename'],
  ['--validation_filename', 'validationFilename'],
  ['--label_index', 'labelIndex'],
  ['--logits_dimension', 'logitsDimension'],
  ['--record_defaults', 'recordDefaults'],
  ['--field_delim', 'fieldDelim'],
];

/** `message`, with what each flag it names is called in a script. */
export function withOptionNames(message: string): string {
  const named = OPTION_OF_FLAG.filter(
      ([flag]) => new RegExp(`${flag}(?![a-z_])`).test(message));
  if (named.length === 0) return message;
  return `${message} (in a script: ${
      named.map(([flag, option]) => `${flag} is ${option}`).join(', ')})`;
}

/**
 * Refuses what the binary's flags would refuse, with the same words: a
 * search given them would run on (a metric no trial has, an unknown goal
 * ranked as minimize) or fail far from the cause.
 */
/** SingleTrainer's options; another key is most likely misspelt. */
const SINGLE_TRAINER_OPTIONS: ReadonlyArray<keyof SingleTrainerArgs> = [
  'data', 'spec', 'backend', 'wasmThreads', 'log',
];

/** The options tryModels reads; another key is most likely misspelt. */
const TRY_MODELS_OPTIONS: ReadonlyArray<keyof TryModelsArgs> = [
  'numberModels', 'trainSteps', 'evalSteps', 'rootDir', 'batchSize',
  'experimentName', 'experimentOwner', 'optimizationMetric',
  'optimizationGoal', 'hypertuningMethod', 'seed', 'metadataDb',
  'saveSummarySteps', 'leaseSeconds', 'wasmMemoryLimitMb', 'stopOnSignals',
];

function checkTryModelsArgs(options: TryModelsArgs): void {
  if (options === null || typeof options !== 'object' ||
      Array.isArray(options)) {
    throw new ValueError(
        `tryModels takes an object of options ({numberModels, trainSteps, ` +
        `evalSteps, rootDir, ...}), got ${
            options === null || options === undefined ?
                String(options) :
                Array.isArray(options) ? 'an array' : `a ${typeof options}`}`);
  }
  for (const key of Object.keys(options)) {
    if ((TRY_MODELS_OPTIONS as readonly string[]).includes(key)) continue;
    throw new ValueError(`tryModels has no option ${JSON.stringify(key)}${
        didYouMean(key, TRY_MODELS_OPTIONS)}; its options are ${
        TRY_MODELS_OPTIONS.join(', ')}`);
  }
  const atLeast = (name: keyof TryModelsArgs, least: number) => {
    const value = options[name];
    if (typeof value !== 'number' || !Number.isInteger(value) ||
        value < least) {
      throw new ValueError(`${name} must be an integer of at least ${
          least}, got ${JSON.stringify(value)}`);
    }
  };
  if (options.stopOnSignals !== undefined &&
      typeof options.stopOnSignals !== 'boolean') {
    throw new ValueError(`stopOnSignals must be true or false, got ${
        JSON.stringify(options.stopOnSignals)}`);
  }
  atLeast('numberModels', 1);
  atLeast('trainSteps', 1);
  atLeast('evalSteps', 0);
  atLeast('batchSize', 1);
  if (typeof options.rootDir !== 'string' || options.rootDir === '') {
    throw new ValueError(
        'rootDir must name the directory of the study, got ' +
        JSON.stringify(options.rootDir));
  }
  const metric = options.optimizationMetric;
  if (metric !== undefined &&
      !(METRIC_NAMES as readonly string[]).includes(metric)) {
    throw new ValueError(`optimizationMetric must be one of ${
        METRIC_NAMES.join(', ')}, got ${JSON.stringify(metric)}`);
  }
  const goal = options.optimizationGoal;
  if (goal !== undefined && goal !== 'minimize' && goal !== 'maximize') {
    throw new ValueError(`optimizationGoal must be minimize or maximize, ` +
                         `got ${JSON.stringify(goal)}`);
  }
  const method = options.hypertuningMethod;
  if (method !== undefined && !HYPERTUNING_METHODS.includes(method)) {
    throw new ValueError(`hypertuningMethod must be one of ${
        HYPERTUNING_METHODS.join(', ')}, got ${JSON.stringify(method)}`);
  }
  for (const name of ['experimentName', 'experimentOwner'] as const) {
    const value = options[name];
    if (typeof value !== 'string' || value === '') {
      throw new ValueError(`${name} must name the study (a string that is ` +
                           `not empty), got ${JSON.stringify(value)}`);
    }
  }
  const seed = options.seed;
  if (seed !== undefined && seed !== -1 &&
      !(Number.isInteger(seed) && seed >= 0 && seed <= MAX_SEED)) {
    throw new ValueError(`seed must be an integer in [0, ${MAX_SEED}], or ` +
                         `-1 for the clock's, got ${JSON.stringify(seed)}`);
  }
  const every = options.saveSummarySteps;
  if (every !== undefined && !(Number.isInteger(every) && every >= 1)) {
    throw new ValueError(`saveSummarySteps must be an integer of at least ` +
                         `1, got ${JSON.stringify(every)}`);
  }
  const lease = options.leaseSeconds;
  if (lease !== undefined && !(lease >= MIN_LEASE_SECONDS && lease < Infinity)) {
    throw new ValueError(`leaseSeconds must be a number of seconds >= ${
        MIN_LEASE_SECONDS}, got ${JSON.stringify(lease)}`);
  }
}
