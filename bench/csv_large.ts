/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * Memory of the CSV provider on a file larger than it should ever hold:
 * writes a CSV of --size_mb megabytes (default 1000, i.e. 1 GB) into a
 * temporary folder, prepares the provider on it (one streaming pass that
 * checks every row and infers the schema), trains a small dense tower for
 * --steps steps on shuffled batches streamed from the file, evaluates
 * --eval_steps batches, then deletes the file. Prints, for each phase, its
 * time and the peak resident set size and JavaScript heap against the file
 * size.
 *
 *   tools/bazel run //bench:csv_large -- [--size_mb=1000] [--steps=300]
 *       [--eval_steps=20] [--features=20] [--batch_size=100]
 *       [--shuffle_buffer=10000] [--dir=/tmp] [--keep]
 */

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import {selectBackend} from '../model_search/backend/select_backend';
import {tf} from '../model_search/backend/tf';
import {CsvDataProvider} from '../model_search/data/csv_data';
import {UsageError} from '../model_search/errors';
import {FlagSet, parseCommandFlags} from '../model_search/flags';
import {buildModel} from '../model_search/phoenix';
import {evaluateModel, trainModel} from '../model_search/train_loop';
import {requireAtLeast, runBenchmark} from './bench_main';

const flags = new FlagSet();
flags.define('size_mb', {
  type: 'float',
  default: 1000,
  help: 'Size of the generated CSV in MB (10^6 bytes).',
});
flags.define('features', {type: 'int', default: 20,
                          help: 'Numeric feature columns besides the label.'});
flags.define('steps', {type: 'int', default: 300, help: 'Training steps.'});
flags.define('eval_steps', {type: 'int', default: 20,
                            help: 'Evaluation batches.'});
flags.define('batch_size', {type: 'int', default: 100, help: 'Batch size.'});
flags.define('shuffle_buffer', {type: 'int', default: 10000,
                                help: 'Rows held for shuffling.'});
flags.define('dir', {type: 'string', default: os.tmpdir(),
                     help: 'Where the temporary folder is made.'});
flags.define('keep', {type: 'bool', default: false,
                      help: 'Keep the generated file.'});

const MB = 1e6;
const MIB = 1024 * 1024;

/** Peak memory seen by a sampler while a phase runs. */
class PeakMemory {
  rss = 0;
  heapUsed = 0;
  external = 0;
  private timer?: NodeJS.Timeout;

  start(): void {
    this.rss = this.heapUsed = this.external = 0;
    this.sample();
    this.timer = setInterval(() => this.sample(), 20);
  }

  stop(): void {
    clearInterval(this.timer);
    this.sample();
  }

  sample(): void {
    const m = process.memoryUsage();
    this.rss = Math.max(this.rss, m.rss);
    this.heapUsed = Math.max(this.heapUsed, m.heapUsed);
    // external includes the ArrayBuffers (typed arrays, wasm memory).
    this.external = Math.max(this.external, m.external);
  }
}

/** A seeded generator of small uniform numbers (xorshift32). */
function uniform(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 4294967296;
  };
}

/**
 * Writes rows until the file reaches `bytes`: a 0/1 label that depends on
 * the first two features (so training has something to learn), then
 * `features` numbers with 4 decimals. Returns the number of data rows.
 */
async function writeCsv(file: string, bytes: number, features: number):
    Promise<number> {
  const out = fs.createWriteStream(file);
  const header = ['label', ...Array.from({length: features},
                                         (_, i) => `f${i}`)].join(',');
  let written = header.length + 1;
  out.write(header + '\n');
  const rand = uniform(7);
  let rows = 0;
  while (written < bytes) {
    const lines: string[] = [];
    for (let k = 0; k < 20000 && written < bytes; k++) {
      const x = Array.from({length: features}, () => rand() * 20 - 10);
      const label = x[0] + x[1] + (rand() - 0.5) * 4 > 0 ? 1 : 0;
      const line = `${label},${x.map((v) => v.toFixed(4)).join(',')}\n`;
      written += line.length;
      lines.push(line);
      rows++;
    }
    if (!out.write(lines.join(''))) {
      await new Promise<void>((resolve) => out.once('drain', () => resolve()));
    }
  }
  await new Promise<void>((resolve, reject) => {
    out.end(() => resolve());
    out.on('error', reject);
  });
  return rows;
}

declare interface PhaseResult {
  name: string;
  seconds: number;
  peak: PeakMemory;
  detail: string;
}

async function phase(
    name: string, results: PhaseResult[],
    body: () => Promise<string>): Promise<void> {
  const peak = new PeakMemory();
  peak.start();
  const start = performance.now();
  let detail: string;
  try {
    detail = await body();
  } finally {
    // Its sampling timer would keep the process alive after an error.
    peak.stop();
  }
  const seconds = (performance.now() - start) / 1000;
  results.push({name, seconds, peak, detail});
  process.stderr.write(`${name}: ${seconds.toFixed(1)} s, peak rss ${
      (peak.rss / MIB).toFixed(0)} MiB; ${detail}\n`);
}

const USAGE = 'usage: tools/bazel run //bench:csv_large -- [--size_mb=1000] [--steps=300]\n    [--eval_steps=20] [--features=20] [--batch_size=100]\n    [--shuffle_buffer=10000] [--dir=/tmp] [--keep]';

async function main(): Promise<void> {
  if (parseCommandFlags(flags, process.argv.slice(2), USAGE,
                        (text) => process.stdout.write(text + '\n'))) {
    return;
  }
  if (!(flags.get<number>('size_mb') >= 0.001)) {
    throw new UsageError(`--size_mb must be at least 0.001 (1 KB), got ${
        flags.get<number>('size_mb')}`);
  }
  requireAtLeast(flags, {features: 1, steps: 1, eval_steps: 1, batch_size: 1,
                         shuffle_buffer: 1});
  const bytes = Math.round(flags.get<number>('size_mb') * MB);
  const features = flags.get<number>('features');
  const steps = flags.get<number>('steps');
  const evalSteps = flags.get<number>('eval_steps');
  const batchSize = flags.get<number>('batch_size');
  const parent = flags.get<string>('dir');
  if (!fs.statSync(parent, {throwIfNoEntry: false})?.isDirectory()) {
    throw new UsageError(`--dir=${parent}: no such directory; give an ` +
                         'existing directory to write the CSV file into');
  }
  const dir = fs.mkdtempSync(path.join(parent, 'csv_large-'));
  const file = path.join(dir, 'large.csv');
  const results: PhaseResult[] = [];
  const before = process.memoryUsage();
  try {
    await selectBackend('wasm', () => {});
    let rows = 0;
    await phase('generate', results, async () => {
      rows = await writeCsv(file, bytes, features);
      return `${rows} rows`;
    });
    const size = fs.statSync(file).size;
    const provider = new CsvDataProvider({
      filename: file,
      logitsDimension: 2,
      shuffleBufferSize: flags.get<number>('shuffle_buffer'),
      log: (line) => process.stderr.write(line + '\n'),
    });
    await phase('prepare (scan)', results, async () => {
      await provider.prepare();
      return `${provider.inputSchema().shape[0]} inputs`;
    });
    const hparams = {optimizer: 'adam', learning_rate: 0.01};
    const model = buildModel({
      schema: provider.inputSchema(),
      numClasses: 2,
      problemType: 'DNN',
      architecture: ['FIXED_OUTPUT_FULLY_CONNECTED_128'],
      hparams,
      applyDropoutsBetweenBlocks: false,
    });
    await phase(`train ${steps} steps`, results, async () => {
      const train = await trainModel(model, {
        steps,
        hparams,
        batches: provider.getInputFn(hparams, 'train', batchSize)(),
      });
      return `final loss ${train.finalLoss.toFixed(4)}`;
    });
    await phase(`evaluate ${evalSteps} batches`, results, async () => {
      const evaluation = await evaluateModel(
          model, provider.getInputFn(hparams, 'eval', batchSize)(),
          evalSteps, 2);
      return `accuracy ${evaluation.metrics['accuracy'].toFixed(4)}`;
    });
    model.dispose();
    printTable(size, rows, before, results, features, batchSize,
               flags.get<number>('shuffle_buffer'));
    console.log(`# process peak rss (getrusage maxrss): ${
        (process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB; ` +
        `tf tensors left: ${tf.memory().numTensors}`);
  } finally {
    if (flags.get<boolean>('keep')) {
      console.log(`# kept ${file}`);
    } else {
      fs.rmSync(dir, {recursive: true, force: true});
    }
  }
}

function printTable(
    size: number, rows: number, before: NodeJS.MemoryUsage,
    results: PhaseResult[], features: number, batchSize: number,
    shuffleBuffer: number): void {
  const mib = (n: number) => (n / MIB).toFixed(0);
  console.log(`# file ${(size / MB).toFixed(0)} MB (${mib(size)} MiB), ${
      rows} rows of 1 label + ${features} features; batch ${batchSize}, ` +
      `shuffle buffer ${shuffleBuffer} rows`);
  console.log(`# at start: rss ${mib(before.rss)} MiB, heap ${
      mib(before.heapUsed)} MiB`);
  const header = ['phase', 'seconds', 'peak rss MiB', 'peak heap MiB',
                  'peak external MiB', 'rss / file', 'detail'];
  const body = results.map((r) => [
    r.name, r.seconds.toFixed(1), mib(r.peak.rss), mib(r.peak.heapUsed),
    mib(r.peak.external), (r.peak.rss / size).toFixed(3), r.detail,
  ]);
  const widths = header.map((h, k) => Math.max(
      h.length, ...body.map((row) => row[k].length)));
  const line = (cells: string[]) => cells.map((cell, k) =>
      k === cells.length - 1 ? cell : cell.padEnd(widths[k])).join('  ');
  console.log(line(header));
  for (const row of body) console.log(line(row));
}

runBenchmark('csv_large', main);
