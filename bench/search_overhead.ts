/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * Where a search's time and memory go, trial after trial: a study of
 * --trials trials with the standard observers (event files, summary,
 * replay spec), of the cnn config on the test images at 16x16 (as
 * image_data_for_binary_test runs) or the dnn config on the breast cancer
 * data. Prints the time per trial spent in training steps, in evaluation
 * and elsewhere (planning, building the model, bookkeeping, export: the
 * search overhead) phase by phase, and tensors alive and RSS after trial 5,
 * half way and after the last, with how much of RSS is V8's heap and how
 * much the wasm backend's memory.
 *
 *   tools/bazel run //bench:search_overhead -- [--problem=cnn|dnn]
 *       [--trials=50] [--train_steps=20] [--eval_steps=20] [--batch_size=2]
 *       [--backend=wasm] [--model_dir=DIR] [--runs=3] [--wasm_memory_limit_mb=12]
 *       [--trial_writer=thread|inline|both]
 *
 * Each search runs in a fresh process, --runs times (a shared machine's
 * slow spells vary a run by a fifth); the time per trial is that of the
 * run of median overhead share, whose figures add up where medians of
 * each need not, the other figures medians. Memory is sampled by an
 * observer of the running search after trials 5, half way and the last,
 * once the trial's model is gone; the collection that sampling starts is
 * not counted in the search's time.
 *
 * The defaults are those of model_search_oss_test (the cnn config, 20 + 20
 * steps of batch 2); raise --train_steps to see the overhead of a real
 * search. The trial directories go to a new directory under --model_dir
 * (default the system's temporary directory), removed at the end: file
 * creation costs differ from disk to disk.
 *
 * Known shortcoming: the target of at most 5% of trial time outside
 * training and evaluation is met by trials of a few hundred steps (200
 * steps of 32 on the dnn config: 3.3%; the binary's defaults, 1000 steps
 * of 100: 1.2%), not by the test settings (cnn and dnn: 11-15%, on this
 * project's CI machines, the dnn's share higher since its training steps
 * got faster; 12-13.5% before the spare files and the kept wasm module
 * below). Their trials train
 * for 20 steps of 2 examples (50-80 ms), while each trial builds a
 * TensorFlow.js model graph (about 3 ms: the layers' graph, and 1 ms of
 * seeded initial weights) and writes a directory of ten files through a
 * thread of its own (trial_writer.ts) while the model is evaluated. The
 * export phase (about 3 ms) keeps the weights' read-out, the files'
 * encoding and checksum, and the wait for the thread's last files and
 * rename, about 1 ms from the search thread's side. Making a file on
 * these disks took 80-300 us, depending on the hour, writing into one
 * 12 us: the thread makes the files of a trial, empty, while it trains
 * (export 3.3 against 4.4 ms made as written, cnn; 3.3 against 4.3 ms,
 * dnn; medians of four alternating runs). The bookkeeping around (claim,
 * plan, record, observers) takes another 2 ms, and on the cnn config the
 * wasm restarts 2 ms a trial (three in 50 trials, 31 ms each: a new
 * instance of the module compiled at the first start, 42 ms compiling
 * anew, then the collection that frees the old memory. Traced with
 * --trace-gc, that gc() is two full collections, 13-25 ms each: the first
 * finishes an incremental marking V8 starts while the new instance
 * starts, the second frees the old memory.)
 *
 * Handing the requests of a trial to the writer thread (four
 * postMessage calls) takes 0.6 ms of the search thread on a quiet machine
 * (median 0.03 ms a call, a tenth of them 0.35-0.5 ms: the thread woken
 * takes the core for a while), and 4-5 ms a trial when other processes
 * keep both cores busy (calls of up to 16 ms); measured by wrapping
 * Worker.prototype.postMessage in a --require'd script.
 *
 * Measured and not kept (cnn test settings, alternating runs unless
 * said): the writer thread looking for the next request for up to 30 ms
 * after a trial's model files instead of sleeping, so that the files
 * written after evaluation and the commit start without waiting for the
 * thread to wake (the thread woke 0.1-3 ms after a message; export 5.0-5.7
 * against 4.7-5.5 ms, four runs each: worse); the initial weights drawn
 * straight into the wasm memory, and zeros made there by its Fill kernel
 * (build no different in four runs each; RSS no different); the restart's
 * collection run before the new instance starts, to save the first of
 * the two (the old instance is still referenced then, from the native
 * kernels' bindings of TensorFlow.js, and its memory stays: checked in
 * /proc/self/maps); gc({type: 'major'}) (2 ms, but the old memory stays);
 * no collection at the restart (RSS stayed 15-35 MB higher for the next
 * 15 trials: V8 collects it late); the restart's collection started
 * asynchronously (gc({type: 'major', execution: 'async'}): the restarts
 * took 5-8 ms instead of 48-59 ms, but the timers phase grew by 1.4-1.6
 * ms a trial, the collection's work done on the same thread a little
 * later, while a trial trains: total overhead 15.5 and 16.4
 * against 16.5 and 16.9 ms, RSS growth the same, two alternating pairs of
 * three runs each: within the noise); TensorFlow.js layers' cache of
 * topologically sorted graphs (TOPOLOGICAL_SORT_CACHE_MAX_ENTRIES, 100
 * entries, each holding an earlier trial's layer objects) cut to 8: the
 * heap after 50 trials is the same, 33.9 MB; jemalloc (LD_PRELOAD), one
 * malloc arena, or a 32 KB mmap threshold (dnn RSS no better in two runs
 * each; jemalloc 20% higher); node's --optimize-for-size (dnn: RSS 112
 * against 138 MB after trial 50, growth from trial 5 medians 4.6% and
 * 6.6% against 12.9% and 13.3%, V8's heap 39-41 MB against 57-62 MB;
 * but training steps 40% slower, 102-118 against 72-85 ms a trial, two
 * alternating pairs of two runs); --heap-growing-percent=10 (no
 * difference: RSS growth 10.3% and 10.6% against 11.5% and 10.7%).
 *
 * Memory: with the binary's --wasm_memory_limit_mb (12 MB), tensors get
 * placed ever higher in the wasm memory as trials come and go (from 5 to
 * 15 MB of it) until a restart gives the pages back (+16% RSS without).
 * What places them higher is a few large trials, not the allocator:
 * traced trial by trial with no restarts (--wasm_memory_limit_mb=0), the
 * first 32 trials needed at most 4 MB of tensors at once and reached
 * 4.6-6.3 MB of the memory; trials 33, 37 and 44 (two wide convolutions
 * and a DUAL_RESNET) needed 12-15 MB and reached 18.5 and 22.7 MB, which
 * every later trial kept (1.5 times their peak: the rest is the
 * allocator's). So the restarts (three in 50 trials, 29-38 ms each, 2-2.4
 * ms a trial) follow the large trials, and trade time for RSS: no
 * allocator can give pages back to the system from inside the memory.
 * RSS after trial 50 is 7-9% above RSS after trial 5 on the cnn test
 * settings (medians of three runs; 136-137 MB after trial 50 on the CI
 * machines, the difference being trial 5's): 10-12% before the writer
 * thread collected its young generation after each trial
 * (trial_writer_thread.ts: its allocations walked through 8 MiB
 * semi-spaces, touching a few more pages each trial). Known shortcoming:
 * on the dnn test settings, 9-16% (medians 11-15%), level from trial 25
 * to 50 (-4% to +3%); earlier, before that
 * collection, RSS grew by
 * 12-26% from trial 5 to 50 (medians of three runs 13-17%), the same before
 * and after the changes below; from trial 25 to 50 it is level (medians
 * -3% to +4%): warm-up rather than a leak (the cnn config over 200
 * trials: RSS 156 MB after trial 100, 151 MB after trial 200). There the models of later trials are larger
 * (their tensors need up to 4 MB at once, against 1 MB for trial 5's:
 * +3.3 MB of wasm pages); the rest is V8's heap (+5-8 MB, its committed
 * size growing more than its use) and glibc's heap (+5 MB read in
 * /proc/self/smaps, fragmentation of the small buffers each trial's
 * weights pass through). Tensors are back to zero after every trial.
 *
 * Two leaks were found on the way. The writer thread received each
 * trial's files as buffers and collected garbage so rarely that up to
 * 52 MB of them waited in its heap (RSS that came and went by as much):
 * it now reads them from one staging area of shared memory. And
 * TensorFlow.js keeps every weight name it ever made unique in a map of
 * its own; names carry the trial id, so about 3 KB of V8's heap stays
 * per trial (30 MB per 10,000 trials), which the project cannot release.
 */

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {performance} from 'node:perf_hooks';
import * as v8 from 'node:v8';

import {BACKEND_ALIASES, BACKEND_CHOICES, selectBackend} from '../model_search/backend/select_backend';
import type {BackendRequest} from '../model_search/backend/select_backend';
import {tf} from '../model_search/backend/tf';
import {DEFAULT_WASM_MEMORY_LIMIT_MB, wasmRestartCount, wasmRestartSeconds, wasmTensorHighWaterBytes} from '../model_search/backend/wasm_restart';
import {DEFAULT_CNN, DEFAULT_DNN, resolveWorkspacePath} from '../model_search/constants';
import {STOP_SIGNAL_EXIT_CODES, STOP_SIGNALS} from '../model_search/early_signals';
import {CsvDataProvider} from '../model_search/data/csv_data';
import {Provider as ImageDataProvider} from '../model_search/data/image_data';
import {UsageError} from '../model_search/errors';
import {FlagSet, parseCommandFlags} from '../model_search/flags';
import {createStore} from '../model_search/metadata/create_store';
import {runSearch} from '../model_search/oss_trainer_lib';
import type {TrialObserver} from '../model_search/oss_trainer_lib';
import {loadSpecFile, printPhoenixSpec} from '../model_search/proto/text_format';
import {standardObservers} from '../model_search/search_observers';
import {makeDirectories, resolveUserPath, whyNoDirectory} from '../model_search/user_paths';
import {SEARCH_PHASES, SearchTimings} from '../model_search/search_timings';
import {isWasmOutOfMemory, median, medianIndex, runBenchmark, runChildForwardingSignals, wasmOutOfMemoryLine} from './bench_main';

/** The test data, found from any working directory (the runfiles). */
const TESTDATA = resolveWorkspacePath('model_search/data/testdata');

/**
 * Set in the environment of the child that runs one search and prints its
 * figures as JSON: not a flag, which --help would show to users.
 */
const RUN_ONE_ENV = 'SEARCH_OVERHEAD_RUN_ONE';

const flags = new FlagSet();
flags.define('problem', {type: 'string', default: 'cnn',
  help: 'cnn (images) or dnn (CSV).'});
flags.define('model_dir', {type: 'string', default: '',
  help: 'Where the study directory is made (itself made when missing); ' +
        'default the temporary directory.'});
flags.define('trials', {type: 'int', default: 50, help: 'Trials to run.'});
flags.define('train_steps', {type: 'int', default: 20,
  help: 'Training steps per trial.'});
flags.define('eval_steps', {type: 'int', default: 20,
  help: 'Evaluation batches per trial; 0 evaluates one whole pass.'});
flags.define('batch_size', {type: 'int', default: 2, help: 'Batch size.'});
flags.define('backend', {type: 'string', default: 'wasm',
  choices: [...BACKEND_CHOICES], choiceAliases: {...BACKEND_ALIASES},
  help: 'TensorFlow.js backend, as the search binaries\' --backend.'});
flags.define('wasm_memory_limit_mb', {type: 'int',
  default: DEFAULT_WASM_MEMORY_LIMIT_MB,
  help: 'As the search binary\'s flag: restart the wasm backend after a ' +
        'trial that left more than this many MB of its memory used, over ' +
        'twice what its tensors needed at once (0: never).'});
flags.define('trial_writer', {type: 'string', default: 'thread',
  help: 'Who writes the trial directories: thread (a thread of their own, ' +
        'while the model is evaluated), inline (the search\'s thread), or ' +
        'both, run after run, to compare.'});
flags.define('runs', {type: 'int', default: 3,
  help: 'Searches, each in a fresh process; the time per trial is that ' +
        'of the run of median overhead share, the other figures medians.'});

declare interface Sample {
  trial: number;
  tensors: number;
  rssMb: number;
  heapMb: number;
  /** V8's heap as reserved from the system (used or not). */
  heapTotalMb: number;
  /** Memory of ArrayBuffers and Buffers outside the JS heap. */
  externalMb: number;
  /** The wasm backend's linear memory: it grows and never shrinks. */
  wasmMb: number;
  /** Of RSS: pages of the wasm memory (the backend's high-water mark). */
  wasmResidentMb?: number;
  /** How far into the wasm memory tensors have been placed. */
  wasmTensorHighMb: number;
  /** Of RSS: pages V8 holds for its heap (young generation included). */
  v8ResidentMb: number;
}

function wasmMemoryMb(): number {
  const backend = tf.backend() as unknown as {wasm?: {HEAPU8?: Uint8Array}};
  return (backend.wasm?.HEAPU8?.length ?? 0) / (1 << 20);
}

/**
 * Resident MB of the wasm memory, read from /proc/self/smaps: V8 maps it
 * as one read-write anonymous range of exactly its size. Undefined where
 * there is no smaps or no single such range.
 */
function wasmResidentMb(): number|undefined {
  const bytes = wasmMemoryMb() * (1 << 20);
  let smaps: string;
  try {
    smaps = fs.readFileSync('/proc/self/smaps', 'utf8');
  } catch {
    return undefined;
  }
  const found: number[] = [];
  let matching = false;
  for (const line of smaps.split('\n')) {
    const range = /^([0-9a-f]+)-([0-9a-f]+) (\S+) \S+ \S+ \S+\s*(\S*)$/
                      .exec(line);
    if (range !== null) {
      matching = range[3].startsWith('rw') && range[4] === '' &&
          parseInt(range[2], 16) - parseInt(range[1], 16) === bytes;
    } else if (matching && line.startsWith('Rss:')) {
      found.push(parseInt(line.slice(4), 10) / 1024);
    }
  }
  return found.length === 1 ? found[0] : undefined;
}

/** Pages V8 holds for its heap spaces, in MB. */
function v8ResidentMb(): number {
  return v8.getHeapSpaceStatistics().reduce(
             (sum, space) => sum + space.physical_space_size, 0) /
      (1 << 20);
}

/** What one search measured, per trial where it says so. */
declare interface RunFigures {
  backend: string;
  /** Wall seconds of the searches. */
  wall: number;
  /** Seconds per phase (SEARCH_PHASES). */
  phases: Record<string, number>;
  /** After trial 5, half way and after the last. */
  samples: Sample[];
  /** Bytes of the trial directories, all trials together. */
  trialBytes: number;
  /** Restarts of the wasm backend (--wasm_memory_limit_mb). */
  restarts: number;
  /** Seconds those restarts took. */
  restartSeconds: number;
}

/**
 * Where memory is sampled: after trial 5 (the target's baseline), half way
 * and after the last, so that warm-up can be told from a leak.
 */
function checkpoints(trials: number): number[] {
  return [...new Set([5, Math.round(trials / 2), trials])]
      .filter((t) => t >= 1 && t <= trials)
      .sort((a, b) => a - b);
}

/**
 * runOne, the wasm backend out of memory said in one line naming the flag
 * that sizes what it holds (the parent passes the line on, exit 2).
 */
async function runOneOrRefuse(): Promise<RunFigures> {
  try {
    return await runOne();
  } catch (e) {
    if (!isWasmOutOfMemory(e)) throw e;
    throw new UsageError(`--batch_size=${flags.get<number>('batch_size')}: ${
        wasmOutOfMemoryLine(e, 'give a smaller --batch_size, or ' +
                               '--backend=tensorflow when installed')}`);
  }
}

/** One search in this process. */
async function runOne(): Promise<RunFigures> {
  const trials = flags.get<number>('trials');
  const trainSteps = flags.get<number>('train_steps');
  const log = (line: string) => process.stderr.write(line + '\n');
  const backend = await selectBackend(
      flags.get<string>('backend') as BackendRequest, () => {});
  const problem = flags.get<string>('problem');
  const modelDir = fs.mkdtempSync(path.join(
      modelDirFlag() || os.tmpdir(), 'search_overhead_'));
  // Interrupted, the study goes with it; so it does on any other end
  // but SIGKILL (a write to the parent's pipe after the parent died).
  process.on('exit', () => {
    fs.rmSync(modelDir, {recursive: true, force: true});
  });
  for (const signal of STOP_SIGNALS) {
    process.once(signal, () => {
      process.exit(STOP_SIGNAL_EXIT_CODES[signal]);
    });
  }
  const provider = problem === 'cnn' ?
      new ImageDataProvider({
        inputDir: `${TESTDATA}/images`, imageHeight: 16, imageWidth: 16,
        evalFraction: 0.2, log: () => {},
      }) :
      new CsvDataProvider({
        filename: `${TESTDATA}/breast_cancer_train.csv`,
        validationFilename: `${TESTDATA}/breast_cancer_validation.csv`,
        log: () => {},
      });
  await provider.prepare();
  // Found from any working directory, as TESTDATA.
  const spec = loadSpecFile(
      resolveWorkspacePath(problem === 'cnn' ? DEFAULT_CNN : DEFAULT_DNN));
  const store = await createStore(
      {url: `sqlite:${path.join(modelDir, 'model_search.db')}`});
  const samples: Sample[] = [];
  const {observers} = standardObservers({
    spec, maxTrials: trials, trainSteps,
    progressStream: {write: () => true},
  });
  const timings = new SearchTimings();
  // Memory is sampled by an observer of the study, when the trial's model
  // is gone; the time that takes (a garbage collection) is not the
  // search's, and is taken off its figures.
  let samplingSeconds = 0;
  const wanted = checkpoints(trials);
  const sampler: TrialObserver = {
    onStudyUpdate: (_dir, all) => {
      const completed = all.filter((t) => t.state === 'COMPLETED').length;
      if (completed !== wanted[samples.length]) return;
      const start = performance.now();
      sample(completed);
      samplingSeconds += (performance.now() - start) / 1000;
    },
  };
  const sample = (trial: number) => {
    // Collected first (node runs with --expose-gc), so that the figures
    // count what is kept rather than garbage not yet swept.
    (globalThis as {gc?: () => void}).gc?.();
    const memory = process.memoryUsage();
    samples.push({trial, tensors: tf.memory().numTensors,
                  rssMb: memory.rss / (1 << 20),
                  heapMb: memory.heapUsed / (1 << 20),
                  heapTotalMb: memory.heapTotal / (1 << 20),
                  externalMb: memory.external / (1 << 20),
                  wasmMb: wasmMemoryMb(), wasmResidentMb: wasmResidentMb(),
                  wasmTensorHighMb: wasmTensorHighWaterBytes() / (1 << 20),
                  v8ResidentMb: v8ResidentMb()});
  };
  let wall = 0;
  try {
    const start = performance.now();
    await runSearch({
      spec, specText: printPhoenixSpec(spec), provider, store, modelDir,
      experimentName: 'search_overhead', experimentOwner: 'bench',
      maxTrials: trials, trainSteps,
      evalSteps: flags.get<number>('eval_steps'),
      batchSize: flags.get<number>('batch_size'),
      objective: {metric: 'loss', goal: 'minimize'},
      hypertuningMethod: 'random', seed: 1,
      observers: [...observers, sampler], timings,
      trialWriterThread: flags.get<string>('trial_writer') === 'thread',
      wasmMemoryLimitBytes: flags.get<number>('wasm_memory_limit_mb') > 0 ?
          flags.get<number>('wasm_memory_limit_mb') * (1 << 20) :
          undefined,
      log: (line) => {
        if (/^trial \d+ \[/.test(line)) log(line);
      },
    });
    wall = (performance.now() - start) / 1000 - samplingSeconds;
  } finally {
    await store.close();
  }
  const trialBytes = fs.readdirSync(modelDir)
                         .filter((name) => /^\d+$/.test(name))
                         .reduce((sum, name) =>
                             sum + bytesUnder(path.join(modelDir, name)), 0);
  fs.rmSync(modelDir, {recursive: true, force: true});
  const phases: Record<string, number> = {};
  for (const phase of SEARCH_PHASES) phases[phase] = timings.seconds(phase);
  phases['observe'] -= samplingSeconds;
  return {backend: backend.name, wall, phases, samples, trialBytes,
          restarts: wasmRestartCount(), restartSeconds: wasmRestartSeconds()};
}

function bytesUnder(dir: string): number {
  let sum = 0;
  for (const entry of fs.readdirSync(dir, {withFileTypes: true})) {
    const full = path.join(dir, entry.name);
    sum += entry.isDirectory() ? bytesUnder(full) : fs.statSync(full).size;
  }
  return sum;
}

/**
 * How fast the disk under --model_dir takes new files of 4 MB (a large
 * model's weights): the share of export that no code here can remove.
 */
function diskWriteMbPerSecond(): number {
  const dir = fs.mkdtempSync(path.join(
      modelDirFlag() || os.tmpdir(), 'disk_speed_'));
  // A signal meanwhile ends the process through process.exit (main).
  const remove = () => fs.rmSync(dir, {recursive: true, force: true});
  process.once('exit', remove);
  try {
    const data = new Uint8Array(4 << 20).fill(7);
    const start = performance.now();
    for (let i = 0; i < 16; i++) {
      fs.writeFileSync(path.join(dir, `weights_${i}.bin`), data);
    }
    return 64 / ((performance.now() - start) / 1000);
  } finally {
    remove();
    process.off('exit', remove);
  }
}

/**
 * --model_dir as the user meant it: relative to where `bazel run` was
 * typed, not to the runfiles it runs in; '' when not given.
 */
function modelDirFlag(): string {
  return resolveUserPath(flags.get<string>('model_dir'), true);
}

/** Whether a search runs in a child, which a signal goes on to. */
let childRunning = false;

/**
 * Stops this process on a signal while no search child runs (measuring
 * the disk, printing), through process.exit: what it made goes with it.
 */
function stopOnSignals(): void {
  for (const signal of STOP_SIGNALS) {
    process.on(signal, () => {
      if (childRunning) return;  // runChild forwards it and waits
      process.stderr.write(`search_overhead: ${signal}: stopped\n`);
      process.exit(STOP_SIGNAL_EXIT_CODES[signal]);
    });
  }
}

/**
 * Runs one search in a fresh node process and reads its figures. A signal
 * to this process goes on to the search's, which removes its study
 * directory; this one then exits as the signal says (Ctrl-C in a terminal
 * signals both: the search's is then told twice, which it takes as once).
 */
async function runChild(writer: string): Promise<RunFigures> {
  const args = [...process.execArgv, process.argv[1],
                ...process.argv.slice(2), `--trial_writer=${writer}`];
  childRunning = true;
  const child = await runChildForwardingSignals(
      'search_overhead', process.execPath, args,
      {...process.env, [RUN_ONE_ENV]: '1'});
  childRunning = false;
  if (child.error !== undefined) throw child.error;
  if (child.status === 2) {
    // A wrong flag value the search itself found (--backend=...): its line.
    const lines = child.stderr.trim().split('\n');
    throw new UsageError(
        lines[lines.length - 1].replace(/^search_overhead: /, ''));
  }
  if (child.status !== 0) {
    throw new Error(`a search failed (exit ${child.status}):\n${
        child.stderr}`);
  }
  return JSON.parse(child.stdout) as RunFigures;
}

/** Seconds of a search outside training and evaluation steps. */
function overheadOf(r: RunFigures): number {
  return r.wall - r.phases['train'] - r.phases['evaluate'];
}

/**
 * The run whose overhead share is the median of the runs' (the lower of
 * the middle two for an even count), as an index into `runs`.
 */
function medianRun(runs: RunFigures[]): number {
  return medianIndex(runs.map((r) => overheadOf(r) / r.wall));
}

/**
 * Prints the figures of the runs; returns the overhead's share, that of
 * the run of median share, whose time per trial is printed first: figures
 * of one run add up, medians of each need not.
 */
function report(runs: RunFigures[]): number {
  const trials = flags.get<number>('trials');
  const perTrial = (f: (r: RunFigures) => number) =>
      1000 * median(runs.map(f)) / trials;
  const chosen = medianRun(runs);
  const run = runs[chosen];
  const ms = (seconds: number) => 1000 * seconds / trials;
  const share = overheadOf(run) / run.wall;
  console.log(`per trial (${runs.length > 1 ? `run ${chosen + 1} of ${
      runs.length}, the one of median overhead share` : 'one run'}): ${
      ms(run.wall).toFixed(1)} ms = training ${
      ms(run.phases['train']).toFixed(1)} ms + evaluation ${
      ms(run.phases['evaluate']).toFixed(1)} ms + overhead ${
      ms(overheadOf(run)).toFixed(1)} ms (${(100 * share).toFixed(1)}%)`);
  const outside =
      SEARCH_PHASES.filter((p) => p !== 'train' && p !== 'evaluate');
  const rest = (r: RunFigures) =>
      overheadOf(r) - outside.reduce((sum, p) => sum + r.phases[p], 0);
  console.log(`overhead per trial: ${outside.map((p) => `${p} ${
      perTrial((r) => r.phases[p]).toFixed(1)} ms`).join(', ')}, study ` +
      `start and end ${perTrial(rest).toFixed(1)} ms${
          runs.length > 1 ? ' (each the median of its own over the runs: ' +
                  'they need not add up to the overhead\'s)' :
                            ''}`);
  // Other backends have no wasm memory: its figures left out, not 0.
  const wasm = runs[0].backend === 'wasm';
  const describe = (x: Sample) => `${x.tensors} tensors, RSS ${
      x.rssMb.toFixed(0)} MB (JS heap ${x.heapMb.toFixed(0)} MB used of ${
      x.heapTotalMb.toFixed(0)} MB, external ${x.externalMb.toFixed(0)} MB${
      wasm ? `, wasm memory ${x.wasmMb.toFixed(0)} MB with tensors placed ` +
             `up to ${x.wasmTensorHighMb.toFixed(0)} MB` : ''}; ` +
      `resident: V8 heap ${x.v8ResidentMb.toFixed(0)} MB${
          wasm ? `, wasm memory ${
              x.wasmResidentMb?.toFixed(0) ?? 'n/a'} MB` : ''})`;
  if (wasm) {
    const limit = flags.get<number>('wasm_memory_limit_mb');
    console.log(limit === 0 ?
        'wasm backend restarts: off (--wasm_memory_limit_mb=0)' :
        `wasm backend restarts (memory above ${limit} MB): ${
            runs.map((r) => r.restarts).join(', ')} per run${
            runs.some((r) => r.restarts > 0) ?
                `, ${(1000 * median(runs.filter((r) => r.restarts > 0).map(
                    (r) => r.restartSeconds / r.restarts))).toFixed(0)} ms ` +
                    'each (median)' : ''}`);
  }
  const first = runs[0].samples;
  const ofRun = runs.length > 1 ? ' (run 1)' : '';
  for (const sample of first) {
    console.log(`memory after trial ${sample.trial}${ofRun}: ${
        describe(sample)}`);
  }
  const growth = (from: number, to: number) => {
    const each = runs.map((r) => r.samples[to].rssMb / r.samples[from].rssMb - 1);
    return `${each.map((g) => `${(100 * g).toFixed(1)}%`).join(', ')} (median ${
        (100 * median(each)).toFixed(1)}%)`;
  };
  const last = first.length - 1;
  for (const from of last >= 2 ? [0, last - 1] : last === 1 ? [0] : []) {
    console.log(`RSS growth from trial ${first[from].trial} to ${
        first[last].trial}: ${growth(from, last)}`);
  }
  if (last >= 1) {
    // Pages the wasm backend touched for its largest model so far, and
    // V8's heap, account for most growth; what is left is native memory.
    const change = (of: (x: Sample) => number|undefined) => median(runs.map(
        (r) => (of(r.samples[last]) ?? NaN) - (of(r.samples[0]) ?? NaN)));
    const wasmPages = wasm ? change((x) => x.wasmResidentMb) : NaN;
    const v8Heap = change((x) => x.v8ResidentMb);
    const total = change((x) => x.rssMb);
    const mb = (value: number) =>
        Number.isNaN(value) ? 'n/a' : `${value >= 0 ? '+' : ''}${
            value.toFixed(1)} MB`;
    console.log(`RSS change from trial ${first[0].trial} to ${
        first[last].trial} (medians): ${mb(total)} = ${
        wasm ? `wasm memory pages ${mb(wasmPages)} + ` : ''}V8 heap ${
        mb(v8Heap)} + the rest ${mb(total - (Number.isNaN(wasmPages) ?
                                             0 : wasmPages) - v8Heap)}`);
  }
  return share;
}

/** What --eval_steps asks for, in words: 0 is one whole pass. */
function evaluation(evalSteps: number): string {
  return evalSteps === 0 ? 'one whole pass of evaluation (--eval_steps=0)' :
                           `${evalSteps} evaluation batches`;
}

const USAGE = 'usage: tools/bazel run //bench:search_overhead -- [--problem=cnn|dnn]\n    [--trials=50] [--train_steps=20] [--eval_steps=20] [--batch_size=2]\n    [--backend=wasm] [--model_dir=DIR] [--runs=3] [--wasm_memory_limit_mb=12]\n    [--trial_writer=thread|inline|both]';

async function main(): Promise<number> {
  if (parseCommandFlags(flags, process.argv.slice(2), USAGE,
                        (text) => process.stdout.write(text + '\n'))) {
    return 0;
  }
  const problem = flags.get<string>('problem');
  if (problem !== 'cnn' && problem !== 'dnn') {
    throw new UsageError(`--problem must be cnn or dnn, got "${problem}"`);
  }
  for (const [name, least] of [['trials', 1], ['train_steps', 1],
                               ['eval_steps', 0], ['batch_size', 1],
                               ['runs', 1], ['wasm_memory_limit_mb', 0]] as const) {
    const value = flags.get<number>(name);
    if (value < least) {
      throw new UsageError(
          `--${name} must be at least ${least}, got ${value}`);
    }
  }
  if (!['thread', 'inline', 'both'].includes(
          flags.get<string>('trial_writer'))) {
    throw new UsageError(`--trial_writer must be thread, inline or both, ` +
                         `got "${flags.get<string>('trial_writer')}"`);
  }
  const modelDir = modelDirFlag();
  if (modelDir !== '') {
    // As the search binaries: made when missing.
    const why = whyNoDirectory(modelDir);
    if (why !== undefined) {
      throw new UsageError(`--model_dir=${modelDir}: ${why}`);
    }
    try {
      makeDirectories(modelDir);
    } catch (e) {
      throw new UsageError(`--model_dir=${modelDir}: cannot create it (${
          (e as Error).message}); give a directory you can write in`);
    }
  }
  if (process.env[RUN_ONE_ENV] === '1') {
    process.stdout.write(JSON.stringify(await runOneOrRefuse()));
    return 0;
  }
  stopOnSignals();
  const writer = flags.get<string>('trial_writer');
  const writers = writer === 'both' ? ['thread', 'inline'] : [writer];
  // Run after run, so that a slow spell of a shared machine or its disk
  // falls on both.
  const runsOf = new Map<string, RunFigures[]>(writers.map((w) => [w, []]));
  const count = flags.get<number>('runs');
  for (let i = 0; i < count; i++) {
    for (const w of writers) {
      process.stderr.write(`search_overhead: run ${i + 1}/${count}${
          writers.length > 1 ? ` (${w})` : ''}\n`);
      runsOf.get(w)!.push(await runChild(w));
    }
  }
  const runs = runsOf.get(writers[0])!;
  console.log(`machine: ${os.cpus().length} cores; backend ${
      runs[0].backend}; ${problem} config; ${
      flags.get<number>('trials')} trials of ${
      flags.get<number>('train_steps')} training steps and ${
      evaluation(flags.get<number>('eval_steps'))}, batch size ${
      flags.get<number>('batch_size')}`);
  const share = report(runs);
  const mbPerTrial = median(runs.map((r) => r.trialBytes)) /
      flags.get<number>('trials') / (1 << 20);
  const speed = diskWriteMbPerSecond();
  console.log(`written: ${mbPerTrial.toFixed(2)} MB of trial directory per ` +
              `trial; at the ${speed.toFixed(0)} MB/s this disk writes new ` +
              `4 MB files, the bytes alone take ${
                  (1000 * mbPerTrial / speed).toFixed(1)} ms of the export ` +
              'phase (the rest: ten files made and renamed, the weights read)');
  if (writers.length > 1) {
    const trials = flags.get<number>('trials');
    console.log(`trial writer, export and overhead per trial (of each ` +
                `writer's run of median overhead share): ${
        writers.map((w) => {
          const of = runsOf.get(w)!;
          const r = of[medianRun(of)];
          return `${w} ${(1000 * r.phases['export'] / trials).toFixed(1)} ` +
              `ms and ${(1000 * overheadOf(r) / trials).toFixed(1)} ms (${
                  (100 * overheadOf(r) / r.wall).toFixed(1)}%)`;
        }).join('; ')}`);
  }
  // The first line's run: the same share as there.
  console.log(`search overhead: ${(100 * share).toFixed(1)}% of trial time${
      writers.length > 1 ? ` (trial writer ${writers[0]})` : ''}`);
  return 0;
}

runBenchmark('search_overhead', main);
