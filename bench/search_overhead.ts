/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * Where a search's time and memory go, trial after trial: a study of
 * --trials trials of the dnn config on the breast cancer data, with the
 * standard observers (event files, summary, replay spec). Prints, per
 * trial and in total, the time spent in training steps, in evaluation and
 * elsewhere (planning, building the model, bookkeeping, export: the
 * search overhead), and tensors alive and RSS after trial 5 and the last.
 *
 *   tools/bazel run //bench:search_overhead -- [--trials=50]
 *       [--train_steps=20] [--eval_steps=20] [--batch_size=2]
 *       [--backend=wasm]
 *
 * The defaults are those of model_search_oss_test (20 + 20 steps of batch
 * 2); raise --train_steps to see the overhead of a real search.
 */

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import {selectBackend} from '../model_search/backend/select_backend';
import type {BackendRequest} from '../model_search/backend/select_backend';
import {tf} from '../model_search/backend/tf';
import {DEFAULT_DNN} from '../model_search/constants';
import {CsvDataProvider} from '../model_search/data/csv_data';
import {FlagSet} from '../model_search/flags';
import {createStore} from '../model_search/metadata/create_store';
import type {Trial} from '../model_search/metadata/trial';
import {runSearch} from '../model_search/oss_trainer_lib';
import {loadSpecFile, printPhoenixSpec} from '../model_search/proto/text_format';
import {standardObservers} from '../model_search/search_observers';

const TESTDATA = 'model_search/data/testdata';

const flags = new FlagSet();
flags.define('trials', {type: 'int', default: 50, help: 'Trials to run.'});
flags.define('train_steps', {type: 'int', default: 20,
  help: 'Training steps per trial.'});
flags.define('eval_steps', {type: 'int', default: 20,
  help: 'Evaluation batches per trial.'});
flags.define('batch_size', {type: 'int', default: 2, help: 'Batch size.'});
flags.define('backend', {type: 'string', default: 'wasm',
  help: 'TensorFlow.js backend.'});

declare interface Sample {
  trial: number;
  tensors: number;
  rssMb: number;
  heapMb: number;
  /** The wasm backend's linear memory: it grows and never shrinks. */
  wasmMb: number;
}

function wasmMemoryMb(): number {
  const backend = tf.backend() as unknown as {wasm?: {HEAPU8?: Uint8Array}};
  return (backend.wasm?.HEAPU8?.length ?? 0) / (1 << 20);
}

async function main(): Promise<number> {
  flags.parse(process.argv.slice(2));
  const trials = flags.get<number>('trials');
  const trainSteps = flags.get<number>('train_steps');
  const log = (line: string) => process.stderr.write(line + '\n');
  const backend = await selectBackend(
      flags.get<string>('backend') as BackendRequest, () => {});
  const modelDir = fs.mkdtempSync(path.join(os.tmpdir(), 'search_overhead_'));
  const provider = new CsvDataProvider({
    filename: `${TESTDATA}/breast_cancer_train.csv`,
    validationFilename: `${TESTDATA}/breast_cancer_validation.csv`,
    log: () => {},
  });
  await provider.prepare();
  const spec = loadSpecFile(DEFAULT_DNN);
  const store = await createStore(
      {url: `sqlite:${path.join(modelDir, 'model_search.db')}`});
  const samples: Sample[] = [];
  const {observers} = standardObservers({
    spec, maxTrials: trials, trainSteps,
    progressStream: {write: () => true},
  });
  observers.push({
    onStudyUpdate: (_dir: string, all: Trial[]) => {
      const done = all.filter((t) => t.state !== 'RUNNING').length;
      if (done > (samples[samples.length - 1]?.trial ?? 0)) {
        // Collected first when node runs with --expose-gc, so that the
        // figures count what is kept rather than garbage not yet swept.
        (globalThis as {gc?: () => void}).gc?.();
        const memory = process.memoryUsage();
        samples.push({trial: done, tensors: tf.memory().numTensors,
                      rssMb: memory.rss / (1 << 20),
                      heapMb: memory.heapUsed / (1 << 20),
                      wasmMb: wasmMemoryMb()});
      }
    },
  });
  const start = Date.now();
  try {
    await runSearch({
      spec, specText: printPhoenixSpec(spec), provider, store, modelDir,
      experimentName: 'search_overhead', experimentOwner: 'bench',
      maxTrials: trials, trainSteps,
      evalSteps: flags.get<number>('eval_steps'),
      batchSize: flags.get<number>('batch_size'),
      objective: {metric: 'loss', goal: 'minimize'},
      hypertuningMethod: 'random', seed: 1, observers,
      log: (line) => {
        if (/^trial \d+\//.test(line)) log(line);
      },
    });
  } finally {
    await store.close();
  }
  const wall = (Date.now() - start) / 1000;
  let train = 0;
  let evaluation = 0;
  for (let id = 1; id <= trials; id++) {
    const file = path.join(modelDir, String(id), 'evaluation.json');
    if (!fs.existsSync(file)) continue;
    const e = JSON.parse(fs.readFileSync(file, 'utf8'));
    train += e.train_seconds;
    evaluation += e.eval_seconds;
  }
  fs.rmSync(modelDir, {recursive: true, force: true});

  const overhead = wall - train - evaluation;
  const pct = (x: number) => `${(100 * x / wall).toFixed(1)}%`;
  console.log(`machine: ${os.cpus().length} cores; backend ${
      backend.name}; ${trials} trials of ${trainSteps} training steps and ${
      flags.get<number>('eval_steps')} evaluation batches of ${
      flags.get<number>('batch_size')}`);
  console.log(`per trial: ${(1000 * wall / trials).toFixed(0)} ms = training ${
      (1000 * train / trials).toFixed(0)} ms + evaluation ${
      (1000 * evaluation / trials).toFixed(0)} ms + overhead ${
      (1000 * overhead / trials).toFixed(0)} ms`);
  console.log(`search overhead: ${pct(overhead)} of trial time (training ${
      pct(train)}, evaluation ${pct(evaluation)})`);
  const early = samples.find((s) => s.trial >= 5);
  const last = samples[samples.length - 1];
  if (early && last) {
    const describe = (x: Sample) => `${x.tensors} tensors, RSS ${
        x.rssMb.toFixed(0)} MB (JS heap ${x.heapMb.toFixed(0)} MB, wasm ` +
        `memory ${x.wasmMb.toFixed(0)} MB)`;
    console.log(`memory after trial ${early.trial}: ${describe(early)}`);
    console.log(`memory after trial ${last.trial}: ${describe(last)}`);
    console.log(`RSS growth from trial ${early.trial} to ${last.trial}: ${
        (100 * (last.rssMb / early.rssMb - 1)).toFixed(1)}%`);
  }
  return 0;
}

main().then((code) => {
  process.exitCode = code;
}, (e) => {
  process.stderr.write(`search_overhead: ${(e as Error).stack ?? e}\n`);
  process.exitCode = 1;
});
