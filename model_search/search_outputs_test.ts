/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * What a search leaves for its user, end to end: the trainer main runs
 * small real searches on the Breast Cancer data in-process (the CSV
 * provider linked in as csv_data_binary links it), then the test reads
 * the event files back with a reader sharing no code with the writer,
 * the study summary, and the exported models through tf.loadLayersModel.
 */

import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import './data/csv_data_for_binary';

import {tf} from './backend/tf';
import {DEFAULT_DNN, resolveWorkspacePath} from './constants';
import {CsvDataProvider} from './data/csv_data';
import {main} from './oss_trainer';
import {child, one, readEventFile} from './report/event_file_testing';
import type {TextMessage} from './report/event_file_testing';
import {SUMMARY_CSV, SUMMARY_JSON} from './report/study_summary';
import type {StudySummary} from './report/study_summary';
import {SingleTrainer} from './single_trainer';

const TESTDATA = 'model_search/data/testdata';
const TRIALS = 3;
const TRAIN_STEPS = 20;
const SUMMARY_STEPS = 5;

/** A stream standing in for stderr, terminal or not. */
function fakeStream(isTTY: boolean) {
  const writes: string[] = [];
  return {isTTY, columns: 200, writes, write: (s: string) => writes.push(s)};
}

/** Runs a search of TRIALS trials; resolves to its directory and output. */
async function search(isTTY: boolean, extra: string[] = []) {
  const dir = fs.mkdtempSync(path.join(
      process.env['TEST_TMPDIR'] ?? os.tmpdir(), 'search_outputs_test_'));
  const log: string[] = [];
  const stream = fakeStream(isTTY);
  const code = await main([
    `--filename=${TESTDATA}/breast_cancer_train.csv`,
    `--validation_filename=${TESTDATA}/breast_cancer_validation.csv`,
    '--phoenix_dataset=csv_data_provider', '--logits_dimension=2',
    `--record_defaults=${Array(31).fill(0).join(',')}`,
    `--model_dir=${dir}`, `--experiment_max_num_trials=${TRIALS}`,
    `--phoenix_train_steps=${TRAIN_STEPS}`, '--phoenix_batch_size=32',
    `--phoenix_save_summary_steps=${SUMMARY_STEPS}`,
    '--phoenix_tf_random_seed=11',
    // Tensors of other tests of this process stay on the wasm backend, so
    // it could not be restarted and the search would say so; the restart
    // has its own test (oss_trainer_wasm_restart_test).
    '--wasm_memory_limit_mb=0', ...extra,
  ], (line) => log.push(line), stream);
  assert.equal(code, 0, log.join('\n'));
  const summary = JSON.parse(fs.readFileSync(path.join(dir, SUMMARY_JSON),
                                             'utf8')) as StudySummary;
  return {dir, log, stream, summary};
}

/** [tag, step, float32 value] of every scalar of an event file. */
function scalars(events: TextMessage[]): Array<[string, number, number]> {
  const out: Array<[string, number, number]> = [];
  for (const event of events.slice(1)) {
    // protoc leaves out a proto3 field at its default, so step 0 is absent.
    const step = event['step'] === undefined ? 0 : Number(one(event, 'step'));
    for (const value of child(event, 'summary')['value'] as TextMessage[]) {
      if (value['simple_value'] !== undefined) {
        // protoc prints 9 digits: enough to get the float32 back exactly.
        out.push([one(value, 'tag'), step,
                  Math.fround(Number(one(value, 'simple_value')))]);
      }
    }
  }
  return out;
}

/** Loads `<trialDir>/model` with tf.loadLayersModel from its files. */
async function loadExported(trialDir: string): Promise<tf.LayersModel> {
  const modelDir = path.join(trialDir, 'model');
  const json = JSON.parse(fs.readFileSync(path.join(modelDir, 'model.json'),
                                          'utf8'));
  const specs: tf.io.WeightsManifestEntry[] = [];
  const buffers: Buffer[] = [];
  for (const group of json.weightsManifest) {
    specs.push(...group.weights);
    for (const file of group.paths) {
      buffers.push(fs.readFileSync(path.join(modelDir, file)));
    }
  }
  const weights = Buffer.concat(buffers);
  return tf.loadLayersModel(tf.io.fromMemory({
    modelTopology: json.modelTopology,
    weightSpecs: specs,
    weightData: weights.buffer.slice(
        weights.byteOffset, weights.byteOffset + weights.byteLength) as
        ArrayBuffer,
  }));
}

describe('what a search leaves behind', function() {
  this.timeout(600000);

  it('writes event files, a summary and loadable models', async () => {
    const {dir, log, stream, summary} = await search(false);

    for (const trial of summary.trials) {
      assert.equal(trial.state, 'COMPLETED');
      assert.equal(trial.directory, String(trial.id));
      const trialDir = path.join(dir, String(trial.id));
      // Exactly the trial's files: none of the spare files its directory
      // was made with (trial_writer.ts) is left.
      const entries = fs.readdirSync(trialDir).sort();
      assert.deepEqual(
          entries.map((f) => f.replace(/^events\.out\.tfevents\..*/,
                                       'events.out.tfevents')),
          ['architecture.json', 'architecture.txt', 'evaluation.json',
           'events.out.tfevents', 'hparams.json', 'input_schema.json',
           'model', 'towers.json'], `files of trial ${trial.id}`);
      assert.deepEqual(fs.readdirSync(path.join(trialDir, 'model')).sort(),
                       ['model.json', 'weights.bin']);
      const files = entries.filter((f) => f.startsWith('events.out.tfevents.'));
      assert.equal(files.length, 1, `event files of trial ${trial.id}`);
      const events = readEventFile(fs.readFileSync(
          path.join(trialDir, files[0])));
      const points = scalars(events);
      assert.deepEqual(
          points.filter(([tag]) => tag === 'loss').map(([, step]) => step),
          [5, 10, 15, 20]);
      const evaluation = JSON.parse(fs.readFileSync(
          path.join(trialDir, 'evaluation.json'), 'utf8'));
      assert.deepEqual(points.find(([tag]) => tag === 'eval/accuracy'),
                       ['eval/accuracy', TRAIN_STEPS,
                        Math.fround(evaluation.accuracy)]);
      assert.equal(trial.metrics['accuracy'], evaluation.accuracy);

      const model = await loadExported(trialDir);
      const printed: string[] = [];
      // Columns wide enough for whole layer names.
      model.summary(200, [110, 150, 185, 200],
                    (line: string) => printed.push(line));
      const text = printed.join('\n');
      assert.ok(model.layers.length >= 2, text);
      for (const layer of model.layers) {
        assert.ok(text.includes(layer.name), `${layer.name} not in\n${text}`);
      }
      assert.match(text, /Total params: [\d,]+/);
      model.dispose();
    }

    // The best by loss (the default objective) is marked, in both files.
    const losses = summary.trials.map((t) => t.metrics['loss']);
    const best = summary.trials[losses.indexOf(Math.min(...losses))];
    assert.deepEqual(summary.objective, {metric: 'loss', goal: 'minimize'});
    assert.equal(summary.bestTrialId, best.id);
    assert.deepEqual(summary.trials.filter((t) => t.best).map((t) => t.id),
                     [best.id]);
    const csv = fs.readFileSync(path.join(dir, SUMMARY_CSV), 'utf8')
        .trimEnd().split('\r\n').map((l) => l.split(','));
    assert.deepEqual(csv[0].slice(0, 4), ['trial_id', 'state', 'best', 'rank']);
    assert.equal(csv.length, TRIALS + 1);
    assert.deepEqual(csv.slice(1).filter((r) => r[2] === 'true')
                         .map((r) => Number(r[0])), [best.id]);

    // Not a terminal: the plain lines only, and no progress line.
    assert.deepEqual(stream.writes, []);
    const expected = new RegExp(
        '^(backend: |spec |trial \\d+ \\[\\d/3\\] arch=|' +
        'study "model_search" complete: |  trial \\d+ loss=)');
    assert.deepEqual(log.filter((l) => !expected.test(l)), []);
    assert.equal(log.filter((l) => /^trial \d+ \[\d\/3\] arch=/.test(l)).length,
                 TRIALS);
  });

  it('ranks by accuracy when asked to maximize it', async () => {
    const {stream, summary} = await search(
        true, ['--optimization_metric=accuracy',
               '--optimization_goal=maximize', '--phoenix_tf_random_seed=5']);

    assert.deepEqual(summary.objective,
                     {metric: 'accuracy', goal: 'maximize'});
    const byRank = [...summary.trials].sort((a, b) => a.rank! - b.rank!);
    const accuracies = byRank.map((t) => t.metrics['accuracy']);
    assert.deepEqual(accuracies, [...accuracies].sort((a, b) => b - a));
    assert.equal(byRank[0].best, true);
    assert.equal(summary.bestTrialId, byRank[0].id);

    // On a terminal: one line redrawn in place, removed at the end.
    const drawn = stream.writes.filter((w) => w.length > 5);
    assert.ok(drawn.length >= TRIALS, stream.writes.join('|'));
    for (const w of drawn) assert.match(w, /^\r\x1b\[2Ktrials \d\/3/);
    assert.ok(drawn.some((w) => w.includes(' steps/s | ') &&
                         w.includes(' left | best accuracy=')),
              drawn.join('\n'));
    assert.equal(stream.writes[stream.writes.length - 1], '\r\x1b[2K');
  });

  it('leaves the same files when run through SingleTrainer', async () => {
    const dir = fs.mkdtempSync(path.join(
        process.env['TEST_TMPDIR'] ?? os.tmpdir(), 'search_outputs_test_'));
    const trainer = new SingleTrainer({
      data: new CsvDataProvider({
        filename: `${TESTDATA}/breast_cancer_train.csv`,
        logitsDimension: 2, log: () => {},
      }),
      spec: resolveWorkspacePath(DEFAULT_DNN),
      log: () => {},
    });

    const trials = await trainer.tryModels({
      numberModels: 2, trainSteps: 10, evalSteps: 0, rootDir: dir,
      batchSize: 32, experimentName: 'library', experimentOwner: 'test',
      seed: 3, saveSummarySteps: 5,
    });

    const summary = JSON.parse(fs.readFileSync(path.join(dir, SUMMARY_JSON),
                                               'utf8')) as StudySummary;
    assert.equal(summary.bestTrialId, trials[0].id);
    assert.ok(fs.existsSync(path.join(dir, SUMMARY_CSV)));
    for (const t of trials) {
      const trialDir = path.join(dir, String(t.id));
      const [file] = fs.readdirSync(trialDir).filter(
          (f) => f.startsWith('events.out.tfevents.'));
      const points = scalars(readEventFile(fs.readFileSync(
          path.join(trialDir, file))));
      assert.deepEqual(
          points.filter(([tag]) => tag === 'loss').map(([, step]) => step),
          [5, 10]);
    }
  });
});
