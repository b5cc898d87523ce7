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
import './data/image_data_for_binary';

import {loadModel} from './backend/file_io';
import {tf} from './backend/tf';
import {DEFAULT_CNN, DEFAULT_DNN, resolveWorkspacePath} from './constants';
import {CsvDataProvider} from './data/csv_data';
import {SqliteStore} from './metadata/sqlite_store';
import {loadSpecFile, printPhoenixSpec} from './proto/text_format';
import {METRIC_NAMES} from './metric_fns';
import type {TowerRecord} from './generators/base_tower_generator';
import {main, removeRefusedRunFiles} from './oss_trainer';
import {temporaryTag} from './trial_directory';
import {storedTrials} from './study_testing';
import {CheckFailure, checkStudyOutput} from './oss_trainer_check';
import {machineName} from './metadata/worker_ids';

const TESTDATA = 'model_search/data/testdata';
const RANDOM_CSV = `${TESTDATA}/csv_random_data.csv`;
/** Both providers are linked in: each run names the one it uses. */
const CSV = '--phoenix_dataset=csv_data_provider';
const IMAGE = '--phoenix_dataset=image_data_provider';

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
    CSV, `--filename=${RANDOM_CSV}`, '--record_defaults=0,0,0,0',
    '--logits_dimension=2', `--model_dir=${modelDir}`,
    '--phoenix_train_steps=5', '--phoenix_eval_steps=2',
    '--phoenix_batch_size=4', '--phoenix_tf_random_seed=7', ...extra,
  ];
}


describe('oss_trainer main', function() {
  this.timeout(300000);

  it('runs a search: one directory, one COMPLETED row per trial', async () => {
    const dir = tmpDir();

    // With the absl logging flag of the original's command lines.
    const {code, log} = await run(quick(
        dir, ['--experiment_max_num_trials=3', '--alsologtostderr']));

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
    assert.ok(log.some((l) => l.startsWith(
                  'spec model_search/configs/dnn_config.pbtxt (the ' +
                  `default for [3] data); model_dir ${dir}; seed 7`)),
              log.join('\n'));
    const trialLines = log.filter((l) => /^trial \d+ \[\d\/3\] arch=\[/.test(l));
    assert.equal(trialLines.length, 3, log.join('\n'));
    assert.match(trialLines[0],
                 / loss=\d+\.\d{4} accuracy=\d\.\d{4} best_loss=\d+\.\d{4}@1 /);
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
         // An ensemble of earlier towers trains no tower of its own; a
         // distillation student names its teacher.
         const m = new RegExp(
             '^  trial (\\d+) accuracy=(\\d\\.\\d{4}) ' +
             '(?:arch=\\[.+\\](?: teacher=\\d+)?|' +
             'arch=\\[\\] members=\\[[\\d,]+\\]) dir=(.+)$')
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
      // A count reads as one; rates to 4 places.
      assert.match(first[1], metric === 'num_parameters' ? /^\d+$/ :
                                                           /^\d+\.\d{4}$/);
      assert.ok(!log.some((l) => l.startsWith('note: ')), log.join('\n'));
    });
  }

  it('refuses a study resumed in another model directory, leaving none',
     async () => {
       const root = tmpDir();
       const db = `--metadata_db=sqlite:${path.join(root, 'shared.db')}`;
       const first = await run(quick(path.join(root, 'first'), [
         '--experiment_max_num_trials=1', '--backend=cpu', db,
       ]));
       assert.equal(first.code, 0, first.log.join('\n'));
       const other = path.join(root, 'other');

       const {code, log} = await run(quick(other, [
         '--experiment_max_num_trials=2', '--backend=cpu', db,
       ]));

       assert.equal(code, 2, log.join('\n'));
       assert.equal(
           log[log.length - 1],
           'error: study "model_search" has 1 completed trial, but ' +
               `--model_dir=${other} lacks the directories of all of them ` +
               '(trial 1): give the --model_dir the study was started with ' +
               '(its workers share one), or a new --experiment_name for a ' +
               'new study');
       assert.equal(fs.existsSync(other), false, 'model_dir was created');
     });

  it('warns that a study in memory cannot be resumed or read', async () => {
    const {code, log} = await run(quick(tmpDir(), [
      '--experiment_max_num_trials=1', '--backend=cpu',
      '--metadata_db=sqlite::memory:',
    ]));

    assert.equal(code, 0, log.join('\n'));
    assert.equal(
        log.filter((l) => l.includes('sqlite::memory:')).join('\n'),
        'warning: --metadata_db=sqlite::memory: keeps the study in this ' +
            'process only: it cannot be resumed, joined by other workers, ' +
            'or read by `cli trials` and `cli report` once the search ends; ' +
            'give a file (sqlite:/path/metadata.db, or no --metadata_db for ' +
            '<model_dir>/model_search.db) to keep it');
  });

  it('resumes a study one of whose trial directories was removed',
     async () => {
       const dir = tmpDir();
       const first = await run(quick(dir, [
         '--experiment_max_num_trials=3', '--backend=cpu',
       ]));
       assert.equal(first.code, 0, first.log.join('\n'));
       fs.rmSync(path.join(dir, '2'), {recursive: true});

       const {code, log} = await run(quick(dir, [
         '--experiment_max_num_trials=5', '--backend=cpu',
       ]));

       assert.equal(code, 0, log.join('\n'));
       assert.ok(log.includes(
                     'warning: trial 2 of the study has no directory in ' +
                     `--model_dir=${dir} any more (removed, or lost with a ` +
                     'disk): it stays COMPLETED in the database, and this ' +
                     'search plans without it (no ensemble, warm start or ' +
                     'teacher takes it)'),
                 log.join('\n'));
       // The closing summary ranks it still, and says its model is gone.
       const listed = log.filter((line) => line.startsWith('  trial '));
       assert.ok(listed.length > 0, log.join('\n'));
       for (const line of listed) {
         assert.equal(
             line.endsWith(' (directory removed: no model to predict with)'),
             line.startsWith('  trial 2 '), line);
       }
       assert.ok(listed.some((line) => line.startsWith('  trial 2 ')),
                 log.join('\n'));
       const trials = await storedTrials(dir);
       assert.deepEqual(trials.map((t) => t.state),
                        Array(5).fill('COMPLETED'));
       // No later trial imports trial 2.
       for (const t of trials.slice(3)) {
         const towers = (t.extra?.['towers'] ?? []) as TowerRecord[];
         assert.ok(towers.every((tower) => tower.source?.trialId !== 2),
                   JSON.stringify(t.extra));
       }
     });

  it('says who can finish a study whose spec this version refuses',
     async () => {
       const dir = tmpDir();
       assert.equal((await run(quick(dir, [
                       '--experiment_max_num_trials=1', '--backend=cpu',
                     ]))).code, 0);
       // As an earlier version, which took learning-rate decay rates above
       // 1, could have started the study.
       const spec = writeFile('growing_rate.pbtxt',
           'problem_type: DNN search_type: ADAPTIVE_COORDINATE_DESCENT ' +
           'blocks_to_use: "FULLY_CONNECTED" learning_spec { ' +
           'apply_exponential_decay: true max_learning_rate_decay_rate: 1.5 }');

       const {code, log} = await run(quick(dir, [
         '--experiment_max_num_trials=2', '--backend=cpu',
         `--phoenix_spec_filename=${spec}`,
       ]));

       assert.equal(code, 2, log.join('\n'));
       assert.match(log[log.length - 1], new RegExp(
           'must lie in \\(0, 1\\] .*; if the study in ' +
           `--model_dir=${dir} was started with this spec by an earlier ` +
           'version of model_search, only that version can finish it \\(a ' +
           'spec changed to be accepted makes another study: give it a new ' +
           '--experiment_name and --model_dir\\)$'));
     });

  it('goes on without an earlier trial whose weights are damaged',
     async () => {
       const dir = tmpDir();
       const dnn = fs.readFileSync(resolveWorkspacePath(DEFAULT_DNN), 'utf8');
       // Trial 3 ensembles trials 1 and 2; later ones the best of them.
       const spec = writeFile('pool.pbtxt', dnn.slice(
           0, dnn.indexOf('ensemble_spec {')) +
           'ensemble_spec { ensemble_search_type: ' +
           'NONADAPTIVE_ENSEMBLE_SEARCH nonadaptive_search { ' +
           'minimal_pool_size: 2 width: 2 num_trials_to_consider: 2 } }\n');
       const args = (trials: number) => quick(dir, [
         `--experiment_max_num_trials=${trials}`, '--backend=cpu',
         `--phoenix_spec_filename=${spec}`,
       ]);
       assert.equal((await run(args(2))).code, 0);
       const weights = path.join(dir, '1', 'model', 'weights.bin');
       const bytes = fs.readFileSync(weights);
       bytes[bytes.length - 1] ^= 0xff;
       fs.writeFileSync(weights, bytes);

       const {code, log} = await run(args(4));

       assert.equal(code, 0, log.join('\n'));
       const trials = await storedTrials(dir);
       assert.deepEqual(trials.map((t) => [t.id, t.state]),
                        [[1, 'COMPLETED'], [2, 'COMPLETED'], [3, 'FAILED'],
                         [4, 'COMPLETED'], [5, 'COMPLETED']]);
       assert.match(trials[2].failureReason!,
                    /^trial 3 imports towers of trial 1, whose files cannot be used: /);
       assert.ok(log.includes(
                     'trial 1 is left out of the trials this search plans ' +
                     'from (ensembles, warm starts, teachers and the search ' +
                     'algorithm): its files cannot be used'),
                 log.join('\n'));
       for (const t of trials.slice(3)) {
         assert.deepEqual(t.extra?.['members'], [2], JSON.stringify(t.extra));
       }
     });

  it('refuses to resume a study with another objective', async () => {
    const dir = tmpDir();
    const first = await run(quick(dir, [
      '--experiment_max_num_trials=1', '--backend=cpu',
      '--optimization_metric=accuracy', '--optimization_goal=maximize',
    ]));
    assert.equal(first.code, 0, first.log.join('\n'));
    // The summary, which once told, goes: the database keeps it.
    fs.rmSync(path.join(dir, 'study_summary.json'));

    const {code, log} = await run(quick(dir, [
      '--experiment_max_num_trials=2', '--backend=cpu',
      '--optimization_metric=loss',
    ]));

    assert.equal(code, 2, log.join('\n'));
    assert.match(log[log.length - 1],
                 /^error: study "model_search" of owner ".*" in .* ranks its trials by --optimization_metric=accuracy --optimization_goal=maximize, not loss \(minimize\); run with those flags, or start a new study: a new --experiment_name with a --model_dir of its own$/);
    assert.deepEqual((await storedTrials(dir)).map((t) => t.id), [1]);
  });

  it('resumes a study with its own objective when given neither flag',
     async () => {
       const dir = tmpDir();
       const first = await run(quick(dir, [
         '--experiment_max_num_trials=1', '--backend=cpu',
         '--optimization_metric=accuracy', '--optimization_goal=maximize',
       ]));
       assert.equal(first.code, 0, first.log.join('\n'));

       const {code, log} = await run(quick(dir, [
         '--experiment_max_num_trials=2', '--backend=cpu',
       ]));

       assert.equal(code, 0, log.join('\n'));
       assert.ok(log.includes('objective: accuracy (maximize), the study\'s'),
                 log.join('\n'));
       assert.deepEqual((await storedTrials(dir)).map((t) => t.state),
                        ['COMPLETED', 'COMPLETED']);
       const summary = JSON.parse(fs.readFileSync(
           path.join(dir, 'study_summary.json'), 'utf8'));
       assert.deepEqual(summary.objective,
                        {metric: 'accuracy', goal: 'maximize'});
     });

  it('refuses to resume a study from before objectives were kept with ' +
         'another objective than its summary\'s',
     async () => {
       const dir = tmpDir();
       fs.mkdirSync(dir, {recursive: true});
       const key = {experimentName: 'archived', experimentOwner: 'me'};
       // A database of schema version 2 (no objective column) and the
       // summary a search of then wrote.
       const old = await SqliteStore.open(
           {filename: path.join(dir, 'model_search.db'),
            targetSchemaVersion: 2});
       await old.openStudy(key, 'spec');
       await old.close();
       fs.writeFileSync(
           path.join(dir, 'study_summary.json'),
           JSON.stringify({objective: {metric: 'auc_roc', goal: 'maximize'},
                           trials: []}));

       const {code, log} = await run(quick(dir, [
         '--experiment_max_num_trials=1', '--backend=cpu',
         '--experiment_name=archived', '--experiment_owner=me',
       ]));

       assert.equal(code, 2, log.join('\n'));
       assert.match(log[log.length - 1],
                    /^error: study "archived" in .* was searched with --optimization_metric=auc_roc --optimization_goal=maximize \(its study_summary\.json\), but this run has --optimization_metric=loss --optimization_goal=minimize; /);
       // Refused before the study was opened: it took no objective.
       const store = await SqliteStore.open(
           {filename: path.join(dir, 'model_search.db'), readOnly: true});
       try {
         const [study] = await store.listStudies();
         assert.equal(study.experimentName, 'archived');
         assert.equal(study.objective, undefined);
       } finally {
         await store.close();
       }
     });

  const goalNotes: Array<[string, string, string]> = [
    ['a metric given without a goal is minimized',
     '--optimization_metric=accuracy',
     'warning: --optimization_metric=accuracy is minimized, as ' +
         '--optimization_goal defaults to minimize (as in the original); ' +
         'give --optimization_goal=maximize to search for the highest'],
    ['maximizing the loss searches for the worst',
     '--optimization_goal=maximize',
     'warning: --optimization_goal=maximize with --optimization_metric=loss ' +
         'searches for the models of the highest loss, the worst; give ' +
         '--optimization_goal=minimize (the default) for the best'],
  ];
  for (const [what, flag, note] of goalNotes) {
    it(`notes that ${what}`, async () => {
      const {code, log} = await run(quick(tmpDir(), [
        '--experiment_max_num_trials=1', '--backend=cpu', flag,
      ]));

      assert.equal(code, 0, log.join('\n'));
      assert.ok(log.includes(note), log.join('\n'));
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

  it('leaves no tensor behind over a search on wasm', async () => {
    const dir = tmpDir();
    // The backend is chosen (and its constants made) by a first search.
    assert.equal((await run(quick(dir, [
      '--experiment_max_num_trials=1', '--backend=wasm',
    ]))).code, 0);
    const before = tf.memory().numTensors;

    const {code, log} = await run(quick(dir, [
      '--experiment_max_num_trials=12', '--backend=wasm',
      '--hypertuning_method=random',
    ]));

    assert.equal(code, 0, log.join('\n'));
    assert.equal(tf.memory().numTensors, before);
  });

  it('warns once when trials have no value of the objective', async () => {
    const dir = tmpDir();
    // One class only: the areas under curves are not defined.
    const validation = writeCsv(
        'one,two,three,four\n1,0,1,0\n1,1,0,1\n1,0,0,1\n');

    const {code, log} = await run(quick(dir, [
      `--validation_filename=${validation}`,
      '--optimization_metric=auc_roc', '--optimization_goal=maximize',
      '--experiment_max_num_trials=2',
    ]));

    assert.equal(code, 0, log.join('\n'));
    const warnings = log.filter((l) => l.startsWith('warning: trial'));
    assert.deepEqual(warnings, [
      'warning: trial 1 has no auc_roc (n/a), so it cannot be ranked: ' +
          'auc_roc needs examples of every class in the evaluation data ' +
          '(do the validation file, or the images held out, hold one ' +
          'class only?); check the ' +
          'evaluation data, or give another --optimization_metric',
    ]);
  });

  it('refuses to resume a study on other data', async () => {
    const dir = tmpDir();
    assert.equal((await run(quick(dir, ['--experiment_max_num_trials=1'])))
                     .code, 0);
    const other = writeCsv('label,x,y,z\n' +
        Array.from({length: 12}, (_, i) => `${i % 2},${i},${2 * i},1`)
            .join('\n'));

    const {code, log} = await run([
      ...quick(dir, ['--experiment_max_num_trials=2']),
      `--filename=${other}`,
    ]);

    assert.equal(code, 2, log.join('\n'));
    assert.match(log.join('\n'), new RegExp(
        'study "model_search" in .* was trained on csv data of shape ' +
        '\\[3\\], columns two,three,four, classes 0,1 \\(trial 1\\), ' +
        'but the data given now is csv data of shape \\[3\\], columns ' +
        'x,y,z, classes 0,1 \\(columns missing: two, three, four; new ' +
        'columns: x, y, z\\); give the same data to resume it, or a new ' +
        '--model_dir or --experiment_name for a new study'));
    assert.deepEqual((await storedTrials(dir)).map((t) => t.id), [1]);
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
    assert.ok(second.log.some((l) => l.startsWith('trial 3 [3/3] ')));
    assert.equal(third.code, 0);
    assert.ok(!third.log.some((l) => /^trial \d/.test(l)));
    assert.ok(third.log.some((l) => /complete: 3 trials completed/.test(l)));
    assert.deepEqual((await storedTrials(dir)).map((t) => t.id), [1, 2, 3]);
  });

  it('prints the clock\'s seed of an unseeded search, which repeats it',
     async () => {
       const unseeded = (dir: string) =>
           quick(dir, ['--experiment_max_num_trials=2'])
               .filter((f) => !f.startsWith('--phoenix_tf_random_seed='));
       const a = tmpDir();
       const b = tmpDir();
       const first = await run(unseeded(a));
       const said = first.log
           .map((l) => /; seed (\d+) \(the clock's; (--phoenix_tf_random_seed=\d+) repeats it\)$/.exec(l))
           .find((m) => m !== null);
       assert.ok(said, first.log.join('\n'));
       assert.equal(said[2], `--phoenix_tf_random_seed=${said[1]}`);

       const second = await run([...unseeded(b), said[2]]);

       assert.equal(second.code, 0, second.log.join('\n'));
       const ta = await storedTrials(a);
       const tb = await storedTrials(b);
       assert.deepEqual(tb.map((t) => t.hparams), ta.map((t) => t.hparams));
       assert.deepEqual(tb.map((t) => t.metrics!['loss']),
                        ta.map((t) => t.metrics!['loss']));
     });

  it('resumes an unseeded study from its own seed, and warns of another',
     async () => {
       const unseeded = (dir: string, trials: number) =>
           quick(dir, [`--experiment_max_num_trials=${trials}`])
               .filter((f) => !f.startsWith('--phoenix_tf_random_seed='));
       const resumed = tmpDir();
       const whole = tmpDir();
       const first = await run(unseeded(resumed, 2));
       const seed = first.log.map((l) => /; seed (\d+) \(the clock's/.exec(l))
                        .find((m) => m !== null)?.[1];
       assert.ok(seed, first.log.join('\n'));

       const second = await run(unseeded(resumed, 4));
       assert.equal(second.code, 0, second.log.join('\n'));
       assert.ok(second.log.some((l) => l.endsWith(
                     `; seed ${seed} (the study's, from its study_data.json)`)),
                 second.log.join('\n'));
       await run([...unseeded(whole, 4), `--phoenix_tf_random_seed=${seed}`]);
       const ta = await storedTrials(resumed);
       const tb = await storedTrials(whole);
       assert.deepEqual(ta.map((t) => t.hparams), tb.map((t) => t.hparams));
       assert.deepEqual(ta.map((t) => t.architecture),
                        tb.map((t) => t.architecture));

       const other = (Number(seed) + 1) % 4294967296;
       const third = await run(
           [...unseeded(resumed, 5), `--phoenix_tf_random_seed=${other}`]);
       assert.equal(third.code, 0, third.log.join('\n'));
       assert.ok(third.log.includes(
                     `warning: the study planned its trials from seed ${
                         seed} (its study_data.json); this worker plans ` +
                     `from --phoenix_tf_random_seed=${other}, so its trials ` +
                     'differ from those one uninterrupted run would have ' +
                     'planned; leave the flag out to plan from the ' +
                     'study\'s seed'),
                 third.log.join('\n'));

       // The record removed, the seed is not known: said, not guessed.
       fs.rmSync(path.join(resumed, 'study_data.json'));
       const fourth = await run(unseeded(resumed, 6));
       assert.equal(fourth.code, 0, fourth.log.join('\n'));
       assert.ok(fourth.log.some((l) => l.startsWith(
                     'warning: the study has trials here but no seed on ' +
                     'record (no study_data.json, or one from before seeds ' +
                     'were kept): its next trials are planned from seed ')),
                 fourth.log.join('\n'));
     });

  it('refuses trial directories a restored database does not know',
     async () => {
       const dir = tmpDir();
       const db = path.join(dir, 'model_search.db');
       assert.equal((await run(quick(dir, ['--experiment_max_num_trials=2'])))
                        .code, 0);
       const copy = fs.readFileSync(db);
       assert.equal((await run(quick(dir, ['--experiment_max_num_trials=4'])))
                        .code, 0);
       fs.writeFileSync(db, copy);
       for (const suffix of ['-wal', '-shm']) {
         fs.rmSync(`${db}${suffix}`, {force: true});
       }
       const before = fs.readFileSync(db);

       const again = await run(quick(dir, ['--experiment_max_num_trials=6']));

       assert.equal(again.code, 2, again.log.join('\n'));
       assert.ok(again.log.some((l) => l.includes(
                     `--model_dir=${dir} holds the trial directories 3, 4, ` +
                     `but sqlite:${db} has no such trial of study ` +
                     '"model_search": the database is older than the ' +
                     'directory (restored from a copy?), or another study ' +
                     'wrote them. Move them out of --model_dir to go on')),
                 again.log.join('\n'));
       assert.deepEqual(fs.readFileSync(db), before);
       assert.deepEqual((await storedTrials(dir)).map((t) => t.id), [1, 2]);
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

  it('names an unreachable database in one line and leaves no model_dir',
     async () => {
    const dir = path.join(tmpDir(), 'model_dir');

    // Nothing listens on port 1 of loopback: refused at once.
    const {code, log} = await run(quick(dir, [
      '--metadata_db=postgres://nobody@127.0.0.1:1/test',
      '--metadata_retry_seconds=0',
    ]));

    assert.equal(code, 1, log.join('\n'));
    const errors = log.filter((l) => l.startsWith('error: '));
    assert.equal(errors.length, 1, log.join('\n'));
    assert.match(errors[0], /127\.0\.0\.1:1.*ECONNREFUSED/);
    assert.ok(!log.some((l) => /^\s+at /m.test(l)), log.join('\n'));
    assert.equal(fs.existsSync(dir), false, 'model_dir was left behind');
  });

  it('names a SQLite file it cannot open, with exit 2 and no stack',
     async () => {
       const root = tmpDir();
       const file = path.join(root, 'a_file');
       fs.writeFileSync(file, '');
       const dir = path.join(root, 'model_dir');

       const {code, log} = await run(quick(dir, [
         `--metadata_db=sqlite:${file}/x.db`,
       ]));

       assert.equal(code, 2, log.join('\n'));
       assert.equal(log[log.length - 1],
                    `error: sqlite:${file}/x.db: cannot open the database ` +
                        'file (unable to open database file); check that ' +
                        'its directory exists and can be written to');
       assert.equal(fs.existsSync(dir), false, 'model_dir was left behind');
     });

  it('refuses a second study in the model_dir of another', async () => {
    const dir = tmpDir();
    assert.equal((await run(quick(dir, [
      '--experiment_max_num_trials=1', '--experiment_name=first',
    ]))).code, 0);
    const summary = fs.readFileSync(
        path.join(dir, 'study_summary.json'), 'utf8');

    // Unseeded: the first study's seed is not this one's to miss.
    const {code, log} = await run(quick(dir, [
      '--experiment_max_num_trials=1', '--experiment_name=second',
    ]).filter((f) => !f.startsWith('--phoenix_tf_random_seed=')));

    assert.equal(code, 2, log.join('\n'));
    assert.ok(!log.some((l) => l.includes('no seed on record')),
              log.join('\n'));
    assert.match(log.join('\n'), new RegExp(
        `^error: --model_dir=${dir} belongs to study "first" \\(owner ` +
        '[^)]*\\) \\(its study_data.json\\), not to study "second" ' +
        '\\(owner [^)]*\\) in sqlite:.*: give each study a --model_dir of ' +
        'its own', 'm'));
    assert.equal(
        fs.readFileSync(path.join(dir, 'study_summary.json'), 'utf8'),
        summary);
    assert.deepEqual((await storedTrials(dir)).map((t) => t.id), [1]);
  });

  it('says how to start anew a study whose own database lost it before ' +
         'any trial', async () => {
    const dir = tmpDir();
    assert.equal((await run(quick(dir, ['--experiment_max_num_trials=1'])))
                     .code, 0);
    // As a search stopped as it made its database leaves the directory.
    fs.rmSync(path.join(dir, '1'), {recursive: true});
    for (const f of fs.readdirSync(dir)) {
      if (f.startsWith('model_search.db')) fs.rmSync(path.join(dir, f));
    }
    fs.writeFileSync(path.join(dir, 'model_search.db'), '');

    const {code, log} = await run(quick(dir, ['--experiment_max_num_trials=1']));

    assert.equal(code, 2, log.join('\n'));
    assert.match(
        log[log.length - 1],
        new RegExp(`^error: --model_dir=${dir} belongs to study ` +
            '"model_search" \\(owner [^)]*\\) created \\d{4}-.*Z \\(its ' +
            'study_data.json\\), but its database in ' +
            `sqlite:${dir}/model_search.db holds no study at all, and no ` +
            'trial of it ran: give the --metadata_db the study was started ' +
            'with; or, if a search stopped as it made this database, remove ' +
            `${dir}/study_data.json to start the study anew$`));
    // As it says.
    fs.rmSync(path.join(dir, 'study_data.json'));
    assert.equal((await run(quick(dir, ['--experiment_max_num_trials=1'])))
                     .code, 0);
  });

  it('refuses trial directories whose database is elsewhere, keeping none',
     async () => {
       const dir = tmpDir();
       assert.equal((await run(quick(dir, ['--experiment_max_num_trials=1'])))
                        .code, 0);
       // As a study kept in PostgreSQL leaves its model_dir, copied or
       // resumed without --metadata_db.
       for (const f of fs.readdirSync(dir)) {
         if (f.startsWith('model_search.db')) fs.rmSync(path.join(dir, f));
       }
       const before = fs.readdirSync(dir).sort();

       const {code, log} = await run(quick(dir, [
         '--experiment_max_num_trials=1',
       ]));

       assert.equal(code, 2, log.join('\n'));
       assert.match(
           log[log.length - 1],
           new RegExp(`^error: --model_dir=${dir} belongs to study ` +
               '"model_search" \\(owner [^)]*\\) created \\d{4}-.*Z \\(its ' +
               'study_data.json\\), which the database in ' +
               `sqlite:${dir}/model_search.db does not hold: give the ` +
               '--metadata_db the study was searched with, or a new ' +
               '--model_dir for a new study$'));
       assert.deepEqual(fs.readdirSync(dir).sort(), before);
       // Directories of an older version, with no study_data.json: the
       // trial directories tell.
       fs.rmSync(path.join(dir, 'study_data.json'));
       const older = await run(quick(dir, ['--experiment_max_num_trials=1']));
       assert.equal(older.code, 2, older.log.join('\n'));
       assert.equal(
           older.log[older.log.length - 1],
           `error: --model_dir=${dir} holds trial directories (1) but the ` +
               `database sqlite:${dir}/model_search.db holds no study: if ` +
               'the study keeps its bookkeeping in another database, give ' +
               'it with --metadata_db; for a new study, give a new ' +
               '--model_dir');
     });

  it('resumes a study whose study_data.json was removed, keeping its id',
     async () => {
       const dir = tmpDir();
       assert.equal(
           (await run(quick(dir, ['--experiment_max_num_trials=1']))).code, 0);
       const before = JSON.parse(
           fs.readFileSync(path.join(dir, 'study_data.json'), 'utf8'));
       fs.rmSync(path.join(dir, 'study_data.json'));

       const {code, log} =
           await run(quick(dir, ['--experiment_max_num_trials=3']));

       assert.equal(code, 0, log.join('\n'));
       assert.deepEqual(
           (await storedTrials(dir)).map((t) => [t.id, t.state]),
           [[1, 'COMPLETED'], [2, 'COMPLETED'], [3, 'COMPLETED']]);
       assert.equal(
           JSON.parse(fs.readFileSync(path.join(dir, 'study_data.json'),
                                      'utf8')).directoryId,
           before.directoryId);
     });

  it('refuses another owner\'s study in the model_dir at once, writing ' +
         'nothing',
     async () => {
       const dir = tmpDir();
       assert.equal((await run(quick(dir, [
                      '--experiment_max_num_trials=1', '--experiment_name=o',
                      '--experiment_owner=alice',
                    ]))).code,
                    0);
       const before = new Map(fs.readdirSync(dir).map(
           (f) => [f, fs.statSync(path.join(dir, f)).mtimeMs]));

       const {code, log} = await run(quick(dir, [
         '--experiment_max_num_trials=1', '--experiment_name=o',
         '--experiment_owner=bob',
       ]));

       assert.equal(code, 2, log.join('\n'));
       assert.match(log[log.length - 1], new RegExp(
           `^error: --model_dir=${dir} belongs to study "o" \\(owner ` +
           'alice\\) \\(its study_data.json\\), not to study "o" \\(owner ' +
           'bob\\)'));
       assert.ok(!log.some((l) => /^trial \d/.test(l)), log.join('\n'));
       assert.deepEqual(new Map(fs.readdirSync(dir).map(
                            (f) => [f, fs.statSync(path.join(dir, f)).mtimeMs])),
                        before);
     });

  it('refuses a model_dir of a study of the same name in another database',
     async () => {
       const dir = tmpDir();
       const other = tmpDir();
       const dbA = `--metadata_db=sqlite:${path.join(dir, 'a.db')}`;
       const dbB = `--metadata_db=sqlite:${path.join(other, 'b.db')}`;
       assert.equal(
           (await run(quick(dir, ['--experiment_max_num_trials=1', dbA])))
               .code,
           0);
       // Database b holds a study of the same name and owner, from
       // another model directory.
       assert.equal((await run(quick(path.join(other, 'study'), [
                      '--experiment_max_num_trials=1', dbB,
                    ]))).code,
                    0);
       const summary =
           fs.readFileSync(path.join(dir, 'study_summary.json'), 'utf8');

       const {code, log} =
           await run(quick(dir, ['--experiment_max_num_trials=2', dbB]));

       assert.equal(code, 2, log.join('\n'));
       assert.match(log[log.length - 1], new RegExp(
           `^error: --model_dir=${dir} belongs to study "model_search" ` +
           '\\(owner [^)]*\\) created \\S+Z \\(its study_data.json\\), but ' +
           'the study of that name in sqlite:\\S+ was created \\S+Z: it is ' +
           'another database\'s study; give the --metadata_db of the study ' +
           'that made the directory, or a new --model_dir$'));
       assert.equal(
           fs.readFileSync(path.join(dir, 'study_summary.json'), 'utf8'),
           summary);
     });

  it('removes what it wrote into a directory that is not the study\'s',
     async () => {
       const dir = tmpDir();
       const db = path.join(dir, 'shared.db');
       const mine = path.join(dir, 'b');
       fs.mkdirSync(mine);
       // The study, opened by a worker writing into dir/a, whose trial 1
       // is planned; this worker's directory records the study too (both
       // started at one moment), with a directory id of its own.
       const store = await SqliteStore.open({filename: db});
       try {
         const {studyId} = await store.openStudy(
             {experimentName: 'model_search',
              experimentOwner: os.userInfo().username},
             printPhoenixSpec(loadSpecFile(resolveWorkspacePath(DEFAULT_DNN))));
         const [study] = await store.listStudies();
         const data = new CsvDataProvider({
           filename: RANDOM_CSV, recordDefaults: '0,0,0,0', logitsDimension: 2,
           log: () => {},
         });
         await data.prepare();
         fs.writeFileSync(path.join(mine, 'study_data.json'), JSON.stringify({
           experimentName: 'model_search',
           experimentOwner: os.userInfo().username,
           createdAt: study.createdAt, directoryId: 'mine',
           schema: data.inputSchema(),
         }));
         const started = await store.startTrial(
             studyId, 5, `elsewhere@${machineName()}:1`, 600);
         await store.planTrial(
             studyId, (started as {trial: {id: number}}).trial.id,
             {architecture: ['FULLY_CONNECTED'], hparams: {}, kind: 'search',
              extra: {directoryId: 'theirs'}, directory: '1'});
       } finally {
         await store.close();
       }

       const {code, log} = await run(quick(mine, [
         '--experiment_max_num_trials=3', `--metadata_db=sqlite:${db}`,
         `--phoenix_spec_filename=${resolveWorkspacePath(DEFAULT_DNN)}`,
       ]));

       assert.equal(code, 2, log.join('\n'));
       assert.match(log[log.length - 1], /^error: trial 2: the study's trials go to another model directory/);
       assert.deepEqual(fs.readdirSync(mine), []);
     });

  it('refuses to join a study whose workers write elsewhere', async () => {
    const dir = tmpDir();
    const db = path.join(dir, 'shared.db');
    // A worker of the study runs a trial with --model_dir=dir/a.
    assert.equal((await run(quick(path.join(dir, 'a'), [
                   '--experiment_max_num_trials=1', `--metadata_db=sqlite:${db}`,
                 ]))).code,
                 0);
    const store = await SqliteStore.open({filename: db});
    try {
      const [study] = await store.listStudies();
      const started = await store.startTrial(
          study.studyId, 5, `elsewhere@${machineName()}:1`, 600);
      assert.equal(started.status, 'started');
    } finally {
      await store.close();
    }
    fs.rmSync(path.join(dir, 'a', '1'), {recursive: true});

    const {code, log} = await run(quick(path.join(dir, 'b'), [
      '--experiment_max_num_trials=5', `--metadata_db=sqlite:${db}`,
    ]));

    assert.equal(code, 2, log.join('\n'));
    assert.match(log[log.length - 1], new RegExp(
        '^error: study "model_search" \\(owner [^)]*\\) has 1 trial running ' +
        `in other workers, but --model_dir=${dir}/b holds no ` +
        'study_data.json, which the study\'s first worker writes: they ' +
        'write into another model directory; give every worker of the ' +
        'study the same --model_dir$'));
  });

  it('refuses a directory holding a folder of the user named 1, at once',
     async () => {
       const dir = tmpDir();
       fs.mkdirSync(path.join(dir, '1'));
       fs.writeFileSync(path.join(dir, '1', 'notes.txt'), 'mine\n');

       const {code, log} = await run(quick(dir, [
         '--experiment_max_num_trials=1',
       ]));

       assert.equal(code, 2, log.join('\n'));
       assert.equal(log[log.length - 1],
                    `error: --model_dir=${dir} holds "1", which is not a ` +
                        'trial directory, under a name a trial directory ' +
                        'takes (trial directories are named by trial id): ' +
                        'move it, or give the search a directory of its own');
       assert.deepEqual(fs.readdirSync(dir), ['1']);
       assert.deepEqual(fs.readdirSync(path.join(dir, '1')), ['notes.txt']);
     });

  it('refuses a trial directory, or a folder in one, as --model_dir',
     async () => {
       const dir = tmpDir();
       assert.equal((await run(quick(dir, ['--experiment_max_num_trials=1'])))
                        .code, 0);
       const trial = path.join(dir, '1');
       for (const [modelDir, how] of [[trial, 'is'],
                                      [path.join(trial, 'model'), 'lies inside'],
                                      [path.join(trial, 'new', 'x'),
                                       'lies inside']]) {
         const before = fs.readdirSync(trial).sort();

         const {code, log} = await run(quick(modelDir));

         assert.equal(code, 2, log.join('\n'));
         assert.equal(log[log.length - 1],
                      `error: --model_dir=${modelDir} ${how} the directory ` +
                          `of trial 1 of the study in ${dir}: a search ` +
                          'would write its files among the trial\'s; give ' +
                          'the search a directory of its own (a trial ' +
                          'directory is what predict takes)');
         assert.deepEqual(fs.readdirSync(trial).sort(), before);
       }
       assert.deepEqual(fs.readdirSync(path.join(trial, 'model')).sort(),
                        ['model.json', 'weights.bin']);
       // A folder named as a trial the study has not written yet.
       const unwritten = path.join(dir, '7');
       const {code, log} = await run(quick(unwritten));
       assert.equal(code, 2, log.join('\n'));
       assert.equal(log[log.length - 1],
                    `error: --model_dir=${unwritten} is ${unwritten}, the ` +
                        `name of trial 7's directory in the study in ${
                            dir}: that trial could not be written there; ` +
                        'give the search a directory of its own');
       assert.equal(fs.existsSync(unwritten), false);
     });

  it('refuses a malloc variable glibc would read as 0', async () => {
    const dir = tmpDir();
    const saved = process.env['MALLOC_MMAP_THRESHOLD_'];
    process.env['MALLOC_MMAP_THRESHOLD_'] = '12abc';
    try {
      const {code, log} = await run(quick(path.join(dir, 'study')));

      assert.equal(code, 2);
      assert.match(log.join('\n'),
                   /MALLOC_MMAP_THRESHOLD_="12abc" is not a number of bytes/);
      assert.ok(!fs.existsSync(path.join(dir, 'study')));
    } finally {
      if (saved === undefined) {
        delete process.env['MALLOC_MMAP_THRESHOLD_'];
      } else {
        process.env['MALLOC_MMAP_THRESHOLD_'] = saved;
      }
    }
  });

  // Each trial draws from (seed, trial id): a study stopped after every
  // trial and resumed plans as one run does, instead of drawing the
  // seed's first numbers again at each start.
  it('plans the same trials whether resumed after each one or not',
     async () => {
       const once = tmpDir();
       const resumed = tmpDir();
       await run(quick(once, ['--experiment_max_num_trials=5']));
       for (let budget = 1; budget <= 5; budget++) {
         const {code, log} = await run(
             quick(resumed, [`--experiment_max_num_trials=${budget}`]));
         assert.equal(code, 0, log.join('\n'));
       }

       const a = await storedTrials(once);
       const b = await storedTrials(resumed);

       assert.equal(b.length, 5);
       assert.deepEqual(b.map((t) => t.architecture),
                        a.map((t) => t.architecture));
       assert.deepEqual(b.map((t) => t.hparams), a.map((t) => t.hparams));
       assert.deepEqual(b.map((t) => t.metrics!['loss']),
                        a.map((t) => t.metrics!['loss']));
       // Not one trial planned five times.
       assert.ok(new Set(b.map((t) => JSON.stringify(t.hparams))).size > 1);
     });

  const badInputs: Array<[string, (dir: string) => string[], RegExp]> = [
    ['a missing --filename', (d) => [CSV, `--model_dir=${d}`],
     /--filename is required/],
    ['a file that does not exist',
     (d) => [CSV, `--model_dir=${d}`, '--filename=/nonexistent/data.csv'],
     /\/nonexistent\/data\.csv/],
    ['a missing --model_dir', () => [CSV, `--filename=${RANDOM_CSV}`],
     /--model_dir is required/],
    ['two linked providers and no --phoenix_dataset',
     (d) => [`--model_dir=${d}`, `--filename=${RANDOM_CSV}`],
     exact('this binary links 2 providers (csv_data_provider, ',
           'image_data_provider); choose one with --phoenix_dataset (in a ',
           'model_search_oss_test: extra_args = ',
           '["--phoenix_dataset=csv_data_provider"])')],
    ['the original\'s root_dir', (d) => [...quick(d), `--root_dir=${d}`],
     exact('unknown flag --root_dir: the search binary writes its trials ',
           'under --model_dir (root_dir is the name in ',
           'SingleTrainer.tryModels, rootDir) (--help lists them all)')],
    ['an unknown flag', (d) => [...quick(d), '--phoenix_train_step=3'],
     /unknown flag --phoenix_train_step; did you mean "phoenix_train_steps"\?/],
    ['ragged rows', (d) => [...quick(d), `--filename=${writeCsv(
         'a,b,c\n0,1,2\n1,2\n')}`, '--record_defaults=0,0,0'],
     /data\.csv:3: 2 fields, expected 3 like the header/],
    ['a non-numeric field', (d) => [...quick(d), `--filename=${writeCsv(
         'a,b,c\n0,1,2\n1,x,2\n')}`, '--record_defaults=0,0,0'],
     /data\.csv:3: column "b" \(index 1\) is numeric .* but has "x"/],
    ['a number beyond 32-bit floats', (d) => [...quick(d), `--filename=${
         writeCsv('a,b,c\n0,1,2\n1,1e300,2\n0,3,4\n')}`,
         '--record_defaults=0,0,0'],
     /data\.csv:3: column "b" \(index 1\) has 1e300, beyond the range of the 32-bit floats training uses/],
    ['an overflowing number in an inferred column', (d) => [...quick(d),
         `--filename=${writeCsv('a,b,c\n0,1,2\n1,2,1e999\n0,3,4\n')}`,
         '--record_defaults=0,0,'],
     /data\.csv:3: column "c" \(index 2\) has 1e999, beyond the range/],
    ['a label out of range', (d) => [...quick(d), `--filename=${writeCsv(
         'a,b,c\n0,1,2\n5,1,2\n')}`, '--record_defaults=0,0,0'],
     /data\.csv:3: label "a" \(column 0\) is 5, outside \[0, 2\)/],
    ['a spec with a typo', (d) => [...quick(d), `--phoenix_spec_filename=${
         writeFile('spec.pbtxt', 'minimun_depth: 2\n')}`],
     /spec\.pbtxt:1:1: .*did you mean .*minimum_depth/],
    ['a negative wasm memory limit',
     (d) => [...quick(d), '--wasm_memory_limit_mb=-5'],
     exact('--wasm_memory_limit_mb must be at least 0 (0: never restart), ',
           'got -5')],
    ['negative evaluation steps',
     (d) => [...quick(d), '--phoenix_eval_steps=-1'],
     exact('--phoenix_eval_steps must be at least 0 (0: one whole pass), ',
           'got -1')],
    ['the GPU backend on a machine without it',
     (d) => [...quick(d), '--backend=tensorflow-gpu'],
     /--backend=tensorflow-gpu: .*tfjs-node-gpu/],
    ['a seed beyond 32 bits',
     (d) => [...quick(d), '--phoenix_tf_random_seed=4294967297'],
     exact('--phoenix_tf_random_seed=4294967297: give a seed in [0, ',
           '4294967295], or -1 for the clock\'s')],
    ['a negative seed other than -1',
     (d) => [...quick(d), '--phoenix_tf_random_seed=-7'],
     exact('--phoenix_tf_random_seed=-7: give a seed')],
    ['an empty experiment name',
     (d) => [...quick(d), '--experiment_name='],
     exact('--experiment_name is empty; give the study a name')],
    ['an empty experiment owner',
     (d) => [...quick(d), '--experiment_owner='],
     exact('--experiment_owner is empty; give the study\'s owner, or ',
           'leave the flag out for your user name')],
    ['an experiment owner too long for the bookkeeping',
     (d) => [...quick(d), `--experiment_owner=${'o'.repeat(201)}`],
     exact('--experiment_owner is 201 characters long; the bookkeeping ',
           'keeps at most 200')],
    ['a tuner id too long for the bookkeeping',
     (d) => [...quick(d), `--tuner_id=${'t'.repeat(255)}`],
     new RegExp('--tuner_id is 255 characters long; the bookkeeping ' +
                'keeps at most \\d+ \\(with "@<host>:<pid>" after it\\)$')],
    ['negative database retries',
     (d) => [...quick(d), '--metadata_retry_seconds=-1'],
     exact('--metadata_retry_seconds=-1: give a number of seconds >= 0 ',
           '(0: no retries)')],
    ['a SQLite database in a missing directory',
     (d) => [...quick(d), '--metadata_db=sqlite:/nonexistent/dir/x.db'],
     exact('--metadata_db=sqlite:/nonexistent/dir/x.db: the directory ',
           '/nonexistent/dir does not exist; create it first')],
    ['a database of an unknown kind',
     (d) => [...quick(d), '--metadata_db=ftp://x'],
     /--metadata_db=ftp:\/\/x: unsupported/],
    ['a lease shorter than a second',
     (d) => [...quick(d), '--metadata_lease_seconds=0.5'],
     /--metadata_lease_seconds=0\.5: the lease must be .* seconds from 1 to/],
    ['an empty CSV file', (d) => [...quick(d), `--filename=${writeCsv('')}`],
     exact('data.csv: the file is empty; a CSV needs a header row and at ',
           'least one data row')],
    ['a CSV with only a header', (d) => [...quick(d), `--filename=${
         writeCsv('a,b,c,d\n')}`],
     exact('data.csv: only a header (line 1), no data rows; add rows ',
           'below the header')],
    ['a single class', (d) => [...quick(d), `--filename=${
         writeCsv('a,b,c,d\n1,0,1,0\n1,1,0,1\n1,0,0,1\n')}`],
     exact('data.csv: label "a" (column 0) has a single class ("1") in all ',
           '3 rows; a classifier needs at least two: check --label_index ',
           'and the data')],
    ['an image that is not one', (d) => imageRun(d, imageFolder({
         'cat/broken.png': Buffer.from('not an image at all')}).dir),
     exact('cat/broken.png: not a PNG, JPEG, BMP or GIF image (it starts ',
           'with bytes 6e 6f 74 20')],
    ['a truncated image', (d) => imageRun(d, imageFolder({
         'dog/cut.png': fs.readFileSync(`${TESTDATA}/images/1/6.png`)
                            .subarray(0, 60)}).dir),
     exact('dog/cut.png: cannot decode this PNG image (')],
    ['an image folder without class folders',
     (d) => imageRun(d, imageFolder({}, {loose: true}).dir),
     exact('loose: no class folders (it holds 10 images directly); put ',
           'the images in one sub-folder per class, e.g. ')],
    ['a --model_dir below a file', (d) => {
      const file = path.join(path.dirname(d), 'a_file');
      fs.writeFileSync(file, 'x');
      return [...quick(path.join(file, 'run'))];
    }, /--model_dir=.*a_file\/run: .*a_file is a file, so the directory cannot be created there/],
    ['a --record_defaults value beyond 32-bit floats',
     (d) => quick(d, ['--record_defaults=0,1e99,0,0']),
     exact('error: --record_defaults entry 2 (1e99, for column "two") is ',
           'beyond the range of the 32-bit floats training uses')],
    // Before the data is read: the CSV given here does not exist.
    ['a --model_dir that cannot be written in',
     () => quick('/proc/self/run', ['--filename=/nonexistent/data.csv']),
     exact('--model_dir=/proc/self/run: cannot create this directory (no ',
           'permission to write in /proc/self); give a directory you can ',
           'write to')],
    ['a spec whose maximum_depth is below its minimum_depth',
     (d) => [...quick(d), `--phoenix_spec_filename=${writeSpec(
         'problem_type: DNN\nsearch_type: ADAPTIVE_COORDINATE_DESCENT\n' +
         'minimum_depth: 3\nmaximum_depth: 2\n' +
         'blocks_to_use: "FIXED_OUTPUT_FULLY_CONNECTED_128"\n')}`],
     /^error: \/.*\.pbtxt: phoenix_spec\.maximum_depth is 2/m],
    ['a spec with an unknown block', (d) => [...quick(d),
     `--phoenix_spec_filename=${writeSpec(
         'problem_type: DNN\nsearch_type: ADAPTIVE_COORDINATE_DESCENT\n' +
         'blocks_to_use: "FIXED_OUTPUT_FULY_CONNECTED_128"\n')}`],
     /FIXED_OUTPUT_FULY_CONNECTED_128/],
    ['--backend=gpu', (d) => [...quick(d), '--backend=gpu'],
     exact('flag --backend="gpu": must be one of auto, tensorflow-gpu, ',
           'tensorflow, wasm, cpu; did you mean "tensorflow-gpu"?')],
    ['a stray argument', (d) => ['positional', ...quick(d)],
     exact('error: unexpected argument "positional": the search takes ',
           'flags only (--name=value); see --help')],
    ['a block of another problem type in blocks_to_use', (d) => [...quick(d),
     `--phoenix_spec_filename=${writeSpec(
         'problem_type: DNN\nsearch_type: ADAPTIVE_COORDINATE_DESCENT\n' +
         'blocks_to_use: "CONVOLUTION_3X3"\n')}`],
     /\.pbtxt:3:16: block "CONVOLUTION_3X3" in blocks_to_use does not serve problem_type DNN/],
    ['a CNN spec on tabular data', (d) => [...quick(d),
     '--phoenix_spec_filename=model_search/configs/cnn_config.pbtxt'],
     // Found in the runfiles: named by its workspace path.
     exact('error: model_search/configs/cnn_config.pbtxt: problem_type CNN ',
           'needs examples of shape ',
           '[height, width, channels], but csv_data_provider gives [3]; ',
           'use a DNN spec (e.g. model_search/configs/dnn_config.pbtxt)')],
  ];
  it('refuses a --model_dir inside --input_dir, writing nothing', async () => {
    const input = imageFolder({}).dir;
    // Through a symbolic link too: it is the same folder.
    const link = path.join(tmpDir(), 'images_link');
    fs.symlinkSync(input, link);
    for (const modelDir of [path.join(input, 'run'), path.join(link, 'run'),
                            input]) {
      const before = fs.readdirSync(input).sort();

      const {code, log} = await run(imageRun(modelDir, input));

      assert.equal(code, 2, log.join('\n'));
      assert.equal(log[log.length - 1],
                   `error: --model_dir=${modelDir} lies inside --input_dir=${
                       input}: the next search would read its trials as a ` +
                       'folder of images; give a --model_dir outside the ' +
                       'image folders');
      assert.deepEqual(fs.readdirSync(input).sort(), before);
    }
  });

  for (const [name, argv, message] of badInputs) {
    it(`stops with exit 2 and writes nothing on ${name}`, async () => {
      const dir = path.join(tmpDir(), 'model_dir');

      const {code, log} = await run(argv(dir));

      assert.equal(code, 2, log.join('\n'));
      assert.match(log.join('\n'), message);
      assert.equal(fs.existsSync(dir), false, 'model_dir was created');
    });
  }

  for (const channels of [3, 1]) {
    it(`searches a folder where odd images sit among RGB ones (${
           channels} channels)`, async () => {
      // Grey, grey+alpha, palette, RGBA and 16-bit PNGs, a BMP, a GIF and
      // a JPEG in one class; the shipped RGB PNGs in the other.
      const odd = path.join(TESTDATA, 'odd_images');
      const extra: Record<string, Buffer> = {};
      for (const sub of ['a', 'b']) {
        for (const file of fs.readdirSync(path.join(odd, sub))) {
          extra[`odd/${file}`] = fs.readFileSync(path.join(odd, sub, file));
        }
      }
      const {dir: input} = imageFolder(extra);
      const dir = tmpDir();

      // Grey images go without a spec: the default is the one for images.
      const argv = imageRun(dir, input, [`--image_channels=${channels}`])
          .filter((arg) => channels === 3 ||
                      !arg.startsWith('--phoenix_spec_filename='));
      const {code, log} = await run(argv);

      assert.equal(code, 0, log.join('\n'));
      if (channels === 1) {
        assert.ok(log.some((line) => line.startsWith(
                      `spec ${DEFAULT_CNN} (the default for [8, 8, 1] ` +
                      'data); ')),
                  log.join('\n'));
      }
      const [trial] = await storedTrials(dir);
      assert.equal(trial.state, 'COMPLETED');
      assert.ok(Number.isFinite(trial.metrics!['loss']));
      const read = (file: string) =>
          JSON.parse(fs.readFileSync(path.join(dir, '1', file), 'utf8'));
      const schema = read('input_schema.json');
      assert.deepEqual(schema.shape, [8, 8, channels]);
      assert.deepEqual(schema.labelVocabulary, ['cat', 'dog', 'odd']);
      // floor(0.25 * 18) images held out.
      assert.equal(read('evaluation.json').eval_examples, 4);
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

  it('fails the check when any trial failed, and names untrained blocks',
     async () => {
       const dir = tmpDir();
       assert.equal(
           (await run(quick(dir, ['--experiment_max_num_trials=2']))).code, 0);
       const said = await checkStudyOutput(
           dir, ['FULLY_CONNECTED_RESIDUAL_CONCAT', 'NOT_DRAWN_BLOCK']);
       assert.match(said, /^trial 1 COMPLETED: .*\ntrial 2 COMPLETED: .*\nblocks trained: FULLY_CONNECTED_RESIDUAL_CONCAT\n/);
       assert.match(said, /\nblocks of the spec no trial trained: NOT_DRAWN_BLOCK \(give the test --experiment_max_num_trials in extra_args, or a spec of one block, to train them\)$/);
       // A later trial failed (a user's block that cannot build, say).
       const store = await SqliteStore.open(
           {filename: path.join(dir, 'model_search.db')});
       try {
         const [study] = await store.listStudies();
         const started = await store.startTrial(study.studyId, 3, 'w', 60);
         assert.equal(started.status, 'started');
         await store.failTrial(study.studyId,
                               (started as {trial: {id: number}}).trial.id,
                               'block BROKEN failed to build');
       } finally {
         await store.close();
       }

       await assert.rejects(
           checkStudyOutput(dir),
           (e: Error) => e instanceof CheckFailure &&
               e.message === '1 of 3 trials did not complete: trial 3 ' +
                   'FAILED (block BROKEN failed to build)');
     });
});

/** A pattern matching `parts`, joined, literally. */
function exact(...parts: string[]): RegExp {
  return new RegExp(parts.join('').replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
}

function writeFile(name: string, text: string): string {
  const file = path.join(tmpDir(), name);
  fs.writeFileSync(file, text);
  return file;
}

/** A spec file with `text`, in a directory of its own. */
function writeSpec(text: string): string {
  const file = path.join(tmpDir(), 'spec.pbtxt');
  fs.writeFileSync(file, text);
  return file;
}

function writeCsv(text: string): string {
  return writeFile('data.csv', text);
}

/**
 * A folder of class folders: cat/ and dog/ hold the shipped 2-class PNGs,
 * `extra` adds files (path relative to the folder: bytes). With `loose`
 * the PNGs sit directly in a folder named "loose".
 */
function imageFolder(extra: Record<string, Buffer>,
                     {loose = false} = {}): {dir: string} {
  const dir = path.join(tmpDir(), loose ? 'loose' : 'images');
  for (const [source, target] of [['0', 'cat'], ['1', 'dog']]) {
    const from = path.join(TESTDATA, 'images', source);
    const to = loose ? dir : path.join(dir, target);
    fs.mkdirSync(to, {recursive: true});
    for (const file of fs.readdirSync(from)) {
      fs.copyFileSync(path.join(from, file), path.join(to, file));
    }
  }
  for (const [name, bytes] of Object.entries(extra)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), {recursive: true});
    fs.writeFileSync(path.join(dir, name), bytes);
  }
  return {dir};
}

/** A short image search over `inputDir`. */
function imageRun(modelDir: string, inputDir: string,
                  extra: string[] = []): string[] {
  return [
    IMAGE, `--input_dir=${inputDir}`, '--image_height=8', '--image_width=8',
    '--eval_fraction=0.25', `--model_dir=${modelDir}`,
    `--phoenix_spec_filename=${resolveWorkspacePath(DEFAULT_CNN)}`,
    '--phoenix_train_steps=3', '--phoenix_eval_steps=1',
    '--phoenix_batch_size=4', '--phoenix_tf_random_seed=7',
    '--experiment_max_num_trials=1', ...extra,
  ];
}

describe('removeRefusedRunFiles', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'refused_run_'));
  });
  afterEach(() => {
    fs.rmSync(dir, {recursive: true, force: true});
  });

  function make(names: string[]): void {
    for (const name of names) fs.writeFileSync(path.join(dir, name), name);
  }

  const own = `.study_summary.csv.tmp-${temporaryTag()}-1`;
  const others = '.study_summary.csv.tmp-99999@elsewhere-1';

  it('removes what the refused run wrote, not what was there or is another\'s',
     () => {
       make(['before.txt']);
       const before = new Set(fs.readdirSync(dir));
       make(['model_search.db', 'study_summary.json', own, others,
             '.study_summary.lock']);
       fs.mkdirSync(path.join(dir, '.tmp-next-1'));

       removeRefusedRunFiles(dir, before, path.join(dir, 'model_search.db'));

       assert.deepEqual(fs.readdirSync(dir).sort(),
                        ['.study_summary.csv.tmp-99999@elsewhere-1',
                         '.study_summary.lock', '.tmp-next-1', 'before.txt']);
     });

  it('leaves the files of a worker that recorded the study meanwhile', () => {
    const before = new Set<string>();
    // Another worker of the study, started at the same moment: its record,
    // database, summaries and temporaries.
    make(['study_data.json', 'model_search.db', 'study_summary.json', own,
          others]);

    removeRefusedRunFiles(dir, before, path.join(dir, 'model_search.db'));

    assert.deepEqual(fs.readdirSync(dir).sort(),
                     [others, 'model_search.db', 'study_data.json',
                      'study_summary.json']);
  });
});
