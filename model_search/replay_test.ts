/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import './data/csv_data_for_binary';

import {ValueError} from './errors';
import type {Trial} from './metadata/trial';
import {main} from './oss_trainer';
import {loadSpecFile, parsePhoenixSpec} from './proto/text_format';
import {REPLAY_SPEC_FILENAME, ReplaySpecObserver, replayErrorPosition, hparamsFromProto, hparamsToProto, replayPlans, replaySpecFor} from './replay';
import {Random} from './random';
import {storedTrials} from './study_testing';
import {ReplayWait, TrialPlanner} from './trial_planner';

const RANDOM_CSV = 'model_search/data/testdata/csv_random_data.csv';

const TRIAL: Trial = {
  id: 4,
  state: 'COMPLETED',
  architecture: ['FULLY_CONNECTED', 'FULLY_CONNECTED_PYRAMID'],
  hparams: {learning_rate: 0.25, optimizer: 'adam', dropout_rate: 0.5,
            exponential_decay_steps: 25, use_batch_norm: true},
  metrics: {loss: 0.1},
};

describe('replay specs', () => {
  it('round-trips hyperparameters of every kind', () => {
    const hparams = {...TRIAL.hparams, learning_rate: 0.1};

    const back = hparamsFromProto(hparamsToProto(hparams));

    assert.deepEqual(back.lists, {});
    assert.deepEqual(Object.keys(back.hparams).sort(),
                     Object.keys(hparams).sort());
    assert.equal(back.hparams['optimizer'], 'adam');
    assert.equal(back.hparams['exponential_decay_steps'], 25);
    assert.equal(back.hparams['use_batch_norm'], true);
    assert.equal(back.hparams['learning_rate'], 0.1);
  });

  it('says when the best trial is a student it does not retrain',
     async () => {
       const modelDir =
           fs.mkdtempSync(path.join(os.tmpdir(), 'replay_spec_test_'));
       const student: Trial = {
         ...TRIAL, id: 6, architecture: ['FULLY_CONNECTED'],
         metrics: {loss: 0.05}, kind: 'distillation',
         extra: {teacherTrialId: 4},
       };
       const objective = {metric: 'loss', goal: 'minimize' as const};
       const observer =
           new ReplaySpecObserver(parsePhoenixSpec('problem_type: DNN\n'));
       try {
         await observer.onStudyUpdate(modelDir, [TRIAL, student], objective);
         const lines = fs.readFileSync(
             path.join(modelDir, REPLAY_SPEC_FILENAME), 'utf8').split('\n');
         assert.match(lines[0], /^# Retrains trial 4 \(loss=0\.1\)/);
         assert.equal(lines[1],
                      '# The best trial, 6 (loss=0.05), is a distillation ' +
                          'student of trial 4, which a replay does not ' +
                          'retrain; this is the best other trial.');
         // Without a better student, no such line.
         await observer.onStudyUpdate(
             modelDir, [TRIAL, {...student, metrics: {loss: 0.5}}],
             objective);
         assert.doesNotMatch(
             fs.readFileSync(path.join(modelDir, REPLAY_SPEC_FILENAME),
                             'utf8'),
             /distillation student/);
       } finally {
         fs.rmSync(modelDir, {recursive: true, force: true});
       }
     });

  it('plans the replayed tower, which survives printing and parsing',
     () => {
       const spec = parsePhoenixSpec('problem_type: DNN\n');

       const plans = replayPlans(replaySpecFor(spec, TRIAL));

       assert.deepEqual(plans, [{architecture: TRIAL.architecture,
                                 hparams: TRIAL.hparams}]);
       assert.equal(replayPlans(spec), undefined);
     });

  const bad: Array<[string, string, RegExp, Function]> = [
    ['no towers', 'replay {}', /replay message with no towers/, ValueError],
    ['an empty architecture', 'replay { towers {} }',
     /tower 1 has no architecture/, ValueError],
    ['two towers and no ensemble_spec', 'replay { towers { architecture: ' +
     '"A" } towers { architecture: "B" } }',
     /replays 2 towers \(an ensemble\) but has no ensemble_spec/,
     ValueError],
    ['no_search before the last tower', 'ensemble_spec { ' +
     'ensemble_search_type: ADAPTIVE_ENSEMBLE_SEARCH } replay { towers { ' +
     'architecture: "no_search" } towers { architecture: "B" } }',
     /tower 1 is "no_search", which only the last tower of an ensemble/,
     ValueError],
    ['a non-adaptive ensemble whose last tower trains', 'ensemble_spec { ' +
     'ensemble_search_type: NONADAPTIVE_ENSEMBLE_SEARCH } replay { towers { ' +
     'architecture: "A" } towers { architecture: "B" } }',
     /^replay: a NONADAPTIVE_ENSEMBLE_SEARCH replays its towers one trial each, then puts them together in a last tower "no_search" that trains none; tower 2 \(B\) would be dropped: add a last tower \{ architecture: "no_search" \} after it$/,
     ValueError],
    ['no_search alone', 'replay { towers { architecture: "no_search" } }',
     /tower 1 is "no_search"/, ValueError],
    ['a negative learning rate', 'replay { towers { architecture: "A" ' +
     'hparams { hparam { key: "learning_rate" value { float_value: -5 } } } ' +
     '} }',
     /^replay: tower 1: hparam learning_rate=-5 must be a number above 0$/,
     ValueError],
    ['an infinite learning rate', 'replay { towers { architecture: "A" ' +
     'hparams { hparam { key: "learning_rate" value { float_value: 1e400 } } ' +
     '} } }',
     /^replay: tower 1: hparam learning_rate=Infinity must be a number above 0$/,
     ValueError],
    ['a learning rate as text', 'replay { towers { architecture: "A" ' +
     'hparams { hparam { key: "learning_rate" value { bytes_value: "fast" } ' +
     '} } } }',
     /hparam learning_rate="fast" must be a number above 0/, ValueError],
    ['a decay rate above 1', 'replay { towers { architecture: "A" ' +
     'hparams { hparam { key: "exponential_decay_rate" value { ' +
     'float_value: 1.5 } } } } }',
     /hparam exponential_decay_rate=1.5 must be a number in \(0, 1\]/,
     ValueError],
    ['an unknown optimizer', 'replay { towers { architecture: "A" ' +
     'hparams { hparam { key: "optimizer" value { bytes_value: "adamw" } } ' +
     '} } }',
     /^replay: tower 1: hparam optimizer="adamw" is not one of sgd, /,
     ValueError],
    ['a dropout rate of 1.5', 'replay { towers { architecture: "A" ' +
     'hparams { hparam { key: "dropout_rate" value { float_value: 1.5 } } } ' +
     '} }',
     /hparam dropout_rate=1.5 must be a number below 1/, ValueError],
    ['decay steps that are no whole number', 'replay { towers { ' +
     'architecture: "A" hparams { hparam { key: "exponential_decay_steps" ' +
     'value { float_value: 33.5 } } } } }',
     /hparam exponential_decay_steps=33.5 must be a whole number of steps \(0 or less: no decay\)/,
     ValueError],
  ];
  for (const [name, text, message, type] of bad) {
    it(`refuses a replay with ${name}`, () => {
      const spec = parsePhoenixSpec(`problem_type: DNN\n${text}\n`);

      assert.throws(() => replayPlans(spec), (e: Error) =>
          e instanceof type && message.test(e.message));
    });
  }
});

describe('a study and its replay', function() {
  this.timeout(300000);
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'replay_test_'));
  });
  afterEach(() => {
    fs.rmSync(dir, {recursive: true, force: true});
  });

  function flags(modelDir: string, extra: string[]): string[] {
    return [
      `--filename=${RANDOM_CSV}`, '--record_defaults=0,0,0,0',
      '--phoenix_dataset=csv_data_provider', '--logits_dimension=2',
      `--model_dir=${modelDir}`,
      '--phoenix_train_steps=5', '--phoenix_eval_steps=2',
      '--phoenix_batch_size=4', '--phoenix_tf_random_seed=11',
      '--backend=cpu', ...extra,
    ];
  }

  it('writes the best trial as a spec that retrains exactly it', async () => {
    const searchDir = path.join(dir, 'search');
    const replayDir = path.join(dir, 'replay');
    const log: string[] = [];

    assert.equal(await main(flags(searchDir, [
      '--experiment_max_num_trials=4',
    ]), (l) => log.push(l)), 0, log.join('\n'));
    const searched = await storedTrials(searchDir);
    const best = searched.reduce((a, b) =>
        b.metrics!['loss'] < a.metrics!['loss'] ? b : a);
    const replayFile = path.join(searchDir, REPLAY_SPEC_FILENAME);
    assert.match(fs.readFileSync(replayFile, 'utf8'),
                 new RegExp(`^# Retrains trial ${best.id} \\(loss=`));
    assert.deepEqual(replayPlans(loadSpecFile(replayFile))![0].architecture,
                     best.architecture);

    const replayLog: string[] = [];
    assert.equal(await main(flags(replayDir, [
      `--phoenix_spec_filename=${replayFile}`,
      '--experiment_max_num_trials=10',
    ]), (l) => replayLog.push(l)), 0, replayLog.join('\n'));

    const replayed = await storedTrials(replayDir);
    assert.deepEqual(replayed.map((t) => [t.id, t.state]),
                     [[1, 'COMPLETED']]);
    assert.deepEqual(replayed[0].architecture, best.architecture);
    assert.deepEqual(Object.keys(replayed[0].hparams).sort(),
                     Object.keys(best.hparams).sort());
    assert.deepEqual(replayed[0].hparams, best.hparams);
    assert.ok(replayLog.some((l) => /^replay: retraining 1 trial\(s\) with no search, --experiment_max_num_trials=10 ignored$/.test(l)),
              replayLog.join('\n'));
    assert.ok(replayLog.some((l) => /^trial 1 \[1\/1\] arch=\[/.test(l)),
              replayLog.join('\n'));
    const listed = loadSpecFile(replayFile).blocksToUse!;
    const unused = listed.filter((b) => !best.architecture.includes(b));
    assert.ok(unused.length > 0, 'the dnn config lists more blocks');
    assert.ok(replayLog.includes(`replay: blocks_to_use lists ${
                  unused.length} blocks no replayed tower has, which no ` +
                  `trial of the replay trains: ${unused.join(', ')}`),
              replayLog.join('\n'));

    // Without the flag, nothing is said to be ignored.
    const quietLog: string[] = [];
    assert.equal(await main(flags(path.join(dir, 'replay_default'), [
      `--phoenix_spec_filename=${replayFile}`,
    ]), (l) => quietLog.push(l)), 0, quietLog.join('\n'));
    assert.ok(quietLog.includes(
                  'replay: retraining 1 trial(s) with no search'),
              quietLog.join('\n'));
    // Run again, the replay says it is done, not that it retrains.
    const againLog: string[] = [];
    assert.equal(await main(flags(path.join(dir, 'replay_default'), [
      `--phoenix_spec_filename=${replayFile}`,
    ]), (l) => againLog.push(l)), 0, againLog.join('\n'));
    assert.ok(againLog.includes(
                  'replay: all 1 trial(s) already retrained'),
              againLog.join('\n'));
  });

  it('says which defaults a tower given no hparams trains with', async () => {
    const spec = path.join(dir, 'bare_replay.pbtxt');
    fs.writeFileSync(
        spec, 'problem_type: DNN\nsearch_type: ADAPTIVE_COORDINATE_DESCENT\n' +
            'blocks_to_use: "FIXED_OUTPUT_FULLY_CONNECTED_128"\n' +
            'replay { towers { architecture: ' +
            '"FIXED_OUTPUT_FULLY_CONNECTED_128" } }\n');
    const log: string[] = [];

    const code = await main(flags(path.join(dir, 'bare'), [
      `--phoenix_spec_filename=${spec}`,
    ]), (l) => log.push(l));

    assert.equal(code, 0, log.join('\n'));
    assert.ok(log.includes('replay: tower 1 gives no learning_rate or ' +
                           'optimizer: it trains with the trainer\'s ' +
                           'defaults (learning_rate 0.001, optimizer adam)'),
              log.join('\n'));
  });

  it('says how many steps a parameter-scaled replay trains', async () => {
    const spec = path.join(dir, 'scaled_replay.pbtxt');
    fs.writeFileSync(
        spec, 'problem_type: DNN\nsearch_type: ADAPTIVE_COORDINATE_DESCENT\n' +
            'maximum_depth: 5\nuse_parameter_scaled_training: true\n' +
            'blocks_to_use: "FIXED_OUTPUT_FULLY_CONNECTED_128"\n' +
            'replay { towers { architecture: ' +
            '"FIXED_OUTPUT_FULLY_CONNECTED_128" hparams { hparam { key: ' +
            '"learning_rate" value { float_value: 0.01 } } } } }\n');
    const modelDir = path.join(dir, 'scaled');
    const log: string[] = [];

    const code = await main(
        [...flags(modelDir, [`--phoenix_spec_filename=${spec}`]),
         '--phoenix_train_steps=50'],
        (l) => log.push(l));

    assert.equal(code, 0, log.join('\n'));
    const said = log.find((l) => l.startsWith(
        'replay: use_parameter_scaled_training: the spec\'s towers train ' +
        'fewer of the 50 steps the shallower they are (tower 1 (depth 1): '));
    assert.ok(said, log.join('\n'));
    const steps = Number(/depth 1\): (\d+)\)/.exec(said)![1]);
    assert.ok(steps < 50, said);
    const evaluation = JSON.parse(fs.readFileSync(
        path.join(modelDir, '1', 'evaluation.json'), 'utf8'));
    assert.equal(evaluation.train_steps, steps);
  });

  it('stops with exit 2 on a bad replay, writing nothing', async () => {
    const spec = path.join(dir, 'bad_replay.pbtxt');
    fs.writeFileSync(spec, 'problem_type: DNN\nreplay { towers {} }\n');
    const modelDir = path.join(dir, 'never');
    const log: string[] = [];

    const code = await main(flags(modelDir, [
      `--phoenix_spec_filename=${spec}`,
    ]), (l) => log.push(l));

    assert.equal(code, 2);
    assert.match(log.join('\n'),
                 new RegExp(`^error: ${spec}:2:10: replay: tower 1 has no architecture`, 'm'));
    assert.equal(fs.existsSync(modelDir), false);
  });

  it('names the line of a bad hyperparameter of a replayed tower',
     async () => {
       const spec = path.join(dir, 'bad_rate.pbtxt');
       const tower = (rate: number) =>
           '  towers {\n    architecture: "FULLY_CONNECTED"\n' +
           '    hparams {\n      hparam {\n        key: "learning_rate"\n' +
           `        value { float_value: ${rate} }\n      }\n    }\n  }\n`;
       fs.writeFileSync(spec, 'problem_type: DNN\nreplay {\n' +
                                  tower(-0.001) + '}\n');
       const log: string[] = [];

       const code = await main(flags(path.join(dir, 'never'), [
         `--phoenix_spec_filename=${spec}`,
       ]), (l) => log.push(l));

       assert.equal(code, 2);
       // The tower starts on line 3; its key is on line 7.
       assert.match(log.join('\n'), new RegExp(
           `^error: ${spec}:7:14: replay: tower 1: hparam ` +
               'learning_rate=-0\\.001 must be a number above 0$', 'm'));
     });
});

describe('replayErrorPosition', () => {
  it('finds a tower, or a key inside it, and nothing it cannot see', () => {
    const text = 'replay {\n  towers { architecture: "A" }\n' +
        '  towers {\n    hparams { hparam { key: "optimizer" } }\n  }\n}\n';
    assert.equal(replayErrorPosition(text, 'replay: tower 2 has no ' +
                                               'architecture'), '3:3');
    assert.equal(replayErrorPosition(
                     text, 'replay: tower 2: hparam optimizer="x" is not'),
                 '4:29');
    assert.equal(replayErrorPosition(text, 'replay: tower 3 has none'),
                 undefined);
    assert.equal(replayErrorPosition('', 'replay: tower 1 has none'),
                 undefined);
    assert.equal(replayErrorPosition(text, 'something else'), undefined);
  });
});

describe('replay positions', () => {
  const spec = parsePhoenixSpec(
      'problem_type: DNN search_type: ADAPTIVE_COORDINATE_DESCENT\n' +
      'blocks_to_use: "FIXED_OUTPUT_FULLY_CONNECTED_128"\n' +
      'ensemble_spec { ensemble_search_type: ADAPTIVE_ENSEMBLE_SEARCH ' +
      'adaptive_search { minimal_pool_size: 1 } }\n' +
      'replay { towers { architecture: "FIXED_OUTPUT_FULLY_CONNECTED_128" } ' +
      'towers { architecture: "FIXED_OUTPUT_FULLY_CONNECTED_256" } }\n');
  const planner = () => new TrialPlanner({
    spec, problemType: 'DNN', objective: {metric: 'loss', goal: 'minimize'},
    hypertuningMethod: 'random', trainSteps: 10,
  });
  const trial = (id: number, state: Trial['state'], position?: number,
                 architecture = ['FIXED_OUTPUT_FULLY_CONNECTED_128']):
      Trial => ({
        id, state, architecture, hparams: {},
        ...(position === undefined ? {} : {extra: {replayPosition: position}}),
        workerId: 'w',
      });

  it('gives a failed or interrupted trial\'s tower to the next trial', () => {
    const plan = planner().plan([], 2, new Random(1));

    assert.equal(plan.replayPosition, 1);
    assert.deepEqual(plan.architecture, ['FIXED_OUTPUT_FULLY_CONNECTED_128']);
  });

  it('imports the towers of the trial that trained the previous position',
     () => {
       const plan = planner().plan([trial(2, 'COMPLETED', 1)], 3,
                                   new Random(1), [trial(1, 'FAILED', 1)]);

       assert.equal(plan.replayPosition, 2);
       assert.deepEqual(plan.architecture, ['FIXED_OUTPUT_FULLY_CONNECTED_256']);
       assert.deepEqual(plan.members, [2]);
       const imported = plan.towers!.filter((t) => t.source !== undefined);
       assert.deepEqual(imported.map((t) => t.source!.trialId), [2]);
     });

  it('waits for the previous position while it trains elsewhere', () => {
    assert.throws(
        () => planner().plan([], 3, new Random(1), [trial(2, 'RUNNING', 1)]),
        (e: Error) => e instanceof ReplayWait && e.waitingFor.id === 2 &&
            e.message === 'replay trial 3 (tower 2) imports the towers of ' +
                'trial 2, which is still running in worker w');
  });

  it('reads a trial planned before positions were kept by its id', () => {
    const plan = planner().plan([trial(1, 'COMPLETED')], 2, new Random(1));

    assert.equal(plan.replayPosition, 2);
    assert.deepEqual(plan.members, [1]);
  });
});
