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

import type {InputSchema} from './data/data';
import {UsageError, ValueError} from './errors';
import type {Trial} from './metadata/trial';
import {otherStudyOfDirectory, studyDirectoryOwner, studyOfDirectory, studyText} from './metadata/study_of_directory';
import {checkSameData, checkSummaryObjective, checkTrialDirectoriesPresent, recordOrCheckStudyData, settingsWarning, STUDY_DATA_FILE} from './study_data';

function trial(id: number, state: Trial['state']): Trial {
  return {id, state, architecture: [], hparams: {},
          ...(state === 'COMPLETED' ? {directory: String(id)} : {})};
}

describe('checkSameData', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'study_data_test_'));
  });
  afterEach(() => {
    fs.rmSync(dir, {recursive: true, force: true});
  });

  const schema = (width: number) => ({kind: 'csv', shape: [width]});
  const withSchema = (id: number, text: string) => {
    fs.mkdirSync(path.join(dir, String(id)));
    fs.writeFileSync(path.join(dir, String(id), 'input_schema.json'), text);
  };

  it('passes over a trial whose schema file is damaged, marking it', () => {
    withSchema(1, '');
    withSchema(2, 'null');
    withSchema(3, JSON.stringify(schema(4)));
    withSchema(4, '[]');  // after a whole one: found too
    withSchema(5, '{"kind": "cs');
    const trials = [trial(1, 'COMPLETED'), trial(2, 'COMPLETED'),
                    trial(3, 'COMPLETED'), trial(4, 'COMPLETED'),
                    trial(5, 'COMPLETED')];

    const damaged = checkSameData(dir, 'e', trials, schema(4), new Set([5]));

    // Trial 5, marked unusable already, is not said again.
    assert.deepEqual(damaged.map((d) => d.trialId), [1, 2, 4]);
    assert.match(damaged[0].why, new RegExp(
        `^${path.join(dir, '1', 'input_schema.json')} cannot be read as JSON \\(`));
    assert.equal(damaged[1].why,
                 `${path.join(dir, '2', 'input_schema.json')} is not an ` +
                     'input schema (it needs "kind" and "shape")');
    assert.match(
        fs.readFileSync(path.join(dir, '1', 'unusable.txt'), 'utf8'),
        /cannot be read as JSON/);
    // The next trial's schema still holds the study to its data.
    assert.throws(() => checkSameData(dir, 'e', trials, schema(5)),
                  /was trained on csv data of shape \[4\] \(trial 3\)/);
  });
});

describe('checkTrialDirectoriesPresent', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'study_data_test_'));
  });
  afterEach(() => {
    fs.rmSync(dir, {recursive: true, force: true});
  });

  const writeTrial = (id: number) => {
    fs.mkdirSync(path.join(dir, String(id)));
    fs.writeFileSync(path.join(dir, String(id), 'architecture.json'), '{}');
  };

  it('accepts a model directory holding every completed trial', () => {
    writeTrial(1);
    writeTrial(3);
    checkTrialDirectoriesPresent(
        dir, 'e', [trial(1, 'COMPLETED'), trial(2, 'FAILED'),
                   trial(3, 'COMPLETED'), trial(4, 'RUNNING')]);
  });

  it('refuses a model directory without the study\'s trials', () => {
    assert.throws(
        () => checkTrialDirectoriesPresent(
            dir, 'e', [trial(1, 'COMPLETED'), trial(2, 'COMPLETED')]),
        (e: Error) => {
          assert.ok(e instanceof UsageError);
          assert.equal(
              e.message,
              `study "e" has 2 completed trials, but --model_dir=${dir} ` +
                  'lacks the directories of all of them (trials 1, 2): ' +
                  'give the --model_dir the study was started with (its ' +
                  'workers share one), or a new --experiment_name for a ' +
                  'new study');
          return true;
        });
  });

  it('gives the ones written here and gone, for the search to go on ' +
         'without', () => {
    writeTrial(1);
    writeTrial(4);
    const here = (id: number): Trial =>
        ({...trial(id, 'COMPLETED'), extra: {directoryId: 'd1'}});

    assert.deepEqual(
        checkTrialDirectoriesPresent(
            dir, 'e', [here(1), here(2), here(3), here(4)]),
        [2, 3]);
    // One of another model directory's: refused, as all are.
    assert.throws(
        () => checkTrialDirectoriesPresent(
            dir, 'e', [here(1), {...here(2), extra: {directoryId: 'd2'}}]),
        /lacks the directories of 1 of them \(trial 2\)/);
  });

  it('names the missing ones when some are there', () => {
    writeTrial(1);
    // A directory without its files does not count.
    fs.mkdirSync(path.join(dir, '2'));
    assert.throws(
        () => checkTrialDirectoriesPresent(
            dir, 'e', [trial(1, 'COMPLETED'), trial(2, 'COMPLETED')]),
        /lacks the directories of 1 of them \(trial 2\)/);
  });
});

describe('checkSummaryObjective', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'study_data_test_'));
  });
  afterEach(() => {
    fs.rmSync(dir, {recursive: true, force: true});
  });
  const summarize = (metric: string, goal: string) => fs.writeFileSync(
      path.join(dir, 'study_summary.json'),
      JSON.stringify({objective: {metric, goal}, trials: []}));

  it('accepts the objective the summary was written with', () => {
    summarize('auc_roc', 'maximize');
    checkSummaryObjective(dir, 'e', {metric: 'auc_roc', goal: 'maximize'});
  });

  it('refuses another metric or goal, naming both', () => {
    summarize('auc_roc', 'maximize');
    assert.throws(
        () => checkSummaryObjective(
            dir, 'e', {metric: 'loss', goal: 'minimize'}),
        (e: Error) => {
          assert.ok(e instanceof UsageError);
          assert.equal(
              e.message,
              `study "e" in ${dir} was searched with ` +
                  '--optimization_metric=auc_roc ' +
                  '--optimization_goal=maximize (its study_summary.json), ' +
                  'but this run has --optimization_metric=loss ' +
                  '--optimization_goal=minimize; give the same to resume ' +
                  'it, or a new --experiment_name for a new study');
          return true;
        });
  });

  it('says nothing without a readable summary', () => {
    checkSummaryObjective(dir, 'e', {metric: 'loss', goal: 'minimize'});
    fs.writeFileSync(path.join(dir, 'study_summary.json'), 'not json');
    checkSummaryObjective(dir, 'e', {metric: 'loss', goal: 'minimize'});
  });
});

const STUDY = {experimentName: 'e', experimentOwner: 'o',
               createdAt: '2026-12-05T10:00:00.000Z'};

describe('recordOrCheckStudyData', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'study_data_test_'));
  });
  afterEach(() => {
    fs.rmSync(dir, {recursive: true, force: true});
  });

  const images = (height: number, evalFraction?: number): InputSchema => ({
    kind: 'image', shape: [height, 16, 3], labelVocabulary: ['a', 'b'],
    ...(evalFraction === undefined ? {} :
                                     {extra: {split: {evalFraction, seed: 1,
                                                      method: 'per class'}}}),
  });

  it('names the seed a damaged record kept, to be given again', () => {
    const file = path.join(dir, STUDY_DATA_FILE);
    fs.writeFileSync(file, '{"experimentName": "e", "seed": 1243376489, "sch');
    assert.throws(
        () => recordOrCheckStudyData(dir, STUDY, images(16)),
        (e: Error) => e instanceof ValueError &&
            e.message.startsWith(`${file}: not the study's data record (`) &&
            e.message.endsWith(
                'remove it to record the data given now, and pass ' +
                '--phoenix_tf_random_seed=1243376489 (the study\'s seed, ' +
                'read from what is left of it) to plan its next trials ' +
                'from that seed'));
    fs.writeFileSync(file, '{"experimentName"');
    assert.throws(() => recordOrCheckStudyData(dir, STUDY, images(16)),
                  /and pass --phoenix_tf_random_seed=<the seed the study's first run printed>/);
  });

  it('records the first worker\'s data, then holds the others to it', () => {
    recordOrCheckStudyData(dir, STUDY, images(16, 0.25));
    assert.deepEqual(fs.readdirSync(dir), [STUDY_DATA_FILE]);

    recordOrCheckStudyData(dir, STUDY, images(16, 0.25));
    // A schema saved before the split was kept says nothing of it.
    recordOrCheckStudyData(dir, STUDY, images(16));
    assert.throws(
        () => recordOrCheckStudyData(dir, STUDY, images(20, 0.25)),
        (e: Error) => e instanceof ValueError &&
            e.message.startsWith(`study "e" in ${dir} is trained on image ` +
                                 'data of shape [16, 16, 3]') &&
            e.message.includes('the data given now is image data of shape ' +
                               '[20, 16, 3]'));
    assert.throws(
        () => recordOrCheckStudyData(dir, STUDY, images(16, 0.5)),
        /, but the data given now is the same data split otherwise for evaluation \(evaluation split: the study's --eval_fraction=0.25 --image_split_seed=1, now --eval_fraction=0.5 --image_split_seed=1\); give every worker the same data/);
    assert.deepEqual(fs.readdirSync(dir), [STUDY_DATA_FILE]);
  });

  it('holds a provider that names no classes to its number of them', () => {
    const own = {kind: 'own', shape: [4]};
    recordOrCheckStudyData(dir, STUDY, own, false, 5);

    recordOrCheckStudyData(dir, STUDY, own, false, 5);
    assert.throws(
        () => recordOrCheckStudyData(dir, STUDY, own, false, 3),
        (e: Error) => e instanceof ValueError &&
            e.message === `study "e" in ${dir} is trained on own data of ` +
                `shape [4], 5 classes (${path.join(dir, STUDY_DATA_FILE)}), ` +
                'but the data given now is own data of shape [4], 3 ' +
                'classes; give every worker the same data, or a new ' +
                '--model_dir or --experiment_name for a new study');
    // None of the study's trials completed: the new number is the study's.
    assert.match(
        recordOrCheckStudyData(dir, STUDY, own, true, 3)!.join('\n'),
        /^the study's data changes from own data of shape \[4\], 5 classes to own data of shape \[4\], 3 classes: none of its trials completed/);
    recordOrCheckStudyData(dir, STUDY, own, false, 3);
    // A record of before the number was kept holds nothing to it, and
    // keeps the number from then on.
    const file = path.join(dir, STUDY_DATA_FILE);
    const record = JSON.parse(fs.readFileSync(file, 'utf8'));
    delete record.classes;
    fs.writeFileSync(file, JSON.stringify(record));
    recordOrCheckStudyData(dir, STUDY, own, false, 7);
    assert.equal(JSON.parse(fs.readFileSync(file, 'utf8')).classes, 7);
    assert.throws(() => recordOrCheckStudyData(dir, STUDY, own, false, 3),
                  /own data of shape \[4\], 7 classes/);
  });

  it('names the columns and classes that differ, past the first few', () => {
    const csv = (columns: string[], classes: string[]): InputSchema => ({
      kind: 'csv', shape: [columns.length], labelVocabulary: classes,
      columns: columns.map((name) => ({name, kind: 'numeric'} as const)),
    });
    const thirty = Array.from({length: 30}, (_, i) => `c${i}`);
    recordOrCheckStudyData(dir, STUDY, csv(thirty, ['0', '1']));

    const messageFor = (schema: InputSchema) => {
      try {
        recordOrCheckStudyData(dir, STUDY, schema);
      } catch (e) {
        return (e as Error).message;
      }
      assert.fail('not refused');
    };
    assert.match(messageFor(csv(thirty.slice(0, 29), ['0', '1'])),
                 /, classes 0,1 \(columns missing: c29\); give every worker/);
    assert.match(messageFor(csv([...thirty.slice(0, 29), 'd'], ['0', '1', '2'])),
                 /\(columns missing: c29; new columns: d; new classes: 2\)/);
    assert.match(messageFor(csv([...thirty].reverse(), ['0', '1'])),
                 /\(columns in another order\)/);
  });

  it('names the new values of a categorical column and changed kinds', () => {
    const csv = (cities: string[], ageKind: 'numeric'|'categorical'):
        InputSchema => ({
          kind: 'csv', shape: [cities.length + 1], labelVocabulary: ['a'],
          columns: [{name: 'city, name', kind: 'categorical',
                     vocabulary: cities},
                    {name: 'age', kind: ageKind}],
        });
    recordOrCheckStudyData(dir, STUDY, csv(['Paris', 'Rome'], 'numeric'));

    assert.throws(
        () => recordOrCheckStudyData(
            dir, STUDY, csv(['Berlin', 'Paris', 'Rome'], 'numeric')),
        (e: Error) => e.message.includes(
            'is trained on csv data of shape [3], columns "city, name",age, ' +
            'classes a (') &&
            e.message.includes(
                'but the data given now is csv data of shape [4], columns ' +
                '"city, name",age, classes a (column "city, name" has new ' +
                'values "Berlin"); give every worker'));
    assert.throws(
        () => recordOrCheckStudyData(dir, STUDY, csv(['Paris'], 'categorical')),
        (e: Error) => e.message.includes(
            '(column "city, name" lacks values "Rome"; column age is ' +
            'categorical, was numeric)'));
  });

  it('refuses a study split before the per-class rule, saying so', () => {
    const before: InputSchema = {
      kind: 'image', shape: [16, 16, 3], labelVocabulary: ['a', 'b'],
      extra: {split: {evalFraction: 0.25, seed: 1}},
    };
    recordOrCheckStudyData(dir, STUDY, before);

    assert.throws(
        () => recordOrCheckStudyData(dir, STUDY, images(16, 0.25)),
        /\(evaluation split: the study's --eval_fraction=0.25 --image_split_seed=1 \(split before classes were held out in proportion\), now --eval_fraction=0.25 --image_split_seed=1\)/);
  });

  it('records the study\'s name, owner and creation time', () => {
    recordOrCheckStudyData(dir, STUDY, images(16));

    const {directoryId, ...recorded} = studyOfDirectory(dir)!;
    assert.deepEqual(recorded, STUDY);
    assert.match(directoryId!, /^[0-9a-f]{16}$/);
    assert.equal(otherStudyOfDirectory(dir, STUDY), undefined);
    const differs = (study: typeof STUDY) =>
        otherStudyOfDirectory(dir, study)?.differs;
    assert.equal(differs({...STUDY, experimentOwner: 'p'}), 'study');
    assert.equal(differs({...STUDY, experimentName: 'f'}), 'study');
    assert.equal(differs({...STUDY, createdAt: '2026-12-05T11:00:00.000Z'}),
                 'creation');
    assert.equal(studyText(otherStudyOfDirectory(
                     dir, {...STUDY, experimentName: 'f'})!.recorded),
                 'study "e" (owner o)');
    // A study not in the database yet has no time to compare.
    assert.equal(otherStudyOfDirectory(dir, {...STUDY, createdAt: undefined}),
                 undefined);
  });

  it('warns of a worker that trains otherwise than the first', () => {
    const settings = {trainSteps: 300, batchSize: 32, evalSteps: 0};
    assert.equal(settingsWarning(dir, settings), undefined);
    recordOrCheckStudyData(dir, {...STUDY, settings}, images(16));

    assert.equal(settingsWarning(dir, settings), undefined);
    assert.equal(
        settingsWarning(dir, {...settings, trainSteps: 50, batchSize: 10}),
        'this worker trains with --phoenix_train_steps=50 ' +
            '--phoenix_batch_size=10, the study\'s first worker with ' +
            '--phoenix_train_steps=300 --phoenix_batch_size=32: its trials ' +
            'are ranked with the others\'; give every worker the same ones ' +
            'unless that is meant');
  });

  it('warns of trials evaluated on another set or other examples', () => {
    const csv = (evaluation: unknown): InputSchema => ({
      kind: 'csv', shape: [1], labelVocabulary: ['0', '1'],
      columns: [{name: 'x', kind: 'numeric', mean: 0, std: 1}],
      extra: {evaluation},
    });
    recordOrCheckStudyData(dir, STUDY, csv({file: 'val.csv', rows: 40}));

    assert.equal(
        recordOrCheckStudyData(dir, STUDY, csv({file: 'val.csv', rows: 40})),
        undefined);
    assert.deepEqual(
        recordOrCheckStudyData(dir, STUDY, csv({file: null, rows: 160})),
        ['this run evaluates trials on the training rows (160), the ' +
            'study\'s first worker on val.csv (40 rows): their metrics do ' +
            'not compare, yet are ranked together; give the study\'s ' +
            '--validation_filename']);

    // Other numbers as well: both said.
    const moved: InputSchema = {
      ...csv({file: null, rows: 160}),
      columns: [{name: 'x', kind: 'numeric', mean: 5, std: 1}],
    };
    assert.deepEqual(
        recordOrCheckStudyData(dir, STUDY, moved)!.map(
            (w) => w.split(' ').slice(0, 5).join(' ')),
        ['this run evaluates trials on', 'the data given now has']);

    // A record from before contents were kept cannot tell.
    assert.equal(
        recordOrCheckStudyData(dir, STUDY, csv({file: 'val.csv', rows: 40,
                                                digest: 'bbbb'})),
        undefined);

    const other = fs.mkdtempSync(path.join(os.tmpdir(), 'study_data_test_'));
    try {
      // A file of the same name and length, with other rows.
      recordOrCheckStudyData(
          other, STUDY, csv({file: 'val.csv', rows: 40, digest: 'aaaa'}));
      assert.match(
          recordOrCheckStudyData(other, STUDY, csv({file: 'val.csv', rows: 40,
                                                    digest: 'bbbb'}))![0],
          /^this run evaluates trials on val\.csv \(40 rows, contents bbbb\), the study's first worker on val\.csv \(40 rows, contents aaaa\)/);
      fs.rmSync(path.join(other, STUDY_DATA_FILE));
      const folder = (train: number): InputSchema => ({
        ...images(16), extra: {examples: {train, eval: 6}},
      });
      recordOrCheckStudyData(other, STUDY, folder(18));
      assert.match(recordOrCheckStudyData(other, STUDY, folder(19))![0],
                   /^the data given now has 19 training and 6 evaluation examples, against 18 and 6 when the study started/);
      // As many images, other pixels; a record without digests cannot tell.
      fs.rmSync(path.join(other, STUDY_DATA_FILE));
      const pixels = (evalDigest?: string): InputSchema => ({
        ...images(16), extra: {examples: {train: 18, eval: 6, evalDigest}},
      });
      recordOrCheckStudyData(other, STUDY, pixels('aaaa'));
      assert.equal(recordOrCheckStudyData(other, STUDY, pixels('aaaa')),
                   undefined);
      assert.equal(recordOrCheckStudyData(other, STUDY, pixels()), undefined);
      assert.match(recordOrCheckStudyData(other, STUDY, pixels('bbbb'))![0],
                   /^the data given now has as many examples as the study's, but other evaluation images \(their pixels differ: digest bbbb, against aaaa when the study started\)/);
    } finally {
      fs.rmSync(other, {recursive: true, force: true});
    }
  });

  it('refuses a record another study\'s worker wrote meanwhile', () => {
    recordOrCheckStudyData(dir, STUDY, images(16));

    assert.throws(
        () => recordOrCheckStudyData(
            dir, {...STUDY, experimentName: 'f'}, images(16)),
        (e: Error) => e instanceof UsageError &&
            e.message === `--model_dir=${dir} belongs to study "e" (owner o) ` +
                '(its study_data.json, written by a worker of that study as ' +
                'this one started), not to study "f" (owner o): give each ' +
                'study a --model_dir of its own');
  });

  it('compares only what an older record holds', () => {
    fs.writeFileSync(path.join(dir, STUDY_DATA_FILE),
                     JSON.stringify({experimentName: 'e', schema: images(16)}));

    assert.equal(otherStudyOfDirectory(dir, STUDY), undefined);
    assert.equal(
        studyText(otherStudyOfDirectory(
                      dir, {...STUDY, experimentName: 'f'})!.recorded),
        'study "e"');
  });

  it('takes other data when every trial of the study failed', () => {
    recordOrCheckStudyData(dir, STUDY, images(320));

    const said = recordOrCheckStudyData(dir, STUDY, images(16), true);

    assert.match(said![0], /^the study's data changes from image data of shape \[320, 16, 3\].* to image data of shape \[16, 16, 3\].*: none of its trials completed/);
    // The new data is the study's now: the old is refused.
    recordOrCheckStudyData(dir, STUDY, images(16));
    assert.throws(() => recordOrCheckStudyData(dir, STUDY, images(320)),
                  /is trained on image data of shape \[16, 16, 3\]/);
    assert.deepEqual({...studyOfDirectory(dir), directoryId: undefined},
                     {...STUDY, directoryId: undefined});
    assert.deepEqual(fs.readdirSync(dir), [STUDY_DATA_FILE]);
  });

  it('warns of the same columns with other numbers', () => {
    const csv = (mean: number, std: number, other = 1): InputSchema => ({
      kind: 'csv', shape: [2], labelVocabulary: ['0', '1'],
      columns: [{name: 'radius', kind: 'numeric', mean, std},
                {name: 'area', kind: 'numeric', mean: other, std: 1}],
    });
    assert.equal(recordOrCheckStudyData(dir, STUDY, csv(14.2825, 3.5)),
                 undefined);
    assert.equal(recordOrCheckStudyData(dir, STUDY, csv(14.2825, 3.5)),
                 undefined);

    assert.deepEqual(
        recordOrCheckStudyData(dir, STUDY, csv(13.5312, 3.5, 2)),
        ['the data given now has the study\'s columns but other numbers ' +
            '(column radius: mean 13.53, std 3.5, against 14.28, 3.5 when ' +
            'the study started; 1 more column): this run\'s trials train ' +
            'and evaluate on other inputs than the study\'s others, and ' +
            'are ranked with them; give every worker the same data unless ' +
            'rows were added on purpose']);
  });

  it('names a record that is not one', () => {
    fs.writeFileSync(path.join(dir, STUDY_DATA_FILE), 'not json');

    assert.throws(() => recordOrCheckStudyData(dir, STUDY, images(16)),
                  new RegExp(`${STUDY_DATA_FILE}: not the study's data ` +
                             'record .*; remove it to record the data'));
  });
});

describe('studyDirectoryOwner', () => {
  const trial = (id: number, state: Trial['state'], directoryId?: string):
      Trial => ({id, state, architecture: [], hparams: {},
                 ...(directoryId === undefined ? {} : {extra: {directoryId}})});

  it('takes the directory of the lowest trial that says one', () => {
    const trials = [trial(3, 'RUNNING', 'b'), trial(2, 'COMPLETED', 'a'),
                    trial(1, 'FAILED')];
    assert.deepEqual(studyDirectoryOwner(trials, 4, 'a'),
                     {other: undefined, settled: true});
    assert.equal(studyDirectoryOwner(trials, 4, 'b').other?.id, 2);
  });

  it('is not settled while a trial below has not said', () => {
    const trials = [trial(1, 'RUNNING'), trial(2, 'RUNNING', 'a')];
    assert.deepEqual(studyDirectoryOwner(trials, 3, 'a'),
                     {other: undefined, settled: false});
    // Trials above this one do not count.
    assert.deepEqual(studyDirectoryOwner(trials, 1, 'b'),
                     {other: undefined, settled: true});
  });
});
