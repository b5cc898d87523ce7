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
import {performance} from 'perf_hooks';

import type {Trial} from '../metadata/trial';

import {SUMMARY_CSV, SUMMARY_JSON, SUMMARY_LOCK, StudySummaryObserver, csvField, readStudySummary, summarizeStudy, SummaryFiles, writeFileAtomically, writeStudySummary} from './study_summary';
import {machineName} from '../metadata/worker_ids';

const TRIALS: Trial[] = [
  {id: 2, state: 'COMPLETED', architecture: ['A', 'B'],
   hparams: {learning_rate: 0.1, optimizer: 'sgd'},
   metrics: {loss: 0.4, accuracy: 0.8}, directory: '2', kind: 'ensemble',
   extra: {members: [1]},
   startedAt: '2026-01-01T00:00:00.000Z',
   finishedAt: '2026-01-01T00:00:02.500Z'},
  {id: 1, state: 'COMPLETED', architecture: ['A'],
   hparams: {learning_rate: 0.01}, metrics: {loss: 0.2, accuracy: 0.9},
   directory: '1'},
  {id: 3, state: 'FAILED', architecture: ['B'], hparams: {},
   failureReason: 'loss is NaN, "diverged"', directory: '3',
   kind: 'distillation', extra: {teacherTrialId: 1}},
  {id: 4, state: 'RUNNING', architecture: ['C'], hparams: {}},
];

/** A model directory with the trial directories 1 and 2. */
function makeModelDir(): string {
  const dir = fs.mkdtempSync(path.join(
      process.env['TEST_TMPDIR'] ?? os.tmpdir(), 'study_summary_test_'));
  fs.mkdirSync(path.join(dir, '1'));
  fs.mkdirSync(path.join(dir, '2'));
  return dir;
}

describe('summarizeStudy', () => {
  let dir: string;
  beforeEach(() => {
    dir = makeModelDir();
  });
  afterEach(() => {
    fs.rmSync(dir, {recursive: true, force: true});
  });

  it('lists trials by id and marks the best by the objective', () => {
    const summary = summarizeStudy(dir, TRIALS,
                                   {metric: 'loss', goal: 'minimize'});

    assert.deepEqual(summary.trials.map((t) => [t.id, t.best, t.rank]),
                     [[1, true, 1], [2, false, 2], [3, false, undefined],
                      [4, false, undefined]]);
    assert.equal(summary.bestTrialId, 1);
    assert.deepEqual(summary.counts, {completed: 2, failed: 1, running: 1});
    assert.equal(summary.trials[1].seconds, 2.5);
    assert.equal(summary.trials[1].depth, 2);
  });

  it('follows the goal of the objective', () => {
    const summary = summarizeStudy(dir, TRIALS,
                                   {metric: 'loss', goal: 'maximize'});

    assert.equal(summary.bestTrialId, 2);
  });

  it('gives no directory for trials without one on disk', () => {
    const summary = summarizeStudy(dir, TRIALS,
                                   {metric: 'loss', goal: 'minimize'});

    assert.deepEqual(summary.trials.map((t) => t.directory),
                     ['1', '2', null, null]);
  });

  it('has no best trial when none has the metric', () => {
    const summary = summarizeStudy(dir, TRIALS,
                                   {metric: 'auc_roc', goal: 'maximize'});

    assert.equal(summary.bestTrialId, null);
    assert.ok(summary.trials.every((t) => !t.best));
  });
});

describe('writeStudySummary', () => {
  let dir: string;
  beforeEach(() => {
    dir = makeModelDir();
  });
  afterEach(() => {
    fs.rmSync(dir, {recursive: true, force: true});
  });

  it('writes at most once an interval, then the latest state', async () => {
    const objective = {metric: 'loss', goal: 'minimize'} as const;
    // Long enough that a loaded machine still makes the three updates
    // within one interval.
    const observer = new StudySummaryObserver(1000);
    const count = () => readStudySummary(dir)!.trials.length;

    await observer.onStudyUpdate(dir, TRIALS.slice(0, 1), objective);
    await observer.onStudyUpdate(dir, TRIALS.slice(0, 2), objective);
    await observer.onStudyUpdate(dir, TRIALS.slice(0, 3), objective);
    const early = count();
    await new Promise((resolve) => setTimeout(resolve, 1300));

    assert.equal(early, 1);
    assert.equal(count(), 3);
  });

  it('spaces slow writes so that they take little of the search',
     async () => {
       const objective = {metric: 'loss', goal: 'minimize'} as const;
       // No interval of its own: only the writes' time spaces them.
       const observer = new StudySummaryObserver(0);
       const many = (n: number): Trial[] => Array.from(
           {length: n}, (_, i) => ({
             id: i + 1, state: 'COMPLETED', architecture: ['A', 'B'],
             hparams: {learning_rate: 0.1}, metrics: {loss: 1 / (i + 1)},
             directory: String(i + 1)}));
       const count = () => readStudySummary(dir)!.trials.length;

       const start = performance.now();
       await observer.onStudyUpdate(dir, many(2000), objective);
       const took = performance.now() - start;
       await observer.onStudyUpdate(dir, many(2001), objective);
       const deferred = count();
       await observer.onStudyEnd(dir, many(2002), objective);

       assert.ok(took > 0);
       // Written again no sooner than 50 times the write's time later.
       assert.equal(deferred, 2000);
       assert.equal(count(), 2002);
     });

  it('does not space writes by the time the disk took', async () => {
    const objective = {metric: 'loss', goal: 'minimize'} as const;
    // A disk (or a thread busy training) that holds each write 400 ms: a
    // write that took 400 ms of the search would put off the next by 20 s.
    const slowDisk = async (modelDir: string, files: SummaryFiles) => {
      await new Promise((resolve) => setTimeout(resolve, 400));
      fs.writeFileSync(path.join(modelDir, SUMMARY_JSON), files.json);
    };
    const observer = new StudySummaryObserver(50, 200, 5000, slowDisk);
    const count = () => readStudySummary(dir)!.trials.length;

    await observer.onStudyUpdate(dir, TRIALS.slice(0, 1), objective);
    await new Promise((resolve) => setTimeout(resolve, 60));
    await observer.onStudyUpdate(dir, TRIALS.slice(0, 2), objective);

    assert.equal(count(), 2);
  });

  it('writes the last state at the end at once', async () => {
    const objective = {metric: 'loss', goal: 'minimize'} as const;
    const observer = new StudySummaryObserver(60_000);

    await observer.onStudyUpdate(dir, TRIALS.slice(0, 1), objective);
    await observer.onStudyUpdate(dir, TRIALS.slice(0, 2), objective);
    await observer.onStudyEnd(dir, TRIALS, objective);

    assert.equal(readStudySummary(dir)!.trials.length, TRIALS.length);
  });

  it('does not take the summary back to an older reading', async () => {
    const objective = {metric: 'loss', goal: 'minimize'} as const;
    // Another worker wrote the study with all its trials settled; this
    // one's reading, taken before, had fewer.
    await new StudySummaryObserver().onStudyEnd(dir, TRIALS, objective);
    const older = TRIALS.slice(0, 2);

    await new StudySummaryObserver().onStudyUpdate(dir, older, objective);
    assert.equal(readStudySummary(dir)!.trials.length, TRIALS.length);
    // As new a reading writes.
    const same = TRIALS.map((t) => ({...t}));
    await new StudySummaryObserver().onStudyEnd(dir, same, objective);
    assert.equal(readStudySummary(dir)!.trials.length, TRIALS.length);
  });

  it('waits for another worker\'s write, and takes over a dead one\'s lock',
     async () => {
       const objective = {metric: 'loss', goal: 'minimize'} as const;
       const lock = path.join(dir, SUMMARY_LOCK);
       // A live worker (this process's parent) holds the lock.
       fs.writeFileSync(lock, `${process.ppid}@${machineName()}`);

       await new StudySummaryObserver(0, 20).onStudyUpdate(
           dir, TRIALS, objective);
       assert.equal(readStudySummary(dir), undefined);
       assert.ok(fs.existsSync(lock));
       // The last write waits, then writes anyway, leaving its lock.
       await new StudySummaryObserver(0, 20, 30).onStudyEnd(
           dir, TRIALS.slice(0, 2), objective);
       assert.equal(readStudySummary(dir)!.trials.length, 2);
       assert.equal(fs.readFileSync(lock, 'utf8'),
                    `${process.ppid}@${machineName()}`);

       // Its worker is gone: taken over, written, released.
       fs.writeFileSync(lock, `999999999@${machineName()}`);
       await new StudySummaryObserver(0, 20).onStudyUpdate(
           dir, TRIALS, objective);
       assert.equal(readStudySummary(dir)!.trials.length, TRIALS.length);
       assert.ok(!fs.existsSync(lock));

       // A lock left on another machine is taken over once stale.
       fs.writeFileSync(lock, '12@elsewhere');
       const old = new Date(Date.now() - 60_000);
       fs.utimesSync(lock, old, old);
       await new StudySummaryObserver(0, 20).onStudyEnd(
           dir, TRIALS.slice(0, 3), objective);
       assert.ok(!fs.existsSync(lock));
     });

  it('removes the empty lock a full disk leaves, and writes on', async () => {
    const objective = {metric: 'loss', goal: 'minimize'} as const;
    const lock = path.join(dir, SUMMARY_LOCK);
    // The module object itself: the import above only reads through it.
    const nodeFs = require('fs') as {writeFileSync: typeof fs.writeFileSync};
    const real = nodeFs.writeFileSync;
    let full = 0;
    nodeFs.writeFileSync = ((file: fs.PathOrFileDescriptor, ...rest:
                                 [string, fs.WriteFileOptions?]) => {
      if (String(file) !== lock) return real(file, ...rest);
      full++;
      real(file, '');
      throw Object.assign(new Error('ENOSPC: no space left on device, write'),
                          {code: 'ENOSPC'});
    }) as typeof fs.writeFileSync;
    try {
      await new StudySummaryObserver(0, 20).onStudyUpdate(
          dir, TRIALS, objective);
    } finally {
      nodeFs.writeFileSync = real;
    }

    assert.equal(full, 1, 'the lock was taken through another function');
    assert.ok(!fs.existsSync(lock));
    assert.equal(readStudySummary(dir)!.trials.length, TRIALS.length);
  });

  it('writes JSON and CSV and leaves no temporary file', async () => {
    await new StudySummaryObserver().onStudyUpdate(
        dir, TRIALS, {metric: 'accuracy', goal: 'maximize'});

    assert.deepEqual(fs.readdirSync(dir).sort(),
                     ['1', '2', SUMMARY_CSV, SUMMARY_JSON]);
    const json = readStudySummary(dir)!;
    assert.equal(json.bestTrialId, 1);
    assert.deepEqual(json.objective, {metric: 'accuracy', goal: 'maximize'});
    assert.equal(json.trials.length, 4);
    assert.deepEqual(json.trials[0].hparams, {learning_rate: 0.01});
    assert.deepEqual(json.trials.map((t) => [t.kind, t.members,
                                             t.teacherTrialId]),
                     [[undefined, undefined, undefined],
                      ['ensemble', [1], undefined],
                      ['distillation', undefined, 1],
                      [undefined, undefined, undefined]]);
    const csv = fs.readFileSync(path.join(dir, SUMMARY_CSV), 'utf8')
        .split('\r\n');
    assert.equal(csv[0], 'trial_id,state,best,rank,depth,architecture,' +
                 'kind,members,teacher,accuracy,loss,hparams.learning_rate,' +
                 'hparams.optimizer,seconds,directory,failure_reason');
    assert.equal(csv[1], '1,COMPLETED,true,1,1,A,,,,0.9,0.2,0.01,,,1,');
    assert.equal(csv[2],
                 '2,COMPLETED,false,2,2,A B,ensemble,1,,0.8,0.4,0.1,sgd,2.5,2,');
    assert.equal(csv[3], '3,FAILED,false,,1,B,distillation,,1,,,,,,,' +
                 '"loss is NaN, ""diverged"""');
    assert.equal(csv[5], '');
    assert.equal(csv.length, 6);
  });

  it('replaces the previous summary', async () => {
    const objective = {metric: 'loss', goal: 'minimize'} as const;
    await writeStudySummary(dir, TRIALS.slice(0, 1), objective);

    await writeStudySummary(dir, TRIALS, objective);

    assert.equal(readStudySummary(dir)!.trials.length, 4);
  });
});

describe('csvField', () => {
  const rows: Array<[unknown, string]> = [
    ['plain', 'plain'], [undefined, ''], [null, ''], [0.5, '0.5'],
    ['a,b', '"a,b"'], ['say "hi"', '"say ""hi"""'], ['two\nlines', '"two\nlines"'],
  ];
  for (const [value, expected] of rows) {
    it(`writes ${JSON.stringify(value)} as ${expected}`, () => {
      assert.equal(csvField(value), expected);
    });
  }
});

describe('readStudySummary', () => {
  it('says which file is not a summary', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'study_summary_test_'));
    try {
      fs.writeFileSync(path.join(dir, SUMMARY_JSON), '{"x": 1}');

      assert.throws(() => readStudySummary(dir),
                    /study_summary\.json is not a study summary/);
    } finally {
      fs.rmSync(dir, {recursive: true, force: true});
    }
  });
});

describe('readStudySummary', () => {
  it('names a file that is not a summary', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'read_summary_test_'));
    try {
      fs.writeFileSync(path.join(dir, SUMMARY_JSON), '{garbage');
      assert.throws(
          () => readStudySummary(dir),
          new RegExp(`^Error: ${dir}/study_summary\\.json is not a study ` +
                     'summary \\(.*JSON'));
      assert.equal(readStudySummary(path.join(dir, 'none')), undefined);
    } finally {
      fs.rmSync(dir, {recursive: true, force: true});
    }
  });
});

describe('writeFileAtomically', () => {
  it('writes through a symbolic link, as the shell does', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'atomic_test_'));
    try {
      fs.mkdirSync(path.join(dir, 'share'));
      const target = path.join(dir, 'share', 'report.html');
      fs.writeFileSync(target, 'old');
      fs.symlinkSync('share/report.html', path.join(dir, 'link.html'));
      // A link to a link, and one to a file not there yet.
      fs.symlinkSync('link.html', path.join(dir, 'twice.html'));
      fs.symlinkSync('share/new.html', path.join(dir, 'dangling.html'));

      await writeFileAtomically(path.join(dir, 'twice.html'), 'new');
      await writeFileAtomically(path.join(dir, 'dangling.html'), 'made');

      assert.equal(fs.readFileSync(target, 'utf8'), 'new');
      assert.ok(fs.lstatSync(path.join(dir, 'link.html')).isSymbolicLink());
      assert.ok(fs.lstatSync(path.join(dir, 'twice.html')).isSymbolicLink());
      assert.equal(fs.readFileSync(path.join(dir, 'share', 'new.html'), 'utf8'),
                   'made');
      assert.deepEqual(fs.readdirSync(path.join(dir, 'share')).sort(),
                       ['new.html', 'report.html']);
    } finally {
      fs.rmSync(dir, {recursive: true, force: true});
    }
  });
});
