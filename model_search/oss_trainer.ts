/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * The flag-driven trainer main. `model_search_oss_binary` links a provider
 * library in front of it; that library registers its provider (and flags)
 * when it loads, before `main` parses the command line.
 *
 * Exit codes: 0 done, 2 bad flags, spec or data (nothing written), 1 other
 * errors.
 */

import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import {BACKEND_ALIASES, BACKEND_CHOICES, selectBackend} from './backend/select_backend';
import {DEFAULT_WASM_MEMORY_LIMIT_MB} from './backend/wasm_restart';
import {MAX_WASM_THREADS} from './backend/wasm_threads';
import {DEFAULT_CNN, DEFAULT_DNN, DEFAULT_RNN_LAST, resolveWorkspacePath} from './constants';
import {DataError, PROVIDERS, ProviderError, ProviderNeverAnswered, inProvider, noticeSlowProviderWaits, providerWaits, stopWaitingForProviders} from './data/data';
import type {Batch, Provider} from './data/data';
import {SearchError, UsageError, ValueError, didYouMean} from './errors';
import {removeEarlySignalHandlers, STOP_SIGNALS} from './early_signals';
import {exitAtOnce} from './exit_at_once';
import {FLAGS} from './flags';
import {createStore, resolveConnection} from './metadata/create_store';
import {LIMITS} from './metadata/schema';
import {defineMetadataFlags, leaseSecondsFromFlags, storeOptionsFromFlags} from './metadata/flags';
import {StoreError} from './metadata/retry';
import {otherStudyOfDirectory, recordedSeed, STUDY_DATA_FILE, studyOfDirectory} from './metadata/study_of_directory';
import {localWorkerId} from './metadata/worker_ids';
import {HIGHER_IS_BETTER, METRIC_NAMES} from './metric_fns';
import {loadSpecFile, studySpecText} from './proto/text_format';
import type {PhoenixSpec} from './proto/phoenix_spec';
import {checkTrainable, MAX_FAILED_IN_A_ROW, noteLogReaderGone, NotTheStudysDirectory, problemTypeName, runSearch, STOP_SIGNAL_EXIT_CODES} from './oss_trainer_lib';
import {checkFirstBatches, checkProviderAnswers, checkSpecFitsData, providerName} from './provider_checks';
import {WASM_RUNTIME_ERROR} from './train_loop';
import {REPLAY_SPEC_FILENAME, replayErrorPosition, replayPlans} from './replay';
import {refuseForeignTrialNames, refuseTrialDirectory, temporaryTag} from './trial_directory';
import {studyDataRecordedHere} from './study_data';
import {isTrialDirectoryName, trialDirectoriesIn} from './trial_files';
import {checkBlockNames} from './spec_blocks';
import {unreadSpecSettings} from './spec_unread';
import {SUMMARY_CSV, SUMMARY_JSON} from './report';
import type {ProgressStream} from './report';
import {standardObservers} from './search_observers';
import {TrialPlanner} from './trial_planner';
import {makeDirectories, resolveUserPath, shownPath, whyNoDirectory} from './user_paths';
import {logEntry} from './log_line';

const MODULE = 'oss_trainer';

/** Declares the trainer's flags, with the original's names and defaults. */
export function defineTrainerFlags(): void {
  const define = (name: string, args: Parameters<typeof FLAGS.define>[1]) => {
    FLAGS.defineOnce(name, {...args, module: MODULE});
  };
  define('phoenix_spec_filename', {type: 'string', default: '',
    help: 'The PhoenixSpec (.pbtxt) driving the search; default: the ' +
          'ready config for the data\'s examples, from the binary\'s ' +
          `runfiles: ${DEFAULT_DNN} for features, ${DEFAULT_CNN} for ` +
          `images, ${DEFAULT_RNN_LAST} for sequences`});
  define('phoenix_batch_size', {type: 'int', default: 100,
    help: 'Batch size used for training and evaluation.'});
  define('phoenix_train_steps', {type: 'int', default: 1000,
    help: 'Training steps of each trial.'});
  define('phoenix_eval_steps', {type: 'int', default: 0,
    help: 'Evaluation batches per trial; 0 evaluates one whole pass.'});
  define('phoenix_dataset', {type: 'string', default: '',
    help: 'The registered provider to use; needed only when the binary ' +
          'links more than one.'});
  define('phoenix_tf_random_seed', {type: 'int', default: -1,
    help: 'Seeds search, tuning and weight initialisation (reproducible ' +
          'on one backend); -1 for a random seed.'});
  define('phoenix_save_summary_steps', {type: 'int', default: 2000,
    help: 'Record the training loss in the TensorBoard event files every ' +
          'this many steps (and at the last step).'});
  define('model_dir', {type: 'string', default: '',
    help: 'Output directory: one sub-directory per trial, the SQLite ' +
          'bookkeeping file and the study summary.'});
  define('experiment_name', {type: 'string', default: 'model_search',
    help: 'Name of the study; with experiment_owner it identifies it.'});
  define('experiment_owner', {type: 'string',
    default: process.env['USER'] ?? os.userInfo().username,
    help: 'Owner of the study.'});
  define('experiment_max_num_trials', {type: 'int', default: 200,
    help: 'The study ends when this many trials are COMPLETED.'});
  define('max_failed_trials_in_a_row', {type: 'int',
    default: MAX_FAILED_IN_A_ROW,
    help: 'The search stops with an error after this many of its trials ' +
          'failed in a row (data or a spec no trial trains on); ' +
          'model_search_oss_test gives 1.'});
  define('optimization_metric', {type: 'string', default: 'loss',
    choices: [...METRIC_NAMES],
    help: 'The evaluation metric the search optimizes.'});
  define('optimization_goal', {type: 'string', default: 'minimize',
    choices: ['minimize', 'maximize'],
    help: 'Whether to minimize or maximize optimization_metric.'});
  define('hypertuning_method', {type: 'string', default: 'random',
    choices: ['random', 'bayesian'],
    help: 'How hyperparameters are chosen.'});
  define('tuner_id', {type: 'string', default: '',
    help: 'A name of this worker, shown in the bookkeeping as ' +
          '<tuner_id>@<host>:<pid>+<start> (default <host>:<pid>+<start>; ' +
          '<start>: when the process started, in clock ticks after boot).'});
  define('backend', {type: 'string', default: 'auto',
    choices: [...BACKEND_CHOICES],
    choiceAliases: {...BACKEND_ALIASES},
    help: 'TensorFlow.js backend; auto tries tfjs-node-gpu, tfjs-node, ' +
          'wasm, cpu in that order.'});
  define('wasm_threads', {type: 'int', default: 1,
    help: 'Threads of the wasm backend\'s convolutions and matrix ' +
          `products, 1 to ${MAX_WASM_THREADS}: more help a single worker on ` +
          'a machine with idle cores; several workers side by side use ' +
          'cores better with 1 each.'});
  define('wasm_memory_limit_mb', {type: 'int',
    default: DEFAULT_WASM_MEMORY_LIMIT_MB,
    help: 'On the wasm backend, whose memory pages once used stay with ' +
          'the process: after a trial that leaves more than this many MB ' +
          'used, over twice what its tensors needed at once, restart the ' +
          'backend so that the memory goes back to the system. The ' +
          'memory starts at 16 MB; 0 never restarts.'});
  define('help', {type: 'bool', default: false, help: 'Show this help.'});
  // The original's binaries take absl's logging flags, which command lines
  // carried over from it still give: the log goes to stderr regardless.
  for (const name of ['alsologtostderr', 'logtostderr']) {
    define(name, {type: 'bool', default: false,
      help: 'Accepted for command lines of the original (absl logging); ' +
            'the log always goes to stderr.'});
  }
  FLAGS.hintFor('root_dir',
                'the search binary writes its trials under --model_dir ' +
                '(root_dir is the name in SingleTrainer.tryModels, rootDir)');
}

/** Flags naming files or directories: relative ones resolve like a shell. */
const PATH_FLAGS = ['model_dir', 'phoenix_spec_filename', 'filename',
                    'validation_filename', 'input_dir',
                    'mlmd_default_sqllite_filename'];

/**
 * Resolves relative path flags against the directory where the user typed
 * `bazel run`; see resolveUserPath.
 */
function resolvePathFlags(): void {
  for (const name of PATH_FLAGS) {
    if (!FLAGS.has(name) || !FLAGS.isPresent(name)) continue;
    FLAGS.set(name, resolveUserPath(FLAGS.get<string>(name),
                                    name === 'model_dir'));
  }
}

/**
 * The data provider the parsed flags choose (--phoenix_dataset, or the one
 * the binary links), constructed.
 */
export function chooseProvider(): Provider {
  const names = PROVIDERS.names();
  const wanted = FLAGS.get<string>('phoenix_dataset');
  if (wanted !== '') {
    if (!PROVIDERS.has(wanted)) {
      throw new UsageError(`--phoenix_dataset=${wanted}: no such provider${
          didYouMean(wanted, names)}; linked in: ${names.join(', ') || 'none'}`);
    }
    return createProvider(wanted);
  }
  if (names.length === 0) {
    throw new UsageError(
        'no data provider is registered in this binary: build it with ' +
        'model_search_oss_binary(dataset_dep = ...); if it is, the modules ' +
        'of dataset_dep register none: give the provider class ' +
        '@registerProvider, and import its module for its effect ' +
        '(`import \'./my_provider\';`), not for its types only');
  }
  if (names.length > 1) {
    throw new UsageError(`this binary links ${names.length} providers (${
        names.join(', ')}); choose one with --phoenix_dataset (in a ` +
        `model_search_oss_test: extra_args = ["--phoenix_dataset=${
            names[0]}"])`);
  }
  return createProvider(names[0]);
}

/**
 * Why `dir` could not be made or written, from `error` or, as Node reports
 * a read-only file system under mkdir as ENOENT, from the nearest existing
 * directory above it.
 */
function whyNotWritable(dir: string, error: NodeJS.ErrnoException): string {
  let existing = path.resolve(dir);
  while (!fs.existsSync(existing) && path.dirname(existing) !== existing) {
    existing = path.dirname(existing);
  }
  try {
    fs.accessSync(existing, fs.constants.W_OK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EROFS') return `${existing} is on a read-only file system`;
    if (code === 'EACCES') return `no permission to write in ${existing}`;
  }
  if (!fs.statSync(existing).isDirectory()) return `${existing} is a file`;
  return error.code === 'EROFS' ? 'a read-only file system' : error.message;
}

/** The provider `name`, constructed; a constructor that throws is named. */
function createProvider(name: string): Provider {
  try {
    return PROVIDERS.create(name);
  } catch (e) {
    if (e instanceof DataError || e instanceof UsageError) throw e;
    throw new ProviderError(`data provider ${name}: its constructor threw: ${
        e instanceof Error ? e.message : String(e)}`, e);
  }
}

/**
 * The spec of --phoenix_spec_filename, or the default for examples of
 * `exampleShape` (defaultSpecFor); `label` names it in the log (the
 * default by its workspace path, not its runfiles one).
 */
export function loadSpec(exampleShape?: number[]):
    {spec: PhoenixSpec, file: string, label: string} {
  let file = FLAGS.get<string>('phoenix_spec_filename');
  let label = shownPath(file);
  if (file === '') {
    const fallback = defaultSpecFor(exampleShape ?? []);
    file = resolveWorkspacePath(fallback);
    label = `${fallback} (the default for ${
        exampleShape === undefined ? 'this' :
                                     `[${exampleShape.join(', ')}]`} data)`;
  }
  if (!fs.existsSync(file)) {
    throw new UsageError(`--phoenix_spec_filename=${file}: no such file`);
  }
  const spec = withShownPath(file, () => {
    const loaded = loadSpecFile(file);
    checkBlockNames(loaded, file);
    return loaded;
  });
  return {spec, file, label};
}

/**
 * Runs `read`, its errors naming `file` by shownPath: the user's own path
 * of a spec a test or binary reads from its runfiles.
 */
function withShownPath<T>(file: string, read: () => T): T {
  try {
    return read();
  } catch (e) {
    const shown = shownPath(file);
    if (e instanceof Error && shown !== file) {
      e.message = e.message.split(file).join(shown);
    }
    throw e;
  }
}

/**
 * replayPlans(spec), its refusal naming the spec's file: a replay spec is
 * often edited by hand.
 */
function replayPlansOf(spec: PhoenixSpec, file: string):
    ReturnType<typeof replayPlans> {
  try {
    return replayPlans(spec);
  } catch (e) {
    if (e instanceof ValueError) {
      let text = '';
      try {
        text = fs.readFileSync(file, 'utf8');
      } catch {
        // Named without a position.
      }
      const where = replayErrorPosition(text, e.message);
      e.message = `${shownPath(file)}${
          where === undefined ? '' : `:${where}`}: ${e.message}`;
    }
    throw e;
  }
}

/**
 * The ready config for examples of `shape`: images (3 dimensions) the CNN
 * config, sequences (2) the RNN config, anything else the DNN config.
 */
function defaultSpecFor(shape: number[]): string {
  return shape.length === 3 ? DEFAULT_CNN :
      shape.length === 2    ? DEFAULT_RNN_LAST :
                              DEFAULT_DNN;
}

/** The glibc malloc variables the search binaries' launcher sets. */
const MALLOC_VARIABLES = ['MALLOC_MMAP_THRESHOLD_', 'MALLOC_TRIM_THRESHOLD_'];

/**
 * Refuses a malloc variable that is not a number of bytes: glibc reads
 * "garbage" as 0, and a 0 mmap threshold maps every allocation on its
 * own (a search ran 4 to 7 times slower). The launcher removes one set
 * empty, so that glibc's own behaviour applies.
 */
function checkMallocVariables(env: NodeJS.ProcessEnv): void {
  for (const name of MALLOC_VARIABLES) {
    const value = env[name];
    if (value !== undefined && value !== '' && !/^\d+$/.test(value)) {
      throw new UsageError(
          `${name}=${JSON.stringify(value)} is not a number of bytes; glibc ` +
          'would read it as 0 and slow the search several times over. Give ' +
          'bytes (the launcher\'s default is 131072), or set it empty for ' +
          'glibc\'s own behaviour');
    }
  }
}

function requireModelDir(): string {
  const dir = FLAGS.get<string>('model_dir');
  if (dir === '') {
    throw new UsageError(
        '--model_dir is required: the directory the trials are written to');
  }
  const why = whyNoDirectory(dir);
  if (why !== undefined) {
    throw new UsageError(`--model_dir=${dir}${
        why.startsWith('exists') ? ' ' : ': '}${why}`);
  }
  return dir;
}

/**
 * Runs the binary; resolves to the process exit code.
 *
 * @param argv The command line after the program name.
 * @param log Receives the log lines; default: stderr.
 * @param progressStream Where the live progress line is drawn when it is
 *     a terminal; default: stderr.
 */
/**
 * The names the store keeps fit its columns: refused before anything is
 * written, rather than by the store once the study's files exist.
 */
function checkBookkeepingNames(): void {
  const length = (text: string) => [...text].length;
  const names: Array<[string, string, number]> = [
    ['experiment_name', FLAGS.get<string>('experiment_name'),
     LIMITS.experimentName],
    ['experiment_owner', FLAGS.get<string>('experiment_owner'),
     LIMITS.experimentOwner],
  ];
  const suffix = length(localWorkerId('x')) - 1;
  names.push(['tuner_id', FLAGS.get<string>('tuner_id'),
              LIMITS.workerId - suffix]);
  if (FLAGS.get<string>('experiment_name') === '') {
    throw new UsageError('--experiment_name is empty; give the study a name');
  }
  if (FLAGS.get<string>('experiment_owner') === '') {
    // With the name, the owner tells studies apart (cli trials asks for it).
    throw new UsageError('--experiment_owner is empty; give the study\'s ' +
                         'owner, or leave the flag out for your user name');
  }
  for (const [flag, value, limit] of names) {
    if (length(value) > limit) {
      throw new UsageError(`--${flag} is ${length(value)} characters long; ` +
                           `the bookkeeping keeps at most ${limit}${
                               flag === 'tuner_id' ?
                                   ' (with "@<host>:<pid>" after it)' :
                                   ''}`);
    }
  }
}

export async function main(
    argv: string[],
    log: (line: string) => void = (line) => {
      process.stderr.write(logEntry(line) + '\n');
    },
    progressStream: ProgressStream = process.stderr): Promise<number> {
  // Until the search installs its own (which stop it cleanly), a signal
  // stops the binary with a line saying so, not silently.
  const beforeSearch = (signal: NodeJS.Signals) => {
    log(`${signal}: stopped before the search started`);
    // By the signal itself: process.exit would wait for a read that
    // blocks a thread of Node's (a FIFO, a stalled network mount among
    // the data) before it ends the process.
    exitAtOnce(signal, STOP_SIGNAL_EXIT_CODES[signal] ?? 143);
  };
  const searchStarts = () => {
    for (const signal of STOP_SIGNALS) {
      process.removeListener(signal, beforeSearch);
    }
  };
  for (const signal of STOP_SIGNALS) process.on(signal, beforeSearch);
  // Those the binary installed while its modules loaded said the same.
  // Removed after ours are in: a signal Node has caught but not yet handed
  // to a listener is lost when the last listener of it goes.
  removeEarlySignalHandlers();
  try {
    // Here, so that a linked module's clash with them is said plainly.
    defineTrainerFlags();
    defineMetadataFlags();
    const positional = FLAGS.parse(argv);
    if (positional.length > 0) {
      throw new UsageError(`unexpected argument "${positional[0]}": the ` +
                           'search takes flags only (--name=value); see ' +
                           '--help');
    }
    if (FLAGS.get<boolean>('help')) {
      process.stdout.write(FLAGS.helpText() + '\n');
      return 0;
    }
    checkMallocVariables(process.env);
    resolvePathFlags();
    const modelDir = requireModelDir();
    for (const name of ['phoenix_train_steps', 'phoenix_batch_size',
                        'experiment_max_num_trials',
                        'phoenix_save_summary_steps']) {
      if (FLAGS.get<number>(name) < 1) {
        throw new UsageError(`--${name} must be at least 1, got ${
            FLAGS.get<number>(name)}`);
      }
    }
    const givenSeed = FLAGS.get<number>('phoenix_tf_random_seed');
    if (givenSeed < -1 || givenSeed > 4294967295) {
      // Seeds are 32 bits: a larger one would repeat a smaller one's search.
      throw new UsageError(`--phoenix_tf_random_seed=${givenSeed}: give a ` +
                           'seed in [0, 4294967295], or -1 for the clock\'s');
    }
    if (FLAGS.get<number>('max_failed_trials_in_a_row') < 1) {
      throw new UsageError(`--max_failed_trials_in_a_row must be at least 1, ` +
                           `got ${FLAGS.get<number>('max_failed_trials_in_a_row')}`);
    }
    if (FLAGS.get<number>('phoenix_eval_steps') < 0) {
      throw new UsageError(`--phoenix_eval_steps must be at least 0 (0: one ` +
                           `whole pass), got ${
                               FLAGS.get<number>('phoenix_eval_steps')}`);
    }
    checkBookkeepingNames();
    const leaseSeconds = leaseSecondsFromFlags();
    // The database flags are checked (not yet connected) before any work.
    const storeOptions = storeOptionsFromFlags(modelDir);
    const connection = resolveConnection(storeOptions);
    if (connection.dialect === 'sqlite' && connection.filename === ':memory:') {
      // Throwaway runs may want it; the rest should know what it costs.
      log('warning: --metadata_db=sqlite::memory: keeps the study in this ' +
          'process only: it cannot be resumed, joined by other workers, or ' +
          'read by `cli trials` and `cli report` once the search ends; give ' +
          'a file (sqlite:/path/metadata.db, or no --metadata_db for ' +
          '<model_dir>/model_search.db) to keep it');
    }
    const wasmLimitMb = FLAGS.get<number>('wasm_memory_limit_mb');
    if (wasmLimitMb < 0) {
      throw new UsageError(`--wasm_memory_limit_mb must be at least 0 (0: ` +
                           `never restart), got ${wasmLimitMb}`);
    }
    // A spec given is read, and a bad replay refused, before the data is;
    // the default spec is the one for the data's examples.
    const given = FLAGS.get<string>('phoenix_spec_filename') !== '' ?
        loadSpec() : undefined;
    if (given !== undefined) replayPlansOf(given.spec, given.file);
    // The backend starts before the provider is made and prepares its
    // data, so that tensors it makes in either live on it (made before,
    // they went to TensorFlow.js's cpu backend, which greets Node users
    // with a banner); its line follows the data's.
    const backendLines: string[] = [];
    await selectBackend(FLAGS.get<'auto'>('backend'),
                        (line) => backendLines.push(line),
                        {wasmThreads: FLAGS.get<number>('wasm_threads')});
    const provider = chooseProvider();
    // A prepare() that reads for long (a huge folder) or blocks (a FIFO,
    // a stalled mount) is said after a minute, not left silent.
    noticeSlowProviderWaits(log);
    try {
      await inProvider(`data provider ${FLAGS.get<string>('phoenix_dataset') ||
                           PROVIDERS.names()[0]}: prepare()`,
                       () => provider.prepare());
    } finally {
      noticeSlowProviderWaits(undefined);
    }
    checkProviderAnswers(provider, providerName(provider));
    const {spec, file, label} =
        given ?? loadSpec(provider.inputSchema().shape);
    const replay = replayPlansOf(spec, file);
    checkSpecFitsData(spec, shownPath(file), provider, providerName(provider));
    if (provider.getInputLayerFn === undefined) {
      // A provider with its own input layer shapes its inputs itself: its
      // batches are checked against the model, in the first trial.
      await checkFirstBatches(
          provider, FLAGS.get<number>('phoenix_batch_size'),
          problemTypeName(spec), log);
    }
    // Planning checks the search settings and block names of the spec.
    try {
      new TrialPlanner({
        spec, problemType: problemTypeName(spec),
        objective: {metric: FLAGS.get<string>('optimization_metric'),
                    goal: FLAGS.get<'minimize'>('optimization_goal')},
        hypertuningMethod: FLAGS.get<'random'>('hypertuning_method'),
        trainSteps: FLAGS.get<number>('phoenix_train_steps'),
      });
    } catch (e) {
      // A spec field's fault: the message names the file too.
      if (e instanceof ValueError && /phoenix_spec\./.test(e.message) &&
          !(e instanceof UsageError)) {
        // A study resumes only with the spec it was started with: one an
        // earlier version accepted and this one refuses is stuck here.
        const started = fs.existsSync(path.join(modelDir, STUDY_DATA_FILE)) ?
            `; if the study in --model_dir=${modelDir} was started with ` +
                'this spec by an earlier version of model_search, only ' +
                'that version can finish it (a spec changed to be ' +
                'accepted makes another study: give it a new ' +
                '--experiment_name and --model_dir)' :
            '';
        throw new UsageError(`${label}: ${e.message}${started}`);
      }
      throw e;
    }

    backendLines.forEach((line) => log(line));
    const seedFlag = FLAGS.get<number>('phoenix_tf_random_seed');
    // A study resumed (or joined) plans from the seed its first run
    // recorded, so that its trials are those of one uninterrupted run;
    // a new one unseeded from the clock's, printed so that it can be
    // repeated.
    const studyKey = {
      experimentName: FLAGS.get<string>('experiment_name'),
      experimentOwner: FLAGS.get<string>('experiment_owner'),
    };
    const studySeed = recordedSeed(modelDir, studyKey);
    const seed = seedFlag >= 0 ? seedFlag :
                                 studySeed ?? Date.now() % 4294967296;
    // The data and spec are valid: from here on model_dir is written.
    refuseForeignTrialNames(modelDir, '--model_dir');
    refuseTrialDirectory(modelDir, '--model_dir');
    const modelDirIsNew = !fs.existsSync(modelDir);
    // What a run refused before any trial wrote here is removed again.
    const entriesBefore =
        new Set(modelDirIsNew ? [] : fs.readdirSync(modelDir));
    try {
      makeDirectories(modelDir);
      fs.accessSync(modelDir, fs.constants.W_OK);
    } catch (e) {
      throw new UsageError(`--model_dir=${modelDir}: ${
          modelDirIsNew ? 'cannot create this directory' :
                          'cannot write in this directory'} (${
          whyNotWritable(modelDir, e as NodeJS.ErrnoException)}); give a ` +
          'directory you can write to');
    }
    // A SQLite file this run makes is removed again if the run is refused
    // before any trial: a refusal writes nothing.
    const newDatabaseFile = connection.dialect === 'sqlite' &&
            connection.filename !== ':memory:' &&
            !fs.existsSync(connection.filename) ?
        connection.filename :
        undefined;
    let store: Awaited<ReturnType<typeof createStore>>;
    try {
      store = await createStore(storeOptions);
    } catch (e) {
      // An unreachable database leaves no empty model directory behind
      // (another worker started with this one may have removed it first).
      try {
        if (modelDirIsNew && fs.readdirSync(modelDir).length === 0) {
          fs.rmdirSync(modelDir);
        }
      } catch {
        // Gone already, or filled meanwhile: left as it is.
      }
      throw e;
    }
    const trainSteps = FLAGS.get<number>('phoenix_train_steps');
    const {observers, progress} = standardObservers({
      spec,
      maxTrials: replay?.length ??
          FLAGS.get<number>('experiment_max_num_trials'),
      trainSteps,
      progressStream,
    });
    const searchLog = progress.line.wrap(log);
    if (!FLAGS.isPresent('optimization_goal') &&
        HIGHER_IS_BETTER.has(FLAGS.get<string>('optimization_metric'))) {
      log(`warning: --optimization_metric=${
          FLAGS.get<string>('optimization_metric')} is minimized, as ` +
          '--optimization_goal defaults to minimize (as in the original); ' +
          'give --optimization_goal=maximize to search for the highest');
    }
    if (FLAGS.get<string>('optimization_goal') === 'maximize' &&
        FLAGS.get<string>('optimization_metric') === 'loss') {
      log('warning: --optimization_goal=maximize with --optimization_metric=' +
          'loss searches for the models of the highest loss, the worst; ' +
          'give --optimization_goal=minimize (the default) for the best');
    }
    let refused = false;
    let refusedWithoutTrials = false;
    try {
      log(`spec ${label}; model_dir ${modelDir}; seed ${seed}${
          seedFlag >= 0 ? '' :
              studySeed !== undefined ?
                          ` (the study's, from its ${STUDY_DATA_FILE})` :
                          ` (the clock's; --phoenix_tf_random_seed=${
                              seed} repeats it)`}`);
      for (const line of unreadSpecSettings(spec)) log(`warning: ${line}`);
      // (One there but damaged is refused below, with the seed it holds.)
      const recordDamaged = entriesBefore.has(STUDY_DATA_FILE) &&
          !readsAsJson(path.join(modelDir, STUDY_DATA_FILE));
      // (One of another study is refused below, naming that study.)
      if (seedFlag < 0 && studySeed === undefined && !recordDamaged &&
          otherStudyOfDirectory(modelDir, studyKey) === undefined &&
          trialDirectoriesIn(modelDir).length > 0) {
        // Trial directories and no record of the seed: it was removed.
        log(`warning: the study has trials here but no seed on record (no ` +
            `${STUDY_DATA_FILE}, or one from before seeds were kept): its ` +
            `next trials are planned from seed ${seed}, not from the seed ` +
            'its first run printed; stop and pass ' +
            '--phoenix_tf_random_seed=<that seed> to plan as it would have');
      }
      // A seed given that differs from the study's is warned of by
      // runSearch, once it has read the study's record.
      const result = await runSearch({
        onSignalHandlersInstalled: searchStarts,
        spec,
        specText: studySpecText(spec),
        provider,
        store,
        modelDir,
        experimentName: FLAGS.get<string>('experiment_name'),
        experimentOwner: FLAGS.get<string>('experiment_owner'),
        maxTrials: FLAGS.get<number>('experiment_max_num_trials'),
        maxTrialsGiven: FLAGS.isPresent('experiment_max_num_trials'),
        maxFailedInARow: FLAGS.get<number>('max_failed_trials_in_a_row'),
        trainSteps,
        evalSteps: FLAGS.get<number>('phoenix_eval_steps'),
        batchSize: FLAGS.get<number>('phoenix_batch_size'),
        objective: {
          metric: FLAGS.get<string>('optimization_metric'),
          goal: FLAGS.get<'minimize'>('optimization_goal'),
        },
        // Neither flag given: a study resumed ranks as it did, as it plans
        // from its own seed (a new study takes the flags' defaults).
        objectiveGiven: FLAGS.isPresent('optimization_metric') ||
            FLAGS.isPresent('optimization_goal'),
        hypertuningMethod: FLAGS.get<'random'>('hypertuning_method'),
        seed,
        seedFromClock: seedFlag < 0 && studySeed === undefined,
        workerId: localWorkerId(FLAGS.get<string>('tuner_id')),
        leaseSeconds,
        wasmMemoryLimitBytes:
            wasmLimitMb === 0 ? undefined : wasmLimitMb * (1 << 20),
        stopOnSignals: true,
        log: searchLog,
        observers,
        summaryEverySteps: FLAGS.get<number>('phoenix_save_summary_steps'),
      });
      if (result.stoppedBy !== undefined) {
        return STOP_SIGNAL_EXIT_CODES[result.stoppedBy as string] ?? 143;
      }
    } catch (e) {
      if (e instanceof UsageError || e instanceof ValueError) {
        refused = true;
        refusedWithoutTrials = await holdsNoTrial(store);
      }
      if (e instanceof DataError && !(await holdsNoTrial(store))) {
        // Met by training or evaluation, once the study had begun: its
        // trials stay, and the trial that met it is recorded FAILED.
        e.message += `; the study in --model_dir=${modelDir} is kept: fix ` +
            'the data (or the provider), then run the same command to ' +
            'resume it';
      }
      if (e instanceof NotTheStudysDirectory) {
        // Trials of the study are elsewhere: what this worker wrote here
        // (the study's record, summaries of trials kept elsewhere) would
        // pass this directory for the study's.
        removeStudyFiles(modelDir);
      }
      throw e;
    } finally {
      progress.finish();
      await store.close();
      // Files another study's worker made meanwhile (its study_data.json,
      // which refused this run) are its own, not this run's to remove.
      const ownStudy = studyOfDirectory(modelDir);
      if (refusedWithoutTrials &&
          (ownStudy === undefined ||
           (ownStudy.experimentName === FLAGS.get<string>('experiment_name') &&
            (ownStudy.experimentOwner === undefined ||
             ownStudy.experimentOwner ===
                 FLAGS.get<string>('experiment_owner'))))) {
        removeRefusedRunFiles(modelDir, entriesBefore, newDatabaseFile);
      }
      // A study refused as resumed (another model directory or objective)
      // leaves no empty model directory behind either.
      if (refused && modelDirIsNew && fs.existsSync(modelDir) &&
          fs.readdirSync(modelDir).length === 0) {
        fs.rmdirSync(modelDir);
      }
    }
    return 0;
  } catch (e) {
    if (e instanceof UsageError || e instanceof DataError ||
        e instanceof ValueError || isSpecError(e)) {
      log(`error: ${(e as Error).message}`);
      return 2;
    }
    if (e instanceof SearchError || e instanceof StoreError) {
      // Not bad input, and not a bug: the message says it all.
      log(`error: ${e.message}`);
      return 1;
    }
    if (e instanceof Error && typeof (e as NodeJS.ErrnoException).syscall ===
                                  'string') {
      // The system refused a file operation (a full disk, say): its
      // message names the operation and the file.
      const code = (e as NodeJS.ErrnoException).code;
      const full = code === 'ENOSPC' || code === 'EDQUOT';
      log(`error: ${e.message}${
          full ? '; free space on that disk, or files: a disk can run ' +
                  'out of those first (`df -h` and `df -i` show both), or ' +
                  'give a --model_dir on another, then run the same ' +
                  'command to resume' :
          code === 'EACCES' || code === 'EPERM' ?
                 '; the search may no longer write there (its permissions ' +
                  'changed while it ran): give it back the permission, ' +
                  'then run the same command to resume' :
          code === 'EROFS' ?
                 '; the file system turned read-only while the search ran ' +
                  '(a disk error makes Linux do so): once it is writable ' +
                  'again, run the same command to resume' :
                 ''}`);
      return 1;
    }
    if (e instanceof WASM_RUNTIME_ERROR) {
      // The wasm backend's heap is at most 4 GB; a batch of large inputs
      // (images at their default 320x240, say) overruns it, and the
      // backend cannot be used again in this process.
      log(`error: the wasm backend failed (${e.message}): a trial's ` +
          'tensors most likely outgrew its memory (4 GB at most); lower ' +
          `--phoenix_batch_size (${FLAGS.get<number>('phoenix_batch_size')})` +
          ' or the size of the inputs (--image_height, --image_width)' +
          (process.env['MODEL_SEARCH_DEBUG'] ? `
${e.stack}` :
                                               ' (MODEL_SEARCH_DEBUG=1 ' +
                   'prints its stack)'));
      return 1;
    }
    // The training loop names "the data provider"; which one, here.
    const named = (message: string) => message.replace(
        /^the data provider's/,
        `data provider ${FLAGS.get<string>('phoenix_dataset') ||
                         PROVIDERS.names()[0]}:`);
    if (e instanceof ProviderNeverAnswered) {
      log(`error: ${named(e.message)}`);
      return 1;
    }
    if (e instanceof ProviderError) {
      // The user's code: where it threw matters to them, not our frames.
      const message = named(e.message);
      log(`error: ${message}${
          process.env['MODEL_SEARCH_DEBUG'] ?
              `
${(e.cause as Error)?.stack ?? e.cause}` :
              ' (MODEL_SEARCH_DEBUG=1 prints its stack)'}`);
      return 1;
    }
    log(`error: ${(e as Error).stack ?? e}`);
    return 1;
  } finally {
    searchStarts();
  }
}

/**
 * Removes the study's own files from a model directory that turned out not
 * to be the study's (NotTheStudysDirectory), when it holds no trial
 * directory: its record and summaries would pass it for the study's.
 */
function removeStudyFiles(modelDir: string): void {
  const entries = fs.readdirSync(modelDir, {withFileTypes: true});
  if (entries.some((e) => e.isDirectory() && isTrialDirectoryName(e.name))) {
    return;
  }
  for (const name of [STUDY_DATA_FILE, SUMMARY_JSON, SUMMARY_CSV,
                      REPLAY_SPEC_FILENAME]) {
    fs.rmSync(path.join(modelDir, name), {force: true});
  }
}

/**
 * Removes what a run refused before any trial wrote in `modelDir`: the
 * files that were not there before it (`entriesBefore`), and the SQLite
 * database it made. Not those of another worker of the study started at
 * the same moment, which may be running: when the study's record
 * (study_data.json) appeared meanwhile and this run did not write it, only
 * this run's own temporaries go; another process's temporaries and locks
 * (dot files with its tag) always stay. Directories stay (a trial's, or a
 * worker's temporary).
 */
export function removeRefusedRunFiles(
    modelDir: string, entriesBefore: ReadonlySet<string>,
    newDatabaseFile: string|undefined): void {
  const othersRecord = !entriesBefore.has(STUDY_DATA_FILE) &&
      fs.existsSync(path.join(modelDir, STUDY_DATA_FILE)) &&
      !studyDataRecordedHere(modelDir);
  const ownTag = temporaryTag();
  for (const entry of fs.readdirSync(modelDir, {withFileTypes: true})) {
    if (!entry.isFile() || entriesBefore.has(entry.name)) continue;
    const own = entry.name.includes(`tmp-${ownTag}`);
    if (entry.name.startsWith('.') || entry.name.includes('.tmp-') ?
            !own :
            othersRecord) {
      continue;
    }
    fs.rmSync(path.join(modelDir, entry.name), {force: true});
  }
  // The database only if this run made it, and no worker that may use it
  // wrote the study's record.
  if (newDatabaseFile !== undefined && !othersRecord) {
    removeDatabaseFile(newDatabaseFile);
  }
}

/** Whether no study of the store has a trial (a refused run's database). */
async function holdsNoTrial(
    store: Awaited<ReturnType<typeof createStore>>): Promise<boolean> {
  try {
    for (const study of await store.listStudies?.() ?? []) {
      if ((await store.listTrials(study.studyId)).length > 0) return false;
    }
    return true;
  } catch {
    return false;  // Unreadable: kept, to be looked at.
  }
}

/** A SQLite database file and the journal files beside it. */
function removeDatabaseFile(file: string): void {
  for (const suffix of ['', '-wal', '-shm', '-journal']) {
    fs.rmSync(`${file}${suffix}`, {force: true});
  }
}


function isSpecError(e: unknown): boolean {
  return e instanceof Error && e.name === 'TextFormatError';
}

/**
 * `binary 2>&1 | head`: when the reader of the log goes away, the search
 * stops as a pipe's writer would, but cleanly, as on SIGTERM (the running
 * trial FAILED, the summaries written; exit 141, 128 + SIGPIPE), and says
 * nothing more. Node ignores SIGPIPE and reports EPIPE on the next write
 * instead, as an error of the stream.
 */
export function stopWhenTheLogReaderGoes(): void {
  let stopping = false;
  const readerGone = (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
    const quiet = (() => true) as unknown as typeof process.stderr.write;
    process.stdout.write = quiet;
    process.stderr.write = quiet;
    if (stopping) return;
    stopping = true;
    noteLogReaderGone();
  };
  process.stdout.on('error', readerGone);
  process.stderr.on('error', readerGone);
}

/**
 * Runs `run` (a main) and exits with the code it returns. Should the
 * process run out of work before it returns, a promise it awaits never
 * settles (a provider's prepare() or batch that never answers, say): node
 * would exit 0 having done nothing; this says what was waited for and
 * exits 1.
 */
export function runMain(run: () => Promise<number>): void {
  let done = false;
  let gaveUp = false;
  process.on('beforeExit', () => {
    if (done) return;
    const waited = providerWaits();
    if (!gaveUp && waited.length > 0) {
      // The waits fail as the provider's error: the search unwinds as on
      // any provider error (the trial FAILED, its files removed, the
      // summaries written) and main returns 1 naming it.
      gaveUp = true;
      stopWaitingForProviders(new ProviderNeverAnswered(waited.join(' and ')));
      return;
    }
    done = true;
    process.stderr.write(
        `error: ${new ProviderNeverAnswered('the search').message}\n`);
    process.exitCode = 1;
  });
  run().then((code) => {
    done = true;
    // Now, not when the event loop empties: a provider's open handles (a
    // socket, a timer) would keep a finished search alive.
    process.exit(code);
  });
}

if (require.main === module) {
  stopWhenTheLogReaderGoes();
  runMain(() => main(process.argv.slice(2)));
}

/** Whether `file` holds a JSON object. */
function readsAsJson(file: string): boolean {
  try {
    const value = JSON.parse(fs.readFileSync(file, 'utf8')) as unknown;
    return typeof value === 'object' && value !== null;
  } catch {
    return false;
  }
}
