/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * Time per training step of one tower from each of the dnn, cnn and
 * rnn_last configs, through the trainer's own loop (trainModel), on every
 * TensorFlow.js backend this machine has; then the same nets in PyTorch
 * (bench/steps_torch.py) when `python3` has torch, with the same batch
 * size and thread count (`--wasm_threads`, default 1). Prints ms per step, the ratio to PyTorch, tensors
 * alive and RSS before and after, and a last line for scripts:
 *
 *   ratio_to_pytorch dnn=X cnn=Y rnn=Z
 *
 * (the wasm backend against PyTorch; n/a where either is missing).
 *
 *   tools/bazel run //bench:steps -- [--steps=50] [--rounds=3]
 *       [--backends=tensorflow,wasm,cpu] [--wasm_threads=1]
 *
 * A shared machine's slow spells move one measurement by half (dnn ratios
 * of 1.1 to 4.3 in five single runs): the nets are measured --rounds
 * times, each round TensorFlow.js then PyTorch, and the figures are the
 * medians, with the rounds' spread. The cpu backend, which takes seconds
 * (tens of seconds on a busy machine) a cnn step, is measured once, for 2
 * steps after 1 warm-up step: its figure says how far the fast backends
 * are ahead, no more.
 */

import * as fs from 'node:fs';

import {BACKEND_ALIASES, BACKEND_CHOICES, selectBackend} from '../model_search/backend/select_backend';
import type {BackendRequest} from '../model_search/backend/select_backend';
import {tf} from '../model_search/backend/tf';
import {MAX_WASM_THREADS} from '../model_search/backend/wasm_threads';
import {resolveWorkspacePath} from '../model_search/constants';
import type {Batch, InputSchema} from '../model_search/data/data';
import {UsageError} from '../model_search/errors';
import {FlagSet, parseCommandFlags} from '../model_search/flags';
import {buildModel, countParameters} from '../model_search/phoenix';
import {trainModel} from '../model_search/train_loop';
import {resolveUserPath} from '../model_search/user_paths';
import {median, requireAtLeast, requireKnown, runBenchmark, runChildForwardingSignals} from './bench_main';

/** One benchmarked net: a tower as a search would build it. */
declare interface Net {
  name: 'dnn'|'cnn'|'rnn';
  config: string;
  problemType: string;
  architecture: string[];
  /** Shape of one example. */
  shape: number[];
  numClasses: number;
}

// Kept in step with bench/steps_torch.py, which builds the same layers.
const NETS: Net[] = [
  {name: 'dnn', config: 'dnn_config', problemType: 'DNN',
   architecture: ['FIXED_OUTPUT_FULLY_CONNECTED_256',
                  'FIXED_OUTPUT_FULLY_CONNECTED_128'],
   shape: [30], numClasses: 2},
  {name: 'cnn', config: 'cnn_config', problemType: 'CNN',
   architecture: ['FIXED_CHANNEL_CONVOLUTION_32', 'FIXED_CHANNEL_CONVOLUTION_64'],
   shape: [16, 16, 3], numClasses: 10},
  {name: 'rnn', config: 'rnn_last_config',
   problemType: 'RNN_LAST_ACTIVATIONS', architecture: ['LSTM_128'],
   shape: [20, 8], numClasses: 2},
];

const BATCH_SIZE = 32;
/** Steps (and warm-up steps) of the cpu backend, measured in one round. */
const CPU_STEPS = 2;
const CPU_WARMUP = 1;
const WARMUP = 5;
/**
 * Distinct batches a measurement makes before timing, used in turn when
 * --steps asks for more: all of them made up front would fill the wasm
 * backend's 4 GB at about 45,000 cnn steps. The figure stays honest: a
 * step's arithmetic does not depend on the values; its batch is a small
 * part of what it reads (a cnn batch is 96 KB, its activations and
 * gradients several MB), so a batch seen before saves nothing worth
 * measuring; and the pool is the default --steps, so default runs use
 * each batch once, as before. PyTorch gets the same pool (steps_torch.py
 * --batch_pool).
 */
const BATCH_POOL = 50;
const HPARAMS = {optimizer: 'adam', learning_rate: 0.001};

const flags = new FlagSet();
flags.define('steps', {type: 'int', default: 50,
  help: 'Timed training steps per net and backend (after 5 warm-up steps).'});
flags.define('rounds', {type: 'int', default: 3,
  help: 'Rounds of measurement, each TensorFlow.js then PyTorch; the ' +
        'figures are their medians.'});
flags.define('backends', {type: 'list', default: ['tensorflow', 'wasm', 'cpu'],
  help: 'Backends to measure when installed; cpu is measured once, for ' +
        `${CPU_STEPS} steps, as it is slow for convolutions.`});
flags.define('wasm_threads', {type: 'int', default: 1,
  help: 'Threads of the wasm backend\'s kernels (as the search binaries\' ' +
        '--wasm_threads); PyTorch runs with as many.'});
flags.define('python', {type: 'string', default: '/usr/bin/python3',
  help: 'The Python with torch for the reference figures (Debian\'s ' +
        'python3-torch installs it for /usr/bin/python3).'});
flags.define('torch_script', {type: 'string', default: '',
  help: 'Path of steps_torch.py; default: the one shipped with this ' +
        'benchmark (its runfiles).'});

declare interface Row {
  net: string;
  backend: string;
  msPerStep: number;
  /** Each round's figure (one for cpu). */
  roundsMs: number[];
  parameters: number;
  tensorsBefore: number;
  tensorsAfter: number;
  rssBeforeMb: number;
  rssAfterMb: number;
}

/** `count` random batches, made before timing starts. */
function makeBatches(net: Net, count: number): Batch[] {
  const batches: Batch[] = [];
  for (let i = 0; i < count; i++) {
    const features = tf.randomNormal([BATCH_SIZE, ...net.shape]);
    const labels = tf.randomUniform(
        [BATCH_SIZE], 0, net.numClasses, 'int32') as tf.Tensor1D;
    const lengths = net.problemType.startsWith('RNN') ?
        tf.fill([BATCH_SIZE], net.shape[0], 'int32') as tf.Tensor1D :
        undefined;
    batches.push({features, labels, lengths});
  }
  return batches;
}

/**
 * `steps` batches from `pool`, in turn. Each is a clone (the same memory,
 * no copy), as trainModel disposes every batch after its step.
 */
async function* inTurn(pool: Batch[], steps: number): AsyncGenerator<Batch> {
  for (let i = 0; i < steps; i++) {
    const b = pool[i % pool.length];
    yield {features: tf.clone(b.features), labels: tf.clone(b.labels),
           lengths: b.lengths == null ? undefined : tf.clone(b.lengths)};
  }
}

function disposeAll(pool: Batch[]): void {
  for (const b of pool) tf.dispose([b.features, b.labels, b.lengths ?? []]);
}

/**
 * Trains `model` for `steps` steps on a pool of batches made before
 * timing starts; returns the ms the steps took.
 */
async function train(model: tf.LayersModel, net: Net,
                     steps: number): Promise<number> {
  const pool = makeBatches(net, Math.min(steps, BATCH_POOL));
  try {
    const start = process.hrtime.bigint();
    await trainModel(model, {steps, hparams: HPARAMS,
                             batches: inTurn(pool, steps)});
    return Number(process.hrtime.bigint() - start) / 1e6;
  } finally {
    disposeAll(pool);
  }
}

const mb = (bytes: number) => bytes / (1 << 20);

async function measure(
    net: Net, backend: string, steps: number, warmup: number): Promise<Row> {
  const schema: InputSchema = {kind: 'bench', shape: net.shape};
  const tensorsBefore = tf.memory().numTensors;
  const rssBeforeMb = mb(process.memoryUsage().rss);
  const model = buildModel({
    schema, numClasses: net.numClasses, problemType: net.problemType,
    architecture: net.architecture, hparams: HPARAMS,
    applyDropoutsBetweenBlocks: false, namePrefix: `bench_${net.name}`,
  });
  await train(model, net, warmup);
  const ms = await train(model, net, steps);
  const parameters = countParameters(model);
  model.dispose();
  return {
    net: net.name, backend, msPerStep: ms / steps, roundsMs: [ms / steps],
    parameters,
    tensorsBefore, tensorsAfter: tf.memory().numTensors,
    rssBeforeMb, rssAfterMb: mb(process.memoryUsage().rss),
  };
}

declare interface TorchResult {
  available: boolean;
  reason?: string;
  /**
   * The reference did not run as it should (no start, an exit status, no
   * figures), as opposed to a script that said torch is absent.
   */
  failed?: boolean;
  threads?: number;
  version?: string;
  nets?: Record<string, {ms_per_step: number, parameters: number,
                         rounds_ms?: number[]}>;
}

/**
 * The rounds' PyTorch figures as one: each net's median ms a step, its
 * rounds kept; n/a unless every round had figures.
 */
function medianTorch(results: TorchResult[]): TorchResult {
  const missing = results.find((r) => !r.available || r.nets === undefined);
  if (missing !== undefined) return missing;
  const nets: NonNullable<TorchResult['nets']> = {};
  for (const name of Object.keys(results[0].nets!)) {
    const roundsMs = results.map((r) => r.nets![name]?.ms_per_step ?? NaN);
    nets[name] = {ms_per_step: median(roundsMs),
                  parameters: results[0].nets![name].parameters,
                  rounds_ms: roundsMs};
  }
  return {...results[0], nets};
}

/** steps_torch.py: --torch_script as typed, or the one shipped here. */
function torchScript(): string {
  const given = flags.get<string>('torch_script');
  // Found from any working directory, as the search binaries find their
  // data: through the runfiles.
  return given === '' ? resolveWorkspacePath('bench/steps_torch.py') :
                        resolveUserPath(given);
}

/**
 * PyTorch runs with glibc's own malloc settings, not the fixed thresholds
 * the launcher sets for this process (SEARCH_ENV_DEFAULTS). Values the
 * user set are dropped too: here they cannot be told apart.
 */
function torchEnv(): NodeJS.ProcessEnv {
  const env = {...process.env};
  delete env['MALLOC_MMAP_THRESHOLD_'];
  delete env['MALLOC_TRIM_THRESHOLD_'];
  return env;
}

/**
 * Refuses, before minutes of measuring, a --python or --torch_script the
 * user named that cannot give figures: a script that is not there, or a
 * Python that does not start or has no torch. Unnamed, the defaults may
 * lack torch: the figures are then n/a.
 */
async function checkTorchFlags(): Promise<void> {
  const python = flags.get<string>('python');
  if (python === '') {
    throw new UsageError('--python is empty: give the path of a Python ' +
                         'with torch, e.g. --python=/usr/bin/python3');
  }
  if (flags.isPresent('torch_script')) {
    const script = torchScript();
    if (!fs.existsSync(script) || !fs.statSync(script).isFile()) {
      throw new UsageError(`--torch_script=${
          flags.get<string>('torch_script')}: no such file (${
          script}); give the path of bench/steps_torch.py, or leave the ` +
          'flag out for the one shipped with this benchmark');
    }
  }
  if (!flags.isPresent('python')) return;
  const check = await runChildForwardingSignals(
      'steps', python, ['-c', 'import torch'], torchEnv());
  const fix = 'give the path of a Python with torch, e.g. ' +
      '--python=/usr/bin/python3 with Debian\'s python3-torch';
  if (check.error !== undefined) {
    throw new UsageError(`--python=${python}: cannot be run (${
        check.error.message}); ${fix}`);
  }
  if (check.status !== 0) {
    const last = check.stderr.trim().split('\n').pop() ?? '';
    throw new UsageError(`--python=${python}: \`import torch\` failed (${
        last || `exit ${check.status ?? check.signal}`}); ${fix}`);
  }
}

async function runTorch(steps: number, threads: number): Promise<TorchResult> {
  const python = flags.get<string>('python');
  const result = await runChildForwardingSignals(
      'steps', python,
      [torchScript(), `--steps=${steps}`, `--batch_size=${BATCH_SIZE}`,
       `--threads=${threads}`, `--batch_pool=${BATCH_POOL}`],
      torchEnv());
  if (result.error) {
    return {available: false, failed: true, reason: result.error.message};
  }
  if (result.status !== 0) {
    return {available: false, failed: true,
            reason: result.stderr.trim().split('\n').pop() ||
                `${python} exited with ${result.status ?? result.signal}`};
  }
  // The script's one JSON line is its last: a wrapper may print before it.
  const last = result.stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(last) as TorchResult;
  } catch {
    return {available: false, failed: true,
            reason: `${python} printed no figures ` +
                `(its last line: ${JSON.stringify(last.slice(0, 80))})`};
  }
}

function pad(text: string, width: number): string {
  return text.length >= width ? text : text + ' '.repeat(width - text.length);
}

const USAGE = 'usage: tools/bazel run //bench:steps -- [--steps=50] [--rounds=3]\n    [--backends=tensorflow,wasm,cpu] [--wasm_threads=1]';

async function main(): Promise<number> {
  if (parseCommandFlags(flags, process.argv.slice(2), USAGE,
                        (text) => process.stdout.write(text + '\n'))) {
    return 0;
  }
  const steps = flags.get<number>('steps');
  const rounds = flags.get<number>('rounds');
  requireAtLeast(flags, {steps: 1, rounds: 1});
  const rows: Row[] = [];
  const log = (line: string) => process.stderr.write(line + '\n');
  const backends = [...new Set(requireKnown(flags, 'backends', BACKEND_CHOICES,
                                            BACKEND_ALIASES))];
  const threads = flags.get<number>('wasm_threads');
  if (!(Number.isInteger(threads) && threads >= 1 &&
        threads <= MAX_WASM_THREADS)) {
    // Said once, not as every backend's failure to start.
    throw new UsageError(`--wasm_threads=${threads}: give a whole number ` +
                         `from 1 to ${MAX_WASM_THREADS}`);
  }
  // The backends to measure, each once: `auto` may be one listed too.
  const available: Array<{wanted: string, name: string}> = [];
  for (const wanted of backends) {
    let name: string;
    try {
      // Its warnings said (more threads than cores), once.
      name = (await selectBackend(
                  wanted as BackendRequest,
                  (line) => /warning:/.test(line) && log(line),
                  {wasmThreads: threads})).name;
    } catch (e) {
      // Its advice names the search binaries' flag, --backend.
      log(`${wanted}: not available (${
          (e as Error).message.replace(/--backend=/g, '--backends=')})`);
      continue;
    }
    if (available.some((b) => b.name === name)) {
      log(`${wanted}: the ${name} backend, measured already`);
      continue;
    }
    available.push({wanted, name});
  }
  if (available.length === 0) {
    throw new UsageError(`none of --backends=${backends.join(',')} is ` +
                         'available here (see the lines above)');
  }
  // Said before minutes of measuring.
  await checkTorchFlags();
  const torchRounds: TorchResult[] = [];
  for (let round = 1; round <= rounds; round++) {
    for (const {name} of available) {
      // The cpu backend once: its cnn steps take seconds each.
      if (name === 'cpu' && round > 1) continue;
      await selectBackend(name as BackendRequest, () => {},
                          {wasmThreads: threads});
      for (const net of NETS) {
        const [n, warmup] =
            name === 'cpu' ? [CPU_STEPS, CPU_WARMUP] : [steps, WARMUP];
        log(`round ${round}/${rounds}: measuring ${net.name} on ${name} (${
            n} steps)...`);
        const row = await measure(net, name, n, warmup);
        const earlier = rows.find((r) => r.net === net.name &&
                                      r.backend === name);
        if (earlier === undefined) {
          rows.push(row);
        } else {
          // Before and after of the same measurement (the last round's),
          // so that they are this net's alone, not the nets' in between.
          Object.assign(earlier, {
            roundsMs: [...earlier.roundsMs, row.msPerStep],
            msPerStep: median([...earlier.roundsMs, row.msPerStep]),
            tensorsBefore: row.tensorsBefore, tensorsAfter: row.tensorsAfter,
            rssBeforeMb: row.rssBeforeMb, rssAfterMb: row.rssAfterMb,
          });
        }
      }
    }
    log(`round ${round}/${rounds}: measuring the PyTorch reference...`);
    torchRounds.push(await runTorch(steps, threads));
  }
  const torch = medianTorch(torchRounds);

  const cores = require('node:os').cpus().length;
  const cpu = available.some((b) => b.name === 'cpu') ?
      ` (cpu: ${CPU_STEPS} after ${CPU_WARMUP})` : '';
  console.log(`machine: ${cores} cores; batch size ${BATCH_SIZE}; optimizer ` +
              `adam; ${steps} timed steps after ${WARMUP} warm-up steps${
                  cpu}; wasm with ${threads} thread(s); medians of ${
                  rounds} round(s)`);
  console.log(torch.available ?
      `pytorch ${torch.version}, ${torch.threads} thread(s)` :
      `pytorch: n/a (${torch.reason})`);
  if (rounds > 1) {
    console.log('tensors and rss: before and after each net\'s last round');
  }
  console.log(['net', 'backend', 'ms/step', 'x pytorch', 'params',
               'tensors before/after', 'rss MB before/after', 'rounds ms/step']
                  .map((h, i) => pad(h, [5, 12, 9, 10, 9, 21, 20, 0][i]))
                  .join(' '));
  for (const r of rows) {
    const reference = torch.nets?.[r.net];
    const ratio = reference ? (r.msPerStep / reference.ms_per_step)
                                  .toFixed(1) : 'n/a';
    console.log([
      pad(r.net, 5), pad(r.backend, 12), pad(r.msPerStep.toFixed(2), 9),
      pad(ratio, 10), pad(String(r.parameters), 9),
      pad(`${r.tensorsBefore}/${r.tensorsAfter}`, 21),
      pad(`${r.rssBeforeMb.toFixed(0)}/${r.rssAfterMb.toFixed(0)}`, 20),
      r.roundsMs.map((ms) => ms.toFixed(2)).join(' '),
    ].join(' '));
  }
  for (const [name, reference] of Object.entries(torch.nets ?? {})) {
    console.log([pad(name, 5), pad('pytorch', 12),
                 pad(reference.ms_per_step.toFixed(2), 9), pad('1.0', 10),
                 pad(String(reference.parameters), 9), pad('', 21),
                 pad('', 20),
                 (reference.rounds_ms ?? []).map((ms) => ms.toFixed(2))
                     .join(' ')].join(' '));
    const ours = rows.find((r) => r.net === name);
    if (ours && ours.parameters !== reference.parameters) {
      console.log(`warning: ${name} has ${ours.parameters} parameters here ` +
                  `and ${reference.parameters} in PyTorch: not the same net`);
    }
  }
  const ratios = NETS.map((net) => {
    const ours = rows.find((r) => r.net === net.name && r.backend === 'wasm');
    const reference = torch.nets?.[net.name];
    return `${net.name}=${ours && reference ?
        (ours.msPerStep / reference.ms_per_step).toFixed(2) : 'n/a'}`;
  });
  // The target's figure: the wasm rows against PyTorch.
  console.log(`ratio_to_pytorch ${ratios.join(' ')}`);
  // A reference the user named that failed is an error for a script or CI
  // to see; without torch at the default Python, n/a is the answer.
  if (torch.failed &&
      (flags.isPresent('python') || flags.isPresent('torch_script'))) {
    log(`the PyTorch reference failed: ${torch.reason}`);
    return 1;
  }
  return 0;
}

runBenchmark('steps', main);
