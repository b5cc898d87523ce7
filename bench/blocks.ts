/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * Time per training step of a typical tower of each shipped config, on
 * every backend that is installed: wasm always, tensorflow (tfjs-node)
 * when its package is there.
 *
 *   tools/bazel run //bench:blocks -- [--steps=10] [--warmup=2]
 *       [--configs=dnn,small_dnn,cnn,...] [--backends=wasm,tensorflow]
 *
 * A step is one call of the trainer's own loop (train_loop.ts): forward,
 * softmax cross-entropy, gradients, Adam update, on one batch. The loss is
 * read back once at the end, as a trial does every few steps.
 */

import * as path from 'node:path';

import {fixArchitectureOrder} from '../model_search/architecture/architecture_utils';
import {BACKEND_ALIASES, BACKEND_CHOICES, selectBackend} from '../model_search/backend/select_backend';
import {tf} from '../model_search/backend/tf';
import {resolveWorkspacePath} from '../model_search/constants';
import type {Batch} from '../model_search/data/data';
import {FlagSet, parseCommandFlags} from '../model_search/flags';
import {problemTypeName} from '../model_search/oss_trainer_lib';
import {buildModel, countParameters} from '../model_search/phoenix';
import {loadSpecFile} from '../model_search/proto/text_format';
import {trainModel} from '../model_search/train_loop';
import {requireAtLeast, requireKnown, runBenchmark} from './bench_main';

/** One row of the table: a tower of a config and the data it sees. */
declare interface Case {
  config: string;
  /** Blocks, input side first; each one is in the config's blocks_to_use. */
  tower: string[];
  /** One example, without the batch. */
  input: number[];
  batch: number;
}

/**
 * Towers of the depth a search reaches after a few trials, from each
 * config's own blocks; inputs sized like the data each config is for
 * (30 features as the breast cancer CSV, 32x32 RGB as CIFAR, sequences of
 * 20 steps of 8 features), batches of the trainer's sizes.
 */
const CASES: Case[] = [
  {config: 'dnn', input: [30], batch: 100, tower: [
    'FIXED_OUTPUT_FULLY_CONNECTED_256',
    'FULLY_CONNECTED_RESIDUAL_PROJECT_BATCHNORM',
    'FIXED_OUTPUT_FULLY_CONNECTED_128',
  ]},
  {config: 'small_dnn', input: [30], batch: 100, tower: [
    'FIXED_OUTPUT_FULLY_CONNECTED_128', 'LOWRANK_2', 'BOTTLENECK_64_SKIP',
  ]},
  {config: 'cnn', input: [32, 32, 3], batch: 32, tower: [
    'FIXED_CHANNEL_CONVOLUTION_32', 'CONVOLUTION_3X3',
    'DOWNSAMPLE_CONVOLUTION_3X3', 'RESNET_3X3', 'MAX_POOLING_3X3',
    'FULLY_CONNECTED',
  ]},
  {config: 'rnn_all', input: [20, 8], batch: 32, tower: [
    'LSTM_128', 'RECURRENT_DENSE_64',
  ]},
  {config: 'rnn_last', input: [20, 8], batch: 32, tower: [
    'SVDF_CELL_128_8_1', 'LSTM_128',
  ]},
  // The config's own user suggestion.
  {config: 'cnn_genetic', input: [32, 32, 3], batch: 32, tower: [
    'FIXED_CHANNEL_CONVOLUTION_96', 'FIXED_CHANNEL_CONVOLUTION_96',
  ]},
  // The NASNet stem, then blocks a search adds to it.
  {config: 'cifar_nasnet', input: [32, 32, 3], batch: 32, tower: [
    'FIXED_CHANNEL_CONVOLUTION_96', 'DOWNSAMPLE_CONVOLUTION_3X3',
    'DILATED_CONVOLUTION_2', 'AVERAGE_POOL_2X2',
    'FIXED_OUTPUT_FULLY_CONNECTED_256',
  ]},
];

const CLASSES = 10;
const HPARAMS = {optimizer: 'adam', learning_rate: 0.001};

const flags = new FlagSet();
flags.define('steps', {type: 'int', default: 10, help: 'Timed steps.'});
flags.define('warmup', {type: 'int', default: 2,
                        help: 'Untimed steps first (kernel compilation).'});
flags.define('configs', {type: 'list', default: CASES.map((c) => c.config),
                         help: 'Which configs to measure.'});
flags.define('backends', {type: 'list', default: ['wasm', 'tensorflow'],
                          help: 'Which backends to measure.'});

/** Endless fresh copies of one batch (the loop disposes each). */
async function* batches(c: Case, problemType: string): AsyncGenerator<Batch> {
  const features = tf.randomNormal([c.batch, ...c.input], 0, 1, 'float32', 1);
  const labelShape = problemType === 'RNN_ALL_ACTIVATIONS' ?
      [c.batch, c.input[0]] :
      [c.batch];
  const size = labelShape.reduce((a, b) => a * b, 1);
  const labels = tf.tensor(Array.from({length: size}, (_, i) => i % CLASSES),
                           labelShape, 'int32');
  const lengths = tf.fill([c.batch, 1], c.input[0], 'int32');
  try {
    for (;;) {
      // Labels of RNN_ALL_ACTIVATIONS are [batch, time]; lengths [batch, 1].
      yield {
        features: features.clone(),
        labels: labels.clone() as tf.Tensor1D,
        lengths: problemType.startsWith('RNN') ?
            lengths.clone() as tf.Tensor1D :
            undefined,
      };
    }
  } finally {
    tf.dispose([features, labels, lengths]);
  }
}

/** Milliseconds per step and the parameter count of one case. */
async function measure(c: Case, steps: number, warmup: number):
    Promise<{ms: number, params: number, tower: string[]}> {
  const file = resolveWorkspacePath(
      path.join('model_search/configs', `${c.config}_config.pbtxt`));
  const spec = loadSpecFile(file);
  const problemType = problemTypeName(spec);
  const outside = c.tower.filter((b) => !spec.blocksToUse!.includes(b));
  if (outside.length > 0) {
    throw new Error(`${file}: blocks_to_use lacks ${outside.join(', ')}; ` +
                    'fix the tower of this case');
  }
  const tower = fixArchitectureOrder(c.tower, problemType);
  const model = buildModel({
    schema: {kind: 'bench', shape: c.input},
    numClasses: CLASSES,
    problemType,
    architecture: tower,
    hparams: HPARAMS,
    applyDropoutsBetweenBlocks: false,
    namePrefix: `bench_${c.config}`,
  });
  try {
    if (warmup > 0) {
      await trainModel(model, {steps: warmup, hparams: HPARAMS,
                               batches: batches(c, problemType)});
    }
    const start = performance.now();
    await trainModel(model, {steps, hparams: HPARAMS, syncEvery: steps,
                             batches: batches(c, problemType)});
    const ms = (performance.now() - start) / steps;
    return {ms, params: countParameters(model), tower};
  } finally {
    model.dispose();
  }
}

const USAGE = 'usage: tools/bazel run //bench:blocks -- [--steps=10] [--warmup=2]\n    [--configs=dnn,small_dnn,cnn,...] [--backends=wasm,tensorflow]';

async function main(): Promise<void> {
  if (parseCommandFlags(flags, process.argv.slice(2), USAGE,
                        (text) => process.stdout.write(text + '\n'))) {
    return;
  }
  requireAtLeast(flags, {steps: 1, warmup: 0});
  const steps = flags.get<number>('steps');
  const warmup = flags.get<number>('warmup');
  const wanted = requireKnown(flags, 'configs', CASES.map((c) => c.config));
  const cases = CASES.filter((c) => wanted.includes(c.config));
  const backends = requireKnown(flags, 'backends', BACKEND_CHOICES,
                                BACKEND_ALIASES);
  const results = new Map<string, string[]>();
  const towers = new Map<string, {tower: string[], params: number}>();
  const notes: string[] = [];
  for (const backend of backends) {
    let available = true;
    try {
      const chosen = await selectBackend(
          backend as 'wasm', (line) => notes.push(line));
      notes.push(`${backend}: tf.getBackend() = ${tf.getBackend()} (${
          chosen.name})`);
    } catch (e) {
      available = false;
      const why = (e as Error).message;
      results.set(backend, cases.map(() => /not installed/.test(why) ?
                                           'n/a (not installed)' :
                                           'n/a (failed to start)'));
      notes.push(`${backend}: ${why}`);
    }
    if (!available) continue;
    const column: string[] = [];
    for (const c of cases) {
      const {ms, params, tower} = await measure(c, steps, warmup);
      towers.set(c.config, {tower, params});
      column.push(ms.toFixed(1));
      process.stderr.write(`${backend} ${c.config}: ${ms.toFixed(1)} ms\n`);
    }
    results.set(backend, column);
  }
  printTable(cases, towers, backends, results, steps, warmup);
  for (const note of notes) console.log(`# ${note}`);
}

function printTable(
    cases: Case[], towers: Map<string, {tower: string[], params: number}>,
    backends: string[], results: Map<string, string[]>, steps: number,
    warmup: number): void {
  const header = ['config', 'input', 'batch', 'params',
                  ...backends.map((b) => `${b} ms/step`), 'tower'];
  const rows = cases.map((c, i) => [
    c.config,
    c.input.join('x'),
    String(c.batch),
    String(towers.get(c.config)?.params ?? '?'),
    ...backends.map((b) => results.get(b)![i]),
    (towers.get(c.config)?.tower ?? c.tower).join(','),
  ]);
  const widths = header.map((h, k) => Math.max(
      h.length, ...rows.map((r) => r[k].length)));
  const line = (cells: string[]) => cells.map((cell, k) =>
      k === cells.length - 1 ? cell : cell.padEnd(widths[k])).join('  ');
  console.log(`# ${steps} timed steps after ${warmup} warm-up steps; ` +
              `Adam, softmax cross-entropy, ${CLASSES} classes`);
  console.log(line(header));
  for (const row of rows) console.log(line(row));
}

runBenchmark('blocks', main);
