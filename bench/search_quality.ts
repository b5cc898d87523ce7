/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * How well each architecture-search algorithm searches: the dnn config's
 * blocks on the Breast Cancer Wisconsin data (455 training, 114 validation
 * rows), one study per algorithm and seed, and the best validation
 * accuracy after 10, 20 and --trials trials, averaged over the seeds,
 * next to NONADAPTIVE_RANDOM_SEARCH. Ensembling and distillation are off,
 * so that every trial is one searched tower; hyperparameters are sampled
 * by the random tuner with the study's seed.
 *
 *   tools/bazel run //bench:search_quality -- [--trials=30] [--seeds=3]
 *       [--train_steps=100] [--algorithms=A,B,...]
 */

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import {selectBackend} from '../model_search/backend/select_backend';
import {DEFAULT_DNN} from '../model_search/constants';
import {CsvDataProvider} from '../model_search/data/csv_data';
import {FlagSet, parseCommandFlags} from '../model_search/flags';
import {createStore} from '../model_search/metadata/create_store';
import {runSearch} from '../model_search/oss_trainer_lib';
import {PhoenixSpec_SearchType} from '../model_search/proto/phoenix_spec';
import type {PhoenixSpec} from '../model_search/proto/phoenix_spec';
import {loadSpecFile, printPhoenixSpec} from '../model_search/proto/text_format';
import {requireAtLeast, requireKnown, runBenchmark} from './bench_main';

const TESTDATA = 'model_search/data/testdata';
const BASELINE = 'NONADAPTIVE_RANDOM_SEARCH';

const flags = new FlagSet();
flags.define('trials', {type: 'int', default: 30,
  help: 'Trials per study (the last column).'});
flags.define('seeds', {type: 'int', default: 3, help: 'Studies per algorithm.'});
flags.define('train_steps', {type: 'int', default: 100,
  help: 'Training steps per trial.'});
flags.define('algorithms', {type: 'list', default: [
  'ADAPTIVE_COORDINATE_DESCENT', 'NONADAPTIVE_RANDOM_SEARCH',
  'HARMONICA_SEARCH', 'LINEAR_MODEL', 'ADAPTIVE_COORDINATE_DESCENT_GENETIC',
  'CONSTRAINED_ADAPTIVE_COORDINATE_DESCENT',
], help: 'search_type values to compare (with ' +
    'NONADAPTIVE_RANDOM_SEARCH, the baseline, measured too when not listed).'});

/** The dnn config searching with `searchType` alone. */
function specFor(searchType: string): PhoenixSpec {
  const spec = loadSpecFile(DEFAULT_DNN);
  const value = PhoenixSpec_SearchType[
      searchType as keyof typeof PhoenixSpec_SearchType];
  if (value === undefined) {
    throw new Error(`unknown search_type ${searchType}`);
  }
  spec.searchType = value;
  delete spec.ensembleSpec;
  delete spec.distillationSpec;
  delete spec.transferLearningSpec;
  if (searchType === 'CONSTRAINED_ADAPTIVE_COORDINATE_DESCENT') {
    // Cells of two blocks, each closed by a fixed-width dense block.
    spec.numBlocksInCell = 2;
    spec.reductionBlockType = 'FIXED_OUTPUT_FULLY_CONNECTED_128';
    spec.blocksToUse = (spec.blocksToUse ?? []).filter(
        (b) => b !== 'FIXED_OUTPUT_FULLY_CONNECTED_128');
  }
  return spec;
}

/** Best accuracy over the first `k` trials (by id) of each checkpoint. */
async function study(searchType: string, seed: number, trials: number,
                     trainSteps: number): Promise<number[]> {
  const modelDir = fs.mkdtempSync(path.join(os.tmpdir(), 'search_quality_'));
  const provider = new CsvDataProvider({
    filename: `${TESTDATA}/breast_cancer_train.csv`,
    validationFilename: `${TESTDATA}/breast_cancer_validation.csv`,
    log: () => {},
  });
  await provider.prepare();
  const spec = specFor(searchType);
  const store = await createStore(
      {url: `sqlite:${path.join(modelDir, 'model_search.db')}`});
  try {
    const result = await runSearch({
      spec, specText: printPhoenixSpec(spec), provider, store, modelDir,
      experimentName: `${searchType}_${seed}`, experimentOwner: 'bench',
      maxTrials: trials, trainSteps, evalSteps: 0, batchSize: 32,
      objective: {metric: 'accuracy', goal: 'maximize'},
      hypertuningMethod: 'random', seed, log: () => {},
    });
    const byId = [...result.trials].sort((a, b) => a.id - b.id);
    return checkpoints(trials).map((k) => Math.max(0, ...byId.slice(0, k).map(
        (t) => t.state === 'COMPLETED' ? t.metrics?.['accuracy'] ?? 0 : 0)));
  } finally {
    await store.close();
    fs.rmSync(modelDir, {recursive: true, force: true});
  }
}

/** The trial counts the table reports the best after: 10, 20 and the last. */
function checkpoints(trials: number): number[] {
  return [...[10, 20].filter((k) => k < trials), trials];
}

/** The share of the most common label (column 0) of a CSV file. */
function majorityRate(file: string): number {
  const labels = fs.readFileSync(file, 'utf8').trim().split('\n').slice(1)
                     .map((line) => line.split(',')[0]);
  const counts = new Map<string, number>();
  for (const label of labels) counts.set(label, (counts.get(label) ?? 0) + 1);
  return Math.max(...counts.values()) / labels.length;
}

const USAGE = 'usage: tools/bazel run //bench:search_quality -- [--trials=30] [--seeds=3]\n    [--train_steps=100] [--algorithms=A,B,...]';

async function main(): Promise<number> {
  if (parseCommandFlags(flags, process.argv.slice(2), USAGE,
                        (text) => process.stdout.write(text + '\n'))) {
    return 0;
  }
  requireAtLeast(flags, {trials: 1, seeds: 1, train_steps: 1});
  const trials = flags.get<number>('trials');
  const seeds = flags.get<number>('seeds');
  const trainSteps = flags.get<number>('train_steps');
  const listed = requireKnown(
      flags, 'algorithms',
      Object.keys(PhoenixSpec_SearchType).filter(
          (k) => Number.isNaN(Number(k)) && k !== 'UNRECOGNIZED' &&
              k !== 'UNKNOWN_SEARCH_TYPE'));
  // Each is compared with random search: measured too when not listed.
  const algorithms =
      listed.includes(BASELINE) ? listed : [...listed, BASELINE];
  const backend = await selectBackend('wasm', () => {});
  const rows = new Map<string, number[]|string>();
  for (const algorithm of algorithms) {
    const sums = checkpoints(trials).map(() => 0);
    try {
      for (let seed = 1; seed <= seeds; seed++) {
        process.stderr.write(`${algorithm} seed ${seed}...\n`);
        const best = await study(algorithm, seed, trials, trainSteps);
        best.forEach((v, i) => sums[i] += v / seeds);
      }
      rows.set(algorithm, sums);
    } catch (e) {
      rows.set(algorithm, `n/a (${(e as Error).message.split('\n')[0]})`);
    }
  }
  const majority = majorityRate(`${TESTDATA}/breast_cancer_validation.csv`);
  console.log(`machine: ${os.cpus().length} cores; backend ${
      backend.name}; breast cancer data, ${trainSteps} steps of batch 32 ` +
      `per trial; mean over ${seeds} seeds; majority class ${
      majority.toFixed(4)}`);
  const width = Math.max(...[...rows.keys()].map((k) => k.length));
  console.log(`${'search_type'.padEnd(width)}  ${
      checkpoints(trials).map((k) => `after ${k}`.padStart(8)).join('  ')}  vs ${
      BASELINE} after ${trials}`);
  const baseline = rows.get(BASELINE);
  for (const [algorithm, row] of rows) {
    if (typeof row === 'string') {
      console.log(`${algorithm.padEnd(width)}  ${row}`);
      continue;
    }
    const last = row.length - 1;
    const versus = Array.isArray(baseline) ?
        (row[last] - baseline[last] >= 0 ? '+' : '') +
            (row[last] - baseline[last]).toFixed(4) :
        'n/a';
    console.log(`${algorithm.padEnd(width)}  ${
        row.map((v) => v.toFixed(4).padStart(8)).join('  ')}  ${versus}`);
  }
  return 0;
}

runBenchmark('search_quality', main);
