/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * Ensembling, distillation and transfer learning end to end: small
 * searches of the trainer main on the random CSV data with the dnn config,
 * whose ensemble_spec and distillation_spec each test replaces; then the
 * store, the trial directories and the exported models are read back.
 */

import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import './data/csv_data_for_binary';

import {loadModel} from './backend/file_io';
import {tf} from './backend/tf';
import {DEFAULT_DNN, resolveWorkspacePath} from './constants';
import {towerLayerPrefix, towerLogitsName} from './ensemble_model';
import type {TowerRecord} from './generators/base_tower_generator';
import type {Trial} from './metadata/trial';
import {main} from './oss_trainer';
import {loadSpecFile, printPhoenixSpec} from './proto/text_format';
import {REPLAY_SPEC_FILENAME, replayPlans, replaySpecFor} from './replay';
import {storedTrials} from './study_testing';

const RANDOM_CSV = 'model_search/data/testdata/csv_random_data.csv';

/** The dnn config without its ensemble_spec and distillation_spec. */
function dnnConfigWithout(): string {
  const text = fs.readFileSync(resolveWorkspacePath(DEFAULT_DNN), 'utf8');
  const cut = text.indexOf('ensemble_spec {');
  assert.ok(cut > 0, 'the dnn config has an ensemble_spec to replace');
  assert.ok(text.indexOf('distillation_spec {') > cut,
            'the dnn config ends with its distillation_spec');
  return text.slice(0, cut);
}

function readJson(file: string): Record<string, unknown> {
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

/** The log of the last search(). */
let lastLog: string[] = [];

/**
 * Runs a search with `specTail` after the dnn config (or as the whole
 * spec); returns its model_dir.
 */
async function search(root: string, name: string, specTail: string,
                      trials: number, whole = false): Promise<string> {
  const specFile = path.join(root, `${name}.pbtxt`);
  fs.writeFileSync(specFile,
                   whole ? specTail : `${dnnConfigWithout()}\n${specTail}\n`);
  const modelDir = path.join(root, name);
  const log: string[] = [];
  lastLog = log;
  const code = await main([
    `--filename=${RANDOM_CSV}`, '--record_defaults=0,0,0,0',
    '--logits_dimension=2', `--model_dir=${modelDir}`,
    `--phoenix_spec_filename=${specFile}`,
    `--experiment_max_num_trials=${trials}`,
    '--phoenix_train_steps=4', '--phoenix_eval_steps=2',
    '--phoenix_batch_size=4', '--phoenix_tf_random_seed=5',
    '--backend=cpu',
  ], (l) => log.push(l));
  assert.equal(code, 0, log.join('\n'));
  return modelDir;
}

/** The weights of every layer of one tower, keyed by name in the tower. */
function towerWeights(model: tf.LayersModel, trialId: number, tower: string):
    Map<string, number[][]> {
  const prefix = `${towerLayerPrefix(trialId, tower)}/`;
  const logits = towerLogitsName(trialId, tower);
  const out = new Map<string, number[][]>();
  for (const layer of model.layers) {
    const key = layer.name === logits ? '<logits>' :
        layer.name.startsWith(prefix) ? layer.name.slice(prefix.length) :
                                        undefined;
    if (key === undefined) continue;
    out.set(key, layer.getWeights().map((w) => Array.from(w.dataSync())));
  }
  return out;
}

const SEARCHES: Array<[string, string, number, number[]]> = [
  // [type, its settings, trials, the ids that ensemble earlier towers]
  ['ADAPTIVE_ENSEMBLE_SEARCH',
   'adaptive_search { minimal_pool_size: 1 increase_width_every: 2 }', 4,
   [2, 3, 4]],
  ['RESIDUAL_ENSEMBLE_SEARCH',
   'adaptive_search { minimal_pool_size: 1 increase_width_every: 2 }', 4,
   [2, 3, 4]],
  ['NONADAPTIVE_ENSEMBLE_SEARCH',
   'nonadaptive_search { minimal_pool_size: 2 width: 2 ' +
       'num_trials_to_consider: 2 }',
   4, [3, 4]],
  ['INTERMIXED_NONADAPTIVE_ENSEMBLE_SEARCH',
   'intermixed_search { try_ensembling_every: 3 width: 2 ' +
       'num_trials_to_consider: 2 }',
   4, [3]],
];

describe('ensemble searches end to end', function() {
  this.timeout(600000);
  let root: string;
  before(() => {
    root = fs.mkdtempSync(path.join(
        process.env['TEST_TMPDIR'] ?? os.tmpdir(), 'ensemble_search_test_'));
  });
  after(() => {
    fs.rmSync(root, {recursive: true, force: true});
  });

  for (const [type, settings, count, ensembleIds] of SEARCHES) {
    for (const combining of ['AVERAGE_ENSEMBLE', 'WEIGHTED_ENSEMBLE']) {
      it(`${type} with ${combining}: ensembles of restored towers`,
         async () => {
           const modelDir = await search(
               root, `${type}_${combining}`,
               `ensemble_spec { ensemble_search_type: ${type} ` +
                   `combining_type: ${combining} ${settings} }`,
               count);

           const trials = await storedTrials(modelDir);
           assert.deepEqual(trials.map((t) => t.state),
                            Array(count).fill('COMPLETED'));
           const ensembles = trials.filter((t) => t.kind === 'ensemble');
           assert.deepEqual(ensembles.map((t) => t.id), ensembleIds);
           for (const trial of ensembles) {
             await checkEnsemble(modelDir, trial, trials, type, combining);
           }
         });
    }
  }

  it('NONADAPTIVE_ENSEMBLE_SEARCH draws each ensemble once while it can',
     async () => {
       const modelDir = await search(
           root, 'nonadaptive_fresh',
           'ensemble_spec { ensemble_search_type: ' +
               'NONADAPTIVE_ENSEMBLE_SEARCH nonadaptive_search { ' +
               'minimal_pool_size: 3 width: 2 num_trials_to_consider: 3 } }',
           7);

       const trials = await storedTrials(modelDir);
       const members = trials.filter((t) => t.kind === 'ensemble')
                           .map((t) => (t.extra!['members'] as number[])
                                           .join(','));
       assert.equal(members.length, 4);
       // Three pairs of three trials: each once, then one again.
       assert.deepEqual([...members.slice(0, 3)].sort(),
                        ['1,2', '1,3', '2,3']);
       assert.ok(members.slice(0, 3).includes(members[3]));
     });

  it('freeze_previous false: imported towers train on', async () => {
    const modelDir = await search(
        root, 'unfrozen',
        'ensemble_spec { ensemble_search_type: NONADAPTIVE_ENSEMBLE_SEARCH ' +
            'combining_type: AVERAGE_ENSEMBLE freeze_previous: false ' +
            'nonadaptive_search { minimal_pool_size: 2 width: 2 ' +
            'num_trials_to_consider: 2 } }',
        3);

    const dir = path.join(modelDir, '3');
    const towers = readJson(path.join(dir, 'architecture.json'))['towers'] as
        TowerRecord[];
    assert.deepEqual(towers.map((t) => [t.source?.trialId, t.frozen]),
                     [[1, false], [2, false]]);
    assert.ok((readJson(path.join(dir, 'evaluation.json'))['train_steps'] as
               number) > 0);
    const model = await loadModel(path.join(dir, 'model'));
    const source = await loadModel(path.join(modelDir, '1', 'model'));
    try {
      const want = towerWeights(source, 1, towers[0].source!.tower);
      const got = towerWeights(model, 3, towers[0].name);
      assert.deepEqual([...got.keys()].sort(), [...want.keys()].sort());
      assert.notDeepEqual(got.get('<logits>'), want.get('<logits>'));
    } finally {
      model.dispose();
      source.dispose();
    }
  });

  const REPLAYS: Array<[string, number, number]> = [
    // [type and settings, trials searched, the ensemble trial replayed]
    ['ADAPTIVE_ENSEMBLE_SEARCH adaptive_search { minimal_pool_size: 1 ' +
     'increase_width_every: 2 }', 4, 4],
    ['NONADAPTIVE_ENSEMBLE_SEARCH combining_type: WEIGHTED_ENSEMBLE ' +
     'nonadaptive_search { minimal_pool_size: 2 width: 2 ' +
     'num_trials_to_consider: 2 }', 3, 3],
  ];
  for (const [settings, count, replayed] of REPLAYS) {
    const type = settings.split(' ')[0];
    it(`replays an ensemble of ${type}: its towers, in order`, async () => {
      const name = `replay_${type}`;
      const modelDir = await search(
          root, name, `ensemble_spec { ensemble_search_type: ${settings} }`,
          count);
      const trials = await storedTrials(modelDir);
      const target = trials.find((t) => t.id === replayed)!;
      assert.equal(target.kind, 'ensemble');
      const written = loadSpecFile(path.join(modelDir, REPLAY_SPEC_FILENAME));
      assert.ok(replayPlans(written)!.length >= 1);
      const replaySpec = replaySpecFor(
          loadSpecFile(path.join(root, `${name}.pbtxt`)), target, trials);

      const replayDir = await search(
          root, `${name}_again`,
          printPhoenixSpec(replaySpec), 1, true);

      const again = await storedTrials(replayDir);
      const towersOf = (t: Trial) => (t.extra!['towers'] as TowerRecord[])
          .map((tower) => [tower.architecture, tower.hparams]);
      assert.equal(again.length, replaySpec.replay!.towers!.length);
      assert.deepEqual(again.map((t) => t.state),
                       again.map(() => 'COMPLETED'));
      const last = again[again.length - 1];
      assert.deepEqual(towersOf(last), towersOf(target));
      assert.equal(last.kind, 'ensemble');
      assert.ok(lastLog.includes(
                    `replay: trial ${last.id} is the replayed model; the ` +
                    'trials before it train its towers'),
                lastLog.join('\n'));
      if (type !== 'NONADAPTIVE_ENSEMBLE_SEARCH') return;

      // Directories lost (the first tower's and the ensemble's): resumed,
      // the replay trains their towers again, the ensemble last, from
      // trials whose files are there.
      for (const lost of [1, again.length]) {
        fs.rmSync(path.join(replayDir, String(lost)), {recursive: true});
      }
      await search(root, `${name}_again`, printPhoenixSpec(replaySpec), 1,
                   true);
      assert.ok(lastLog.some((l) => l.startsWith(
                    `replay: retraining 2 more of ${again.length} trial(s) ` +
                    'with no search')),
                lastLog.join('\n'));
      const resumed = await storedTrials(replayDir);
      const added = resumed.slice(again.length);
      assert.deepEqual(added.map((t) => [t.id, t.state, t.kind]), [
        [again.length + 1, 'COMPLETED', 'search'],
        [again.length + 2, 'COMPLETED', 'ensemble'],
      ]);
      assert.deepEqual(added[0].architecture, again[0].architecture);
      assert.deepEqual(towersOf(added[1]), towersOf(target));
      assert.ok(lastLog.includes(
                    `replay: trial ${added[1].id} is the replayed model; ` +
                    'the trials before it train its towers'),
                lastLog.join('\n'));
      assert.deepEqual(added[1].extra!['members'],
                       [again.length + 1, ...again.slice(1, -1).map((t) => t.id)]);

      // A tower's directory lost once the replay was complete: the
      // ensemble built on it is trained again after it, not kept with
      // the tower's old self.
      const tower = added[0].id;
      const ensemble = added[1].id;
      fs.rmSync(path.join(replayDir, String(tower)), {recursive: true});
      await search(root, `${name}_again`, printPhoenixSpec(replaySpec), 1,
                   true);
      assert.ok(lastLog.includes(
                    `replay: trial ${ensemble} built on a tower trained ` +
                    'again: trained again after it'),
                lastLog.join('\n'));
      const rebuilt = (await storedTrials(replayDir)).slice(resumed.length);
      assert.deepEqual(rebuilt.map((t) => [t.id, t.state, t.kind]), [
        [ensemble + 1, 'COMPLETED', 'search'],
        [ensemble + 2, 'COMPLETED', 'ensemble'],
      ]);
      assert.deepEqual(rebuilt[1].extra!['members'],
                       [ensemble + 1, ...again.slice(1, -1).map((t) => t.id)]);
    });
  }

  const DISTILLATIONS = ['MSE_LOGITS', 'MSE_SOFTMAX', 'CROSS_ENTROPY',
                         'ADAPTIVELY_BALANCE_LOSSES'];
  for (const distillation of DISTILLATIONS) {
    it(`${distillation}: single towers trained against the best trial`,
       async () => {
         const modelDir = await search(
             root, distillation,
             'ensemble_spec { ensemble_search_type: ' +
                 'ADAPTIVE_ENSEMBLE_SEARCH adaptive_search { ' +
                 'minimal_pool_size: 1 increase_width_every: 2 } }\n' +
                 `distillation_spec { distillation_type: ${distillation} ` +
                 'minimal_pool_size: 3 temperature: 2 ' +
                 'balance_losses_spec { minimum_lambda: 0.5 ' +
                 'maximum_lambda: 1 num_ramp_trials: 2 } }',
             5);

         const trials = await storedTrials(modelDir);
         assert.deepEqual(trials.map((t) => [t.id, t.state, t.kind]), [
           [1, 'COMPLETED', 'search'], [2, 'COMPLETED', 'ensemble'],
           [3, 'COMPLETED', 'ensemble'], [4, 'COMPLETED', 'distillation'],
           [5, 'COMPLETED', 'distillation'],
         ]);
         for (const student of trials.slice(3)) {
           const teacher = student.extra!['teacherTrialId'] as number;
           const before = trials.filter((t) => t.id < student.id);
           const best = before.reduce(
               (a, b) => b.metrics!['loss'] < a.metrics!['loss'] ? b : a);
           assert.equal(teacher, best.id, 'the best trial so far teaches');
           const dir = path.join(modelDir, String(student.id));
           const arch = readJson(path.join(dir, 'architecture.json'));
           assert.equal(arch['teacher_trial_id'], teacher);
           const towers = arch['towers'] as TowerRecord[];
           assert.equal(towers.length, 1, 'a student is a single tower');
           assert.deepEqual(towers[0].architecture, student.architecture);
           const evaluation = readJson(path.join(dir, 'evaluation.json'));
           assert.ok(Number.isFinite(evaluation['loss']));
           assert.ok(Number.isFinite(evaluation['train_loss']));
           assert.ok((evaluation['train_steps'] as number) > 0);
           // The closing list of best trials says whose student it is.
           const closing = lastLog.find(
               (l) => l.startsWith(`  trial ${student.id} loss=`));
           assert.ok(closing === undefined ||
                         closing.includes(`] teacher=${teacher} dir=`),
                     closing);
         }
         assert.ok(lastLog.some((l) => /^  trial \d+ loss=.*\] teacher=\d+ dir=/
                                           .test(l)),
                   `no student among the best:\n${lastLog.join('\n')}`);
       });
  }

  it('intermixed distillation: the student is not a copy of its teacher',
     async () => {
       const modelDir = await search(
           root, 'intermixed_distillation',
           'ensemble_spec { combining_type: AVERAGE_ENSEMBLE ' +
               'ensemble_search_type: INTERMIXED_NONADAPTIVE_ENSEMBLE_SEARCH ' +
               'intermixed_search { width: 2 try_ensembling_every: 5 ' +
               'num_trials_to_consider: 15 } }\n' +
               'distillation_spec { distillation_type: ' +
               'ADAPTIVELY_BALANCE_LOSSES }',
           7);

       const trials = await storedTrials(modelDir);
       const students = trials.filter((t) => t.kind === 'distillation');
       assert.ok(students.length > 0, JSON.stringify(trials.map((t) => t.kind)));
       for (const student of students) {
         const teacher = student.extra!['teacherTrialId'] as number;
         const [tower] = (student.extra!['towers'] as TowerRecord[]);
         assert.notEqual(tower.source?.trialId, teacher,
                         `trial ${student.id} continues its teacher's tower`);
         // It trains on with the tower's hyperparameters: its files agree.
         const dir = path.join(modelDir, String(student.id));
         assert.deepEqual(readJson(path.join(dir, 'hparams.json')),
                          tower.hparams);
         assert.deepEqual(
             (readJson(path.join(dir, 'towers.json')) as unknown as
              TowerRecord[])[0]
                 .hparams,
             tower.hparams);
       }
     });

  for (const type of ['UNIFORM_AVERAGE_TRANSFER_LEARNING',
                      'LOSS_WEIGHTED_AVERAGE_TRANSFER_LEARNING']) {
    it(`${type}: later trials start from earlier trials' weights`,
       async () => {
         const modelDir = await search(
             root, type,
             `transfer_learning_spec { transfer_learning_type: ${type} }`, 3);

         const trials = await storedTrials(modelDir);
         assert.deepEqual(trials.map((t) => t.state),
                          Array(3).fill('COMPLETED'));
         for (const t of trials) {
           const arch = readJson(
               path.join(modelDir, String(t.id), 'architecture.json'));
           const sources = (arch['warm_start'] ?? []) as
               Array<{trial_id: number, weight: number,
                      weights_given: number}>;
           assert.deepEqual(sources.map((s) => s.trial_id),
                            Array.from({length: t.id - 1}, (_, i) => i + 1));
           // No source gives more than the tower has set in all.
           for (const s of sources) {
             assert.ok(Number.isInteger(s.weights_given) &&
                           s.weights_given <= (arch['warm_started_weights'] as number),
                       JSON.stringify(arch));
           }
           const total = sources.reduce((a, s) => a + s.weight, 0);
           assert.ok(t.id === 1 || Math.abs(total - 1) < 1e-9);
           const evaluation = readJson(
               path.join(modelDir, String(t.id), 'evaluation.json'));
           assert.ok(Number.isFinite(evaluation['loss']));
         }
       });
  }
});

/** Checks the records and the exported model of one ensemble trial. */
async function checkEnsemble(
    modelDir: string, trial: Trial, trials: Trial[], type: string,
    combining: string): Promise<void> {
  const members = trial.extra!['members'] as number[];
  assert.ok(members.length > 0, `trial ${trial.id} records its members`);
  for (const id of members) {
    assert.ok(id < trial.id && trials.find((t) => t.id === id),
              `trial ${trial.id}: member ${id} is an earlier trial`);
  }
  const dir = path.join(modelDir, String(trial.id));
  const arch = readJson(path.join(dir, 'architecture.json'));
  assert.deepEqual(arch['members'], members);
  const towers = readJson(path.join(dir, 'architecture.json'))['towers'] as
      TowerRecord[];
  assert.deepEqual(JSON.parse(fs.readFileSync(path.join(dir, 'towers.json'),
                                              'utf8')),
                   towers);
  const priors = towers.filter((t) => t.source !== undefined);
  assert.ok(priors.length > 0);
  for (const prior of priors) {
    assert.ok(members.includes(prior.source!.trialId));
    assert.equal(prior.frozen, true, 'freeze_previous defaults to true');
  }
  const adaptive = type === 'ADAPTIVE_ENSEMBLE_SEARCH' ||
      type === 'RESIDUAL_ENSEMBLE_SEARCH';
  assert.equal(towers.length - priors.length, adaptive ? 1 : 0,
               `trial ${trial.id}: a new search tower only when adaptive`);

  // architecture.txt lists every tower, where its weights came from and
  // its blocks.
  const text = fs.readFileSync(path.join(dir, 'architecture.txt'), 'utf8');
  for (const tower of towers) {
    const from = tower.source === undefined ?
        'trained from scratch' :
        `from trial ${tower.source.trialId}, frozen`;
    assert.ok(text.includes(`  ${tower.name} (${from}): ${
                  tower.architecture.join(', ') || '(no blocks)'}\n`),
              text);
  }

  const evaluation = readJson(path.join(dir, 'evaluation.json'));
  assert.ok(Number.isFinite(evaluation['loss']));
  const accuracy = evaluation['accuracy'] as number;
  assert.ok(accuracy >= 0 && accuracy <= 1);
  // Frozen towers averaged train nothing; any other ensemble trains.
  const trainsNothing = !adaptive && combining === 'AVERAGE_ENSEMBLE';
  assert.equal(evaluation['train_steps'] === 0, trainsNothing,
               `trial ${trial.id}: train_steps ${evaluation['train_steps']}`);

  const model = await loadModel(path.join(dir, 'model'));
  try {
    const names = model.layers.map((l) => l.name);
    if (combining === 'WEIGHTED_ENSEMBLE') {
      assert.ok(names.includes(`trial_${trial.id}/ensemble/mixture`), names
          .join(', '));
    } else if (towers.length > 1) {
      assert.ok(names.includes(`trial_${trial.id}/ensemble/average`), names
          .join(', '));
    }
    // A frozen tower keeps the weights its source trial exported.
    for (const prior of priors) {
      const source = await loadModel(
          path.join(modelDir, String(prior.source!.trialId), 'model'));
      try {
        const want = towerWeights(
            source, prior.source!.trialId, prior.source!.tower);
        const got = towerWeights(model, trial.id, prior.name);
        assert.ok(want.size > 0);
        assert.deepEqual([...got.keys()].sort(), [...want.keys()].sort());
        for (const [key, weights] of want) {
          assert.deepEqual(got.get(key), weights,
                           `trial ${trial.id} ${prior.name} layer ${key}`);
        }
      } finally {
        source.dispose();
      }
    }
  } finally {
    model.dispose();
  }
}
