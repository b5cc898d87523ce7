/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import {UsageError} from '../errors';
import type {StudyInfo} from '../metadata/store';
import type {Trial} from '../metadata/trial';

import {LOSS, SAMPLE, writeStudy} from './study_fixtures_testing';
import {writeStudySummary} from './study_summary';
import {pickStudy, studyWarnings} from './study_source';
import {formatTrialsTable, trialsCommand} from './trials_command';
import {shortArchitecture, sortTrials} from './trial_columns';
import {machineName} from '../metadata/worker_ids';

/** Runs the command, collecting what it writes. */
async function run(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const status = await trialsCommand(
      args, (s) => out.push(s), (s) => err.push(s));
  return {status, out, err: err.join('\n')};
}

/** The table rows of the output: the lines between header and footer. */
function tableRows(out: string[]): string[] {
  const header = out.findIndex((l) => /^\s+id\s+state/.test(l));
  return out.slice(header + 1, -1);
}

/** The trial ids of table rows, in order. */
function ids(out: string[]): number[] {
  return tableRows(out).map((l) => Number(/^\*?\s*(\d+)/.exec(l)![1]));
}

describe('trialsCommand', () => {
  let dir: string;
  before(async () => {
    dir = fs.mkdtempSync(path.join(process.env['TEST_TMPDIR'] ?? os.tmpdir(),
                                   'trials_command_test_'));
    await writeStudy(dir, SAMPLE);
  });
  after(() => {
    fs.rmSync(dir, {recursive: true, force: true});
  });

  it('prints one aligned row per trial, the best marked', async () => {
    const result = await run([`--model_dir=${dir}`]);

    assert.equal(result.status, 0, result.err);
    assert.equal(result.out[0],
                 `study "test_study" (owner tester) in sqlite:${dir}/` +
                 'model_search.db');
    assert.equal(result.out[1],
                 'objective: loss (minimize, from default); * marks the best');
    const header = result.out[2];
    assert.match(header, /^\s+id\s+state\s+depth\s+architecture\s+loss\s+accuracy\s+seconds$/);
    const rows = tableRows(result.out);
    assert.equal(rows.length, 6);
    assert.deepEqual(ids(result.out), [1, 2, 3, 4, 5, 6]);
    assert.match(rows[2], /^\*\s+3\s+COMPLETED\s+3\s+FULLY_CONNECTED_RESIDUAL_CONCAT > FULLY_CONNECTED x2\s+0\.2000\s+0\.9500\s+3\.0$/);
    assert.match(rows[3], /^\s+4\s+FAILED\s+1\s+FULLY_CONNECTED_PYRAMID\s+0\.4$/);
    assert.match(rows[5], /^\s+6\s+RUNNING\s+1\s+FULLY_CONNECTED$/);
    // Right-aligned numbers end in the same column as their header.
    const lossEnd = header.indexOf('loss') + 'loss'.length;
    assert.equal(rows[0].slice(lossEnd - 6, lossEnd), '0.5000');
    assert.equal(result.out[result.out.length - 1],
                 '6 trials: 4 completed, 1 failed, 1 running; best loss ' +
                 `0.2000 in trial 3 (${dir}/3) (--full says why they failed)`);
  });

  it('says when the best trial\'s directory was removed', async () => {
    const copy = fs.mkdtempSync(path.join(
        process.env['TEST_TMPDIR'] ?? os.tmpdir(), 'trials_removed_'));
    try {
      await writeStudy(copy, SAMPLE);
      fs.rmSync(path.join(copy, '3'), {recursive: true, force: true});

      const result = await run([`--model_dir=${copy}`]);

      assert.equal(result.status, 0, result.err);
      assert.equal(result.out[result.out.length - 1],
                   '6 trials: 4 completed, 1 failed, 1 running; best loss ' +
                   `0.2000 in trial 3 (${copy}/3: directory removed, no ` +
                   'model to predict with) (--full says why they failed)');
    } finally {
      fs.rmSync(copy, {recursive: true, force: true});
    }
  });

  it('says why each trial failed with --full', async () => {
    const result = await run([`--model_dir=${dir}`, '--full']);

    assert.equal(result.status, 0, result.err);
    assert.deepEqual(result.out.slice(-2), [
      '6 trials: 4 completed, 1 failed, 1 running; best loss 0.2000 in ' +
          `trial 3 (${dir}/3)`,
      'trial 4 FAILED: loss became NaN',
    ]);
  });

  it('keeps a reason with a line break to its own entry', async () => {
    // A block's error text: a line of the table's own form inside it.
    const forged = fs.mkdtempSync(path.join(os.tmpdir(), 'trials_forged_'));
    try {
      await writeStudy(forged, [
        {architecture: ['FULLY_CONNECTED'], metrics: {loss: 0.5}},
        {architecture: ['FULLY_CONNECTED'],
         failure: 'bad build\n*   9  COMPLETED  1  FORGED  0.0001'},
      ]);

      const result = await run([`--model_dir=${forged}`, '--full']);

      assert.equal(result.status, 0, result.err);
      assert.deepEqual(result.out.slice(-1),
                       ['trial 2 FAILED: bad build\n' +
                        '  *   9  COMPLETED  1  FORGED  0.0001']);
    } finally {
      fs.rmSync(forged, {recursive: true, force: true});
    }
  });

  const sorts: Array<{name: string, args: string[], ids: number[]}> = [
    {name: 'loss, best first', args: ['--sort=loss'], ids: [3, 5, 1, 2, 4, 6]},
    {name: 'loss --desc', args: ['--sort=loss', '--desc'],
     ids: [2, 1, 5, 3, 4, 6]},
    {name: 'accuracy, best first', args: ['--sort=accuracy'],
     ids: [3, 5, 1, 2, 4, 6]},
    {name: 'accuracy --asc', args: ['--sort=accuracy', '--asc'],
     ids: [2, 1, 5, 3, 4, 6]},
    {name: 'seconds', args: ['--sort=seconds'], ids: [4, 1, 5, 2, 3, 6]},
    {name: 'depth --desc', args: ['--sort=depth', '--desc'],
     ids: [3, 2, 5, 1, 4, 6]},
    {name: 'num_parameters', args: ['--sort=num_parameters'],
     ids: [1, 2, 5, 3, 4, 6]},
  ];
  for (const s of sorts) {
    it(`sorts by ${s.name}`, async () => {
      const result = await run([`--model_dir=${dir}`, ...s.args]);

      assert.equal(result.status, 0, result.err);
      assert.deepEqual(ids(result.out), s.ids);
    });
  }

  it('breaks ties of a metric by loss, as the study ranks, then by id',
     () => {
       const trial = (id: number, auc: number, loss: number,
                      depth: number): Trial => ({
         id, state: 'COMPLETED', architecture: new Array(depth).fill('X'),
         hparams: {}, metrics: {auc_roc: auc, loss},
       } as unknown as Trial);
       const trials = [trial(1, 0.8, 0.05, 2), trial(2, 0.9, 0.3, 1),
                       trial(5, 0.9, 0.1, 1)];
       const order = (key: string, asc: boolean) =>
           sortTrials(trials, key, asc ? 'asc' : 'desc').map((t) => t.id);

       assert.deepEqual(order('auc_roc', false), [5, 2, 1]);
       assert.deepEqual(order('auc_roc', true), [1, 5, 2]);
       assert.deepEqual(order('depth', true), [2, 5, 1], 'other keys by id');
     });

  it('shows the sort metric as a column', async () => {
    const result = await run([`--model_dir=${dir}`, '--sort=num_parameters']);

    assert.match(result.out[2], /architecture\s+loss\s+num_parameters\s+accuracy/);
    assert.match(tableRows(result.out)[0], /\s310\s/);
  });

  it('takes the objective from the study summary', async () => {
    const other = fs.mkdtempSync(path.join(os.tmpdir(), 'trials_command_'));
    try {
      await writeStudy(other, SAMPLE);
      await writeStudySummary(other, [], {metric: 'accuracy', goal: 'maximize'});

      const result = await run([`--model_dir=${other}`, '--sort=loss']);

      assert.equal(result.out[1], 'objective: accuracy (maximize, from ' +
                   'study_summary.json); * marks the best');
      assert.match(result.out[2], /architecture\s+accuracy\s+loss/);
    } finally {
      fs.rmSync(other, {recursive: true, force: true});
    }
  });

  it('lets a metric given alone go its own way, not the study\'s',
     async () => {
    const other = fs.mkdtempSync(path.join(os.tmpdir(), 'trials_command_'));
    try {
      await writeStudy(other, SAMPLE);
      await writeStudySummary(other, [], {metric: 'accuracy', goal: 'maximize'});

      const loss = await run([`--model_dir=${other}`,
                              '--optimization_metric=loss']);
      await writeStudySummary(other, [], {metric: 'loss', goal: 'minimize'});
      const accuracy = await run([`--model_dir=${other}`,
                                  '--optimization_metric=accuracy']);

      assert.equal(loss.out[1], 'objective: loss (minimize, metric from ' +
                   'flags, goal: lower loss is better); * marks the best');
      assert.equal(accuracy.out[1], 'objective: accuracy (maximize, metric ' +
                   'from flags, goal: higher accuracy is better); ' +
                   '* marks the best');
      const same = await run([`--model_dir=${other}`,
                              '--optimization_metric=loss']);
      assert.equal(same.out[1], 'objective: loss (minimize, metric from ' +
                   'flags, goal from study_summary.json); * marks the ' +
                   'best');
    } finally {
      fs.rmSync(other, {recursive: true, force: true});
    }
  });

  it('warns of a goal that ranks the metric the wrong way round',
     async () => {
    const other = fs.mkdtempSync(path.join(os.tmpdir(), 'trials_command_'));
    try {
      await writeStudy(other, SAMPLE);
      await writeStudySummary(other, [], {metric: 'accuracy', goal: 'maximize'});

      const minimized = await run([`--model_dir=${other}`,
                                   '--optimization_goal=minimize']);
      const maximized = await run([`--model_dir=${other}`,
                                   '--optimization_goal=maximize']);

      assert.equal(minimized.status, 0, minimized.err);
      assert.equal(minimized.out[1], 'objective: accuracy (minimize, goal ' +
                   'from flags, metric from study_summary.json); * ' +
                   'marks the best');
      assert.match(minimized.err, /^trials: warning: --optimization_goal=minimize ranks accuracy from its lowest value: the trial marked best has the lowest accuracy \(the study maximizes it\); give --optimization_goal=maximize to rank the other way$/m);
      assert.doesNotMatch(maximized.err, /ranks accuracy/);
    } finally {
      fs.rmSync(other, {recursive: true, force: true});
    }
  });

  const failures: Array<{name: string, args: (d: string) => string[],
                         error: RegExp}> = [
    {name: 'an unknown objective metric', args: (d) => [`--model_dir=${d}`,
     '--optimization_metric=acuracy'],
     error: /--optimization_metric=acuracy: no trial has this metric; did you mean "accuracy"\?; the trials have /},
    {name: 'an unknown sort metric', args: (d) => [`--model_dir=${d}`,
     '--sort=acuracy'],
     error: /--sort=acuracy: no trial has this metric; did you mean "accuracy"\?/},
    {name: 'a short sort metric like no name', args: (d) => [
      `--model_dir=${d}`, '--sort=f1'],
     error: /^trials: --sort=f1: no trial has this metric; sortable: /},
    {name: 'both --asc and --desc', args: (d) => [`--model_dir=${d}`,
     '--asc', '--desc'], error: /give --desc or --asc, not both/},
    {name: 'no --model_dir', args: () => [],
     error: /--model_dir is required/},
    {name: 'a model_dir without database', args: (d) => {
      fs.mkdirSync(path.join(d, 'empty'), {recursive: true});
      return [`--model_dir=${path.join(d, 'empty')}`];
    },
     error: /holds no model_search\.db: run a search/},
    {name: 'a trial directory', args: (d) => {
      const trial = path.join(d, 'copied', '7');
      fs.mkdirSync(trial, {recursive: true});
      fs.writeFileSync(path.join(trial, 'architecture.json'), '{}');
      return [`--model_dir=${trial}`];
    },
     error: /--model_dir=\S+\/copied\/7 is a trial directory; give the --model_dir of its search, \S+\/copied$/},
    {name: 'a trial directory that lost architecture.json', args: (d) => {
      const trial = path.join(d, 'damaged', '8');
      fs.mkdirSync(path.join(trial, 'model'), {recursive: true});
      fs.writeFileSync(path.join(trial, 'evaluation.json'), '{}');
      return [`--model_dir=${trial}`];
    },
     error: /--model_dir=\S+\/damaged\/8 is a trial directory; give the --model_dir of its search, \S+\/damaged$/},
    {name: 'the model_dir of another study',
     args: (d) => {
       const other = path.join(d, 'other_study');
       fs.mkdirSync(other, {recursive: true});
       fs.writeFileSync(path.join(other, 'study_data.json'),
                        JSON.stringify({experimentName: 'someone_else'}));
       return [`--metadata_db=sqlite:${path.join(d, 'model_search.db')}`,
               `--model_dir=${other}`];
     },
     error: /--model_dir=\S+other_study holds the trial directories of study "someone_else" \(its study_data\.json\), not of study "test_study" \(owner [^)]*\) of sqlite:/},
    {name: 'the model_dir of a study of the same name in another database',
     args: (d) => {
       const other = path.join(d, 'same_name');
       fs.mkdirSync(other, {recursive: true});
       fs.writeFileSync(path.join(other, 'study_data.json'), JSON.stringify({
         experimentName: 'test_study',
         createdAt: '2001-01-01T00:00:00.000Z',
       }));
       return [`--metadata_db=sqlite:${path.join(d, 'model_search.db')}`,
               `--model_dir=${other}`];
     },
     error: /--model_dir=\S+same_name holds the trial directories of study "test_study" created 2001-01-01T00:00:00.000Z \(its study_data\.json\), but the study of that name in sqlite:\S+ was created \S+: it is another database's study; give the database of the study that made this directory/},
    {name: 'a file as --model_dir',
     args: (d) => [`--model_dir=${path.join(d, 'model_search.db')}`],
     error: /model_search\.db is a file, not a directory/},
    {name: 'the model_dir of a search kept in a database server',
     args: (d) => {
       const served = path.join(d, 'served');
       fs.mkdirSync(served, {recursive: true});
       fs.writeFileSync(path.join(served, 'study_summary.json'), '{}');
       return [`--model_dir=${served}`];
     },
     error: /holds no model_search\.db: its search kept its bookkeeping in another database \(give that one with --metadata_db/},
    {name: 'trial directories whose database was removed',
     args: (d) => {
       const bare = path.join(d, 'bare');
       fs.mkdirSync(path.join(bare, '1'), {recursive: true});
       fs.writeFileSync(path.join(bare, '1', 'architecture.json'), '{}');
       return [`--model_dir=${bare}`];
     },
     error: /holds no model_search\.db: .*, or the file was removed \(each trial directory still serves `cli predict`\)$/},
    {name: 'an unknown flag', args: (d) => [`--model_dir=${d}`, '--srot=loss'],
     error: /unknown flag --srot; did you mean "sort"\?/},
    {name: 'an unknown study', args: (d) => [`--model_dir=${d}`,
     '--experiment_name=test_studdy'],
     error: /--experiment_name=test_studdy: no such study .*did you mean "test_study"/},
    {name: 'an unknown metric column', args: (d) => [`--model_dir=${d}`,
     '--metrics=loss,auc'], error: /--metrics: no trial has auc/},
  ];
  for (const f of failures) {
    it(`exits 2 for ${f.name}`, async () => {
      const result = await run(f.args(dir));

      assert.equal(result.status, 2);
      assert.match(result.err, f.error);
      assert.deepEqual(result.out, []);
    });
  }

  it('reads the database the original\'s --mlmd_* flags name', async () => {
    const result = await run([
      `--mlmd_default_sqllite_filename=${dir}/model_search.db`,
      '--sort=loss',
    ]);

    assert.equal(result.status, 0, result.err);
    assert.deepEqual(ids(result.out), [3, 5, 1, 2, 4, 6]);
    const both = await run([
      `--metadata_db=sqlite:${dir}/model_search.db`,
      `--mlmd_default_sqllite_filename=${dir}/model_search.db`,
    ]);
    assert.equal(both.status, 2);
    assert.match(both.err, /both --metadata_db=\S+ and --mlmd_\* flags are set/);
    const missing = await run([`--mlmd_default_sqllite_filename=${dir}/x.db`]);
    assert.equal(missing.status, 2);
    assert.match(missing.err, /--mlmd_default_sqllite_filename=.*x\.db: no such file/);
    assert.equal(fs.existsSync(path.join(dir, 'x.db')), false);
  });

  it('does not create a database named by a missing sqlite file', async () => {
    const file = path.join(dir, 'nothing.db');

    const result = await run([`--metadata_db=sqlite:${file}`]);

    assert.equal(result.status, 2);
    assert.match(result.err, /no such file/);
    assert.equal(fs.existsSync(file), false);
  });

  it('says an in-memory database holds no search to show', async () => {
    const result = await run(['--metadata_db=sqlite::memory:']);

    assert.equal(result.status, 2);
    assert.match(result.err, /--metadata_db=sqlite::memory:: an in-memory database lives and dies with the search that made it; give the database file of the search/);
  });

  it('sets up nothing in a database no search has used', async () => {
    const file = path.join(dir, 'empty.db');
    fs.writeFileSync(file, '');  // an empty SQLite database

    const result = await run([`--metadata_db=sqlite:${file}`]);

    assert.equal(result.status, 2);
    assert.equal(result.err.trim(),
                 `trials: sqlite:${file} holds no model_search tables: no ` +
                     'search has used this database; check the URL');
    assert.equal(fs.statSync(file).size, 0, 'tables were created');
  });

  it('asks which study when the database holds several', async () => {
    const other = fs.mkdtempSync(path.join(os.tmpdir(), 'trials_command_'));
    try {
      await writeStudy(other, SAMPLE.slice(0, 2), {name: 'one'});
      await writeStudy(other, SAMPLE.slice(0, 3), {name: 'two'});

      const ambiguous = await run([`--model_dir=${other}`]);
      const chosen = await run([`--model_dir=${other}`,
                                '--experiment_name=two']);

      assert.equal(ambiguous.status, 2);
      assert.match(ambiguous.err, /holds 2 studies: "one" \(owner tester\), "two" \(owner tester\); choose one with --experiment_name/);
      assert.equal(chosen.status, 0, chosen.err);
      assert.deepEqual(ids(chosen.out), [1, 2, 3]);
      // The study the model directory records, when none is given.
      fs.writeFileSync(path.join(other, 'study_data.json'),
                       JSON.stringify({experimentName: 'one',
                                       experimentOwner: 'tester'}));
      const recorded = await run([`--model_dir=${other}`]);
      assert.equal(recorded.status, 0, recorded.err);
      assert.deepEqual(ids(recorded.out), [1, 2]);
      // A flag that agrees with the record narrows nothing away.
      const owned = await run([`--model_dir=${other}`,
                               '--experiment_owner=tester']);
      assert.equal(owned.status, 0, owned.err);
      assert.deepEqual(ids(owned.out), [1, 2]);
    } finally {
      fs.rmSync(other, {recursive: true, force: true});
    }
  });
});

describe('formatTrialsTable', () => {
  it('shows whole architectures with no width limit', () => {
    const blocks = Array.from({length: 12}, (_, i) => `BLOCK_${i}`);
    const lines = formatTrialsTable(
        [{id: 1, state: 'RUNNING', architecture: blocks, hparams: {}}],
        {objective: LOSS, architectureWidth: 0});

    assert.ok(lines[1].includes(blocks.join(' > ')), lines[1]);
  });

  it('shows the trials an ensemble combines', () => {
    const ensemble = (id: number, architecture: string[]) => ({
      id, state: 'COMPLETED' as const, architecture, hparams: {},
      kind: 'ensemble', extra: {members: [2, 3, 4]}, metrics: {loss: 0.5},
    });
    const lines = formatTrialsTable(
        [ensemble(5, []), ensemble(6, ['A', 'A']),
         {id: 7, state: 'COMPLETED', architecture: [], hparams: {},
          metrics: {loss: 0.7}}],
        {objective: LOSS});

    assert.match(lines[1], /\s5\s+COMPLETED\s+0\s+ensemble of trials 2,3,4\s/);
    assert.match(lines[2], /\s6\s+COMPLETED\s+2\s+A x2 \+ ensemble of trials 2,3,4\s/);
    assert.match(lines[3], /\s7\s+COMPLETED\s+0\s+\(no blocks\)\s/);
  });
});

describe('formatTrialsTable students', () => {
  it('shows the trial a distillation student learned from', () => {
    const lines = formatTrialsTable(
        [{id: 3, state: 'COMPLETED', architecture: ['A'], hparams: {},
          kind: 'distillation', extra: {teacherTrialId: 1},
          metrics: {loss: 0.4}}],
        {objective: LOSS});

    assert.match(lines[1], /\s3\s+COMPLETED\s+1\s+A \(student of trial 1\)/);
  });
});

describe('shortArchitecture', () => {
  const rows: Array<[string[], number, string]> = [
    [[], 40, '(no blocks)'],
    [['A', 'A', 'B', 'A'], 40, 'A x2 > B > A'],
    [['LONG_BLOCK_NAME', 'OTHER_BLOCK'], 20, 'LONG_BLOCK_NAME >...'],
  ];
  for (const [blocks, width, expected] of rows) {
    it(`writes ${JSON.stringify(blocks)} as "${expected}"`, () => {
      assert.equal(shortArchitecture(blocks, width), expected);
    });
  }
});

describe('studyWarnings', () => {
  it('names completed trials without a directory, and orphaned ones', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'study_warnings_'));
    try {
      fs.mkdirSync(path.join(dir, '1'));
      fs.writeFileSync(path.join(dir, '1', 'architecture.json'), '{}');
      fs.mkdirSync(path.join(dir, '2'));  // emptied
      const trial = (id: number, state: Trial['state'],
                     workerId = 'elsewhere:5', leaseExpiresAt?: string):
          Trial => ({id, state, architecture: [], hparams: {},
                     directory: `${id}`, workerId, leaseExpiresAt});
      const now = Date.UTC(2026, 0, 1, 12);
      const trials = [
        trial(1, 'COMPLETED'), trial(2, 'COMPLETED'), trial(3, 'COMPLETED'),
        trial(4, 'FAILED'), trial(5, 'RUNNING', `${machineName()}:77`),
        trial(6, 'RUNNING', `${machineName()}:78`),
        trial(7, 'RUNNING', 'elsewhere:5', '2026-01-01T12:05:00.000Z'),
        trial(8, 'RUNNING', 'k1@elsewhere:6', '2026-01-01T11:55:00.000Z'),
        // Its process is there, stopped: its lease ran out.
        trial(9, 'RUNNING', `${machineName()}:79`, '2026-01-01T11:50:00.000Z'),
      ];

      const warnings = studyWarnings(
          trials, dir, (pid) => pid === 78 || pid === 79, now);

      assert.deepEqual(warnings, [
        `warning: trials 2, 3 are COMPLETED but ${dir} lacks their ` +
            'directories (or architecture.json in it): no replay, ' +
            'prediction or ensemble can use them',
        `warning: trial 5 shows RUNNING, but its worker (${
            machineName()}:77) is gone: the next search of the study takes ` +
            'it back',
        'warning: trial 8 shows RUNNING, but its worker\'s (k1@elsewhere:6) ' +
            'lease ran out at 2026-01-01T11:55:00.000Z with no heartbeat ' +
            'since: the next worker that asks for a trial takes it back',
        `warning: trial 9 shows RUNNING, but its worker (${
            machineName()}:79) is stopped or hangs: its lease ran out at ` +
            '2026-01-01T11:50:00.000Z with no heartbeat since; the next ' +
            'worker that asks for a trial takes it back',
      ]);
      assert.deepEqual(studyWarnings(trials.slice(0, 1), dir), []);
      // A directory of a trial the database does not hold (restored from
      // an older copy): named.
      fs.mkdirSync(path.join(dir, '10'));
      fs.writeFileSync(path.join(dir, '10', 'evaluation.json'), '{}');
      assert.deepEqual(studyWarnings(trials.slice(0, 1), dir), [
        `warning: ${dir} holds the trial directory 10 of no trial the ` +
            'database holds (a database older than the directory, ' +
            'restored from a copy?): not listed, and a search of the ' +
            'study refuses to go on until it is moved out',
      ]);
      fs.rmSync(path.join(dir, '10'), {recursive: true});
      // A trial a search found damaged: named.
      fs.writeFileSync(path.join(dir, '1', 'unusable.txt'), 'weights.bin');
      assert.deepEqual(studyWarnings(trials.slice(0, 1), dir), [
        'warning: trial 1 is marked unusable (unusable.txt in its ' +
            'directory says which files are damaged): searches plan ' +
            'without it, and its model may not load',
      ]);
    } finally {
      fs.rmSync(dir, {recursive: true, force: true});
    }
  });
});

describe('pickStudy', () => {
  const study = (id: number, experimentName: string,
                 experimentOwner: string): StudyInfo =>
      ({studyId: id, experimentName, experimentOwner,
        createdAt: '2026-01-01T00:00:00.000Z'});
  const studies = [study(1, 'dist', 'bob'), study(2, 'dist', 'alice'),
                   study(3, 'other', 'bob')];
  const pick = (name: string, owner: string) =>
      pickStudy(studies, name, owner, 'DB').studyId;
  const refusal = (name: string, owner: string) => {
    try {
      pickStudy(studies, name, owner, 'DB');
    } catch (e) {
      assert.ok(e instanceof UsageError);
      return e.message;
    }
    assert.fail('picked one');
  };

  it('picks by name, by owner, or by both', () => {
    assert.equal(pick('other', ''), 3);
    assert.equal(pick('', 'alice'), 2);
    assert.equal(pick('dist', 'bob'), 1);
  });

  it('names the flag that tells the studies apart', () => {
    assert.equal(refusal('', ''),
                 'DB holds 3 studies: "dist" (owner bob), "dist" (owner ' +
                     'alice), "other" (owner bob); choose one with ' +
                     '--experiment_name');
    assert.equal(refusal('dist', ''),
                 '--experiment_name=dist names, in DB, 2 studies: "dist" ' +
                     '(owner bob), "dist" (owner alice); choose one with ' +
                     '--experiment_owner');
    assert.equal(refusal('', 'bob'),
                 '--experiment_owner=bob names, in DB, 2 studies: "dist" ' +
                     '(owner bob), "other" (owner bob); choose one with ' +
                     '--experiment_name');
  });

  it('suggests a name only when the name is not there', () => {
    assert.match(refusal('dits', ''),
                 /^--experiment_name=dits: no such study in DB; did you mean "dist"\?; studies: /);
    assert.match(refusal('dist', 'carol'),
                 /^--experiment_name=dist --experiment_owner=carol: no such study in DB; studies: "dist" \(owner bob\)/);
  });
});
