/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * The trainer main end to end, in-process, with the CSV provider linked in
 * as csv_data_binary links it: real searches on small data, resuming, and
 * every kind of bad input stopping before anything is written.
 */

import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import './data/csv_data_for_binary';

import {loadModel} from './backend/file_io';
import {tf} from './backend/tf';
import {createStore} from './metadata/create_store';
import {METRIC_NAMES} from './metric_fns';
import {main} from './oss_trainer';
import {CheckFailure, checkStudyOutput} from './oss_trainer_check';

const TESTDATA = 'model_search/data/testdata';
const RANDOM_CSV = `${TESTDATA}/csv_random_data.csv`;

function tmpDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'oss_trainer_test-'));
}

/** Runs main with its log captured. */
async function run(argv: string[]): Promise<{code: number, log: string[]}> {
  const log: string[] = [];
  const code = await main(argv, (line) => {
    log.push(line);
  });
  return {code, log};
}

function quick(modelDir: string, extra: string[] = []): string[] {
  return [
    `--filename=${RANDOM_CSV}`, '--record_defaults=0,0,0,0',
    '--logits_dimension=2', `--model_dir=${modelDir}`,
    '--phoenix_train_steps=5', '--phoenix_eval_steps=2',
    '--phoenix_batch_size=4', '--phoenix_tf_random_seed=7', ...extra,
  ];
}

async function storedTrials(modelDir: string) {
  const store = await createStore(
      {url: `sqlite:${path.join(modelDir, 'model_search.db')}`});
  try {
    const [study] = await store.listStudies!();
    return await store.listTrials(study.studyId);
  } finally {
    await store.close();
  }
}

describe('oss_trainer main', function() {
  this.timeout(300000);

  it('runs a search: one directory, one COMPLETED row per trial', async () => {
    const dir = tmpDir();

    const {code, log} = await run(quick(dir, ['--experiment_max_num_trials=3']));

    assert.equal(code, 0, log.join('\n'));
    const trials = await storedTrials(dir);
    assert.deepEqual(trials.map((t) => [t.id, t.state]),
                     [[1, 'COMPLETED'], [2, 'COMPLETED'], [3, 'COMPLETED']]);
    for (const t of trials) {
      const evaluation = JSON.parse(fs.readFileSync(
          path.join(dir, String(t.id), 'evaluation.json'), 'utf8'));
      assert.ok(Number.isFinite(evaluation.loss));
      assert.equal(evaluation.accuracy, t.metrics!['accuracy']);
      assert.ok(t.architecture.length >= 1);
    }
    const trialLines = log.filter((l) => /^trial \d+\/3 arch=\[/.test(l));
    assert.equal(trialLines.length, 3, log.join('\n'));
    assert.match(trialLines[0], / loss=\d+\.\d{4} accuracy=\d\.\d{4} best=/);
    assert.ok(log.some((l) => l.startsWith('study "model_search" complete')));
    assert.match(await checkStudyOutput(dir), /^trial 1 COMPLETED/);
  });

  it('counts parameters and ends with the best trials, best first',
     async () => {
       const dir = tmpDir();

       const {code, log} = await run(quick(dir, [
         '--experiment_max_num_trials=6', '--optimization_metric=accuracy',
         '--optimization_goal=maximize',
       ]));

       assert.equal(code, 0, log.join('\n'));
       const trials = await storedTrials(dir);
       for (const t of trials) {
         const evaluation = JSON.parse(fs.readFileSync(
             path.join(dir, String(t.id), 'evaluation.json'), 'utf8'));
         const model = await loadModel(path.join(dir, String(t.id), 'model'));
         // Trainable parameters, as the original counts them.
         const trainable = model.trainableWeights.reduce(
             (sum, w) => sum + w.shape.reduce((a: number, b) => a * b!, 1), 0);
         assert.equal(evaluation.num_parameters, trainable);
         assert.ok(evaluation.num_parameters > 0);
         model.dispose();
       }
       const start = log.findIndex((l) => l.startsWith('study "model_search"'));
       assert.match(log[start], /best accuracy \(maximize\):$/);
       const best = log.slice(start + 1).map((l) => {
         // An ensemble of earlier towers trains no tower of its own.
         const m = new RegExp(
             '^  trial (\\d+) accuracy=(\\d\\.\\d{4}) ' +
             '(?:arch=\\[.+\\]|arch=\\[\\] members=\\[[\\d,]+\\]) dir=(.+)$')
                       .exec(l);
         assert.ok(m, `not a summary line: ${l}`);
         return {id: Number(m[1]), accuracy: Number(m[2]), dir: m[3]};
       });
       assert.equal(best.length, 5);
       for (let i = 1; i < best.length; i++) {
         assert.ok(best[i - 1].accuracy >= best[i].accuracy, log.join('\n'));
       }
       const top = trials.reduce((a, b) =>
           b.metrics!['accuracy'] > a.metrics!['accuracy'] ? b : a);
       assert.equal(best[0].accuracy, Number(
           top.metrics!['accuracy'].toFixed(4)));
       for (const b of best) {
         assert.equal(b.dir, path.join(dir, String(b.id)));
       }
     });

  for (const metric of METRIC_NAMES) {
    const goal = metric === 'loss' || metric === 'num_parameters' ?
        'minimize' : 'maximize';
    it(`optimizes --optimization_metric=${metric} (${goal})`, async () => {
      const dir = tmpDir();

      const {code, log} = await run(quick(dir, [
        '--experiment_max_num_trials=3', '--backend=cpu',
        `--optimization_metric=${metric}`, `--optimization_goal=${goal}`,
      ]));

      assert.equal(code, 0, log.join('\n'));
      const values = (await storedTrials(dir)).map((t) => t.metrics![metric]);
      const best = goal === 'minimize' ? Math.min(...values) :
                                         Math.max(...values);
      const start = log.findIndex((l) => l.startsWith('study "model_search"'));
      assert.match(log[start], new RegExp(`best ${metric} \\(${goal}\\):$`));
      const first = new RegExp(`^  trial \\d+ ${metric}=(\\S+) `)
                        .exec(log[start + 1]);
      assert.ok(first, log[start + 1]);
      assert.equal(Number(first[1]), Number(best.toFixed(4)));
    });
  }

  it('trains shallow towers shorter with use_parameter_scaled_training',
     async () => {
       const dir = tmpDir();
       const spec = path.join(dir, 'scaled.pbtxt');
       fs.writeFileSync(spec, [
         'problem_type: DNN', 'search_type: ADAPTIVE_COORDINATE_DESCENT',
         'minimum_depth: 1', 'maximum_depth: 4',
         'use_parameter_scaled_training: true',
         'increase_complexity_probability: 1.0',
         'blocks_to_use: ["FIXED_OUTPUT_FULLY_CONNECTED_128"]',
       ].join('\n'));

       const {code, log} = await run([
         ...quick(path.join(dir, 'run'), ['--experiment_max_num_trials=3']),
         '--phoenix_train_steps=20', `--phoenix_spec_filename=${spec}`,
       ]);

       assert.equal(code, 0, log.join('\n'));
       const steps = (await storedTrials(path.join(dir, 'run'))).map((t) => {
         const e = JSON.parse(fs.readFileSync(
             path.join(dir, 'run', String(t.id), 'evaluation.json'), 'utf8'));
         return [t.architecture.length, e.train_steps];
       });
       // 20 steps over maximum_depth 4 is 5 steps a block.
       assert.ok(steps.some(([depth]) => depth === 1), JSON.stringify(steps));
       for (const [depth, trained] of steps) {
         assert.equal(trained, Math.ceil(20 / Math.floor(20 / (5 * depth))),
                      JSON.stringify(steps));
       }
     });

  it('exports a model that loads and predicts as evaluated', async () => {
    const dir = tmpDir();
    assert.equal((await run(quick(dir, ['--experiment_max_num_trials=1']))).code,
                 0);

    const model = await loadModel(path.join(dir, '1', 'model'));
    const x = tf.tensor2d([[1, 0, 1], [0, 1, 0]]);
    const a = await (model.predict(x) as tf.Tensor).array();
    const again = await loadModel(path.join(dir, '1', 'model'));
    const b = await (again.predict(x) as tf.Tensor).array();

    assert.deepEqual(a, b);
    assert.equal((a as number[][])[0].length, 2);
  });

  it('resumes the study and then says it is complete', async () => {
    const dir = tmpDir();
    assert.equal((await run(quick(dir, ['--experiment_max_num_trials=2']))).code,
                 0);

    const second = await run(quick(dir, ['--experiment_max_num_trials=3']));
    const third = await run(quick(dir, ['--experiment_max_num_trials=3']));

    assert.equal(second.code, 0);
    assert.ok(second.log.some((l) => /reloaded 2 trials \(2 completed/.test(l)),
              second.log.join('\n'));
    assert.ok(second.log.some((l) => l.startsWith('trial 3/3 ')));
    assert.equal(third.code, 0);
    assert.ok(!third.log.some((l) => /^trial \d/.test(l)));
    assert.ok(third.log.some((l) => /complete: 3 trials completed/.test(l)));
    assert.deepEqual((await storedTrials(dir)).map((t) => t.id), [1, 2, 3]);
  });

  it('reproduces a run with the same seed', async () => {
    const a = tmpDir();
    const b = tmpDir();
    await run(quick(a, ['--experiment_max_num_trials=2']));
    await run(quick(b, ['--experiment_max_num_trials=2']));

    const ta = await storedTrials(a);
    const tb = await storedTrials(b);

    assert.deepEqual(ta.map((t) => t.architecture), tb.map((t) => t.architecture));
    assert.deepEqual(ta.map((t) => t.hparams), tb.map((t) => t.hparams));
    assert.deepEqual(ta.map((t) => t.metrics!['loss']),
                     tb.map((t) => t.metrics!['loss']));
  });

  const badInputs: Array<[string, (dir: string) => string[], RegExp]> = [
    ['a missing --filename', (d) => [`--model_dir=${d}`],
     /--filename is required/],
    ['a file that does not exist',
     (d) => [`--model_dir=${d}`, '--filename=/nonexistent/data.csv'],
     /\/nonexistent\/data\.csv/],
    ['a missing --model_dir', () => [`--filename=${RANDOM_CSV}`],
     /--model_dir is required/],
    ['an unknown flag', (d) => [...quick(d), '--phoenix_train_step=3'],
     /unknown flag --phoenix_train_step; did you mean "phoenix_train_steps"\?/],
    ['ragged rows', (d) => [...quick(d), `--filename=${writeCsv(
         'a,b,c\n0,1,2\n1,2\n')}`, '--record_defaults=0,0,0'],
     /data\.csv:3: 2 fields, expected 3 like the header/],
    ['a non-numeric field', (d) => [...quick(d), `--filename=${writeCsv(
         'a,b,c\n0,1,2\n1,x,2\n')}`, '--record_defaults=0,0,0'],
     /data\.csv:3: column "b" \(index 1\) is numeric .* but has "x"/],
    ['a label out of range', (d) => [...quick(d), `--filename=${writeCsv(
         'a,b,c\n0,1,2\n5,1,2\n')}`, '--record_defaults=0,0,0'],
     /data\.csv:3: label "a" \(column 0\) is 5, outside \[0, 2\)/],
    ['a spec with a typo', (d) => [...quick(d), `--phoenix_spec_filename=${
         writeFile('spec.pbtxt', 'minimun_depth: 2\n')}`],
     /spec\.pbtxt:1:1: .*did you mean .*minimum_depth/],
  ];
  for (const [name, argv, message] of badInputs) {
    it(`stops with exit 2 and writes nothing on ${name}`, async () => {
      const dir = path.join(tmpDir(), 'model_dir');

      const {code, log} = await run(argv(dir));

      assert.equal(code, 2, log.join('\n'));
      assert.match(log.join('\n'), message);
      assert.equal(fs.existsSync(dir), false, 'model_dir was created');
    });
  }

  it('lists every flag, the provider\'s included, in --help', async () => {
    const out: string[] = [];
    const write = process.stdout.write;
    process.stdout.write = ((s: string) => {
      out.push(s);
      return true;
    }) as unknown as typeof write;
    try {
      assert.equal((await run(['--help'])).code, 0);
    } finally {
      process.stdout.write = write;
    }
    const text = out.join('');
    for (const flag of ['--phoenix_spec_filename', '--phoenix_train_steps',
                        '--experiment_max_num_trials', '--filename',
                        '--label_index', '--record_defaults',
                        '--metadata_db']) {
      assert.ok(text.includes(flag + ':'), `${flag} missing from --help`);
    }
  });

  it('fails the check when a trial wrote no metrics', async () => {
    const dir = tmpDir();
    assert.equal((await run(quick(dir, ['--experiment_max_num_trials=1']))).code,
                 0);
    fs.rmSync(path.join(dir, '1', 'evaluation.json'));

    await assert.rejects(checkStudyOutput(dir),
                         (e: Error) => e instanceof CheckFailure &&
                             /evaluation\.json was not written/.test(e.message));
  });
});

function writeFile(name: string, text: string): string {
  const file = path.join(tmpDir(), name);
  fs.writeFileSync(file, text);
  return file;
}

function writeCsv(text: string): string {
  return writeFile('data.csv', text);
}
