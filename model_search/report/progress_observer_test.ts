/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

import * as assert from 'node:assert/strict';

import type {Trial} from '../metadata/trial';

import type {TrialRecordLike} from './observer_types';
import {ProgressLine} from './progress_line';
import {ProgressObserver} from './progress_observer';

/** A stream that records what is written to it. */
function fakeStream(isTTY: boolean) {
  const writes: string[] = [];
  return {isTTY, writes, write: (s: string) => writes.push(s)};
}

function record(trialId: number): TrialRecordLike {
  return {trialId, architecture: ['A'], hparams: {}, metrics: {},
          trainLosses: [], problemType: 'DNN'};
}

function trial(id: number, state: Trial['state'], accuracy?: number): Trial {
  return {id, state, architecture: ['A'], hparams: {},
          metrics: accuracy === undefined ? undefined : {accuracy}};
}

const ACCURACY = {metric: 'accuracy', goal: 'maximize'} as const;

/** An observer drawing on a terminal, by a clock the test moves. */
function clockedObserver(total: number, trainSteps: number) {
  const clock = {now: 1000};
  const stream = fakeStream(true);
  const observer = new ProgressObserver({
    total, trainSteps, line: new ProgressLine(stream), clock: () => clock.now,
  });
  return {observer, stream, clock};
}

describe('ProgressObserver', () => {
  it('removes the line once the budget is reached, before the summary',
     () => {
       const stream = fakeStream(true);
       const observer = new ProgressObserver({
         total: 1, trainSteps: 10, line: new ProgressLine(stream),
       });
       const log: string[] = [];
       const wrapped = observer.line.wrap((line) => log.push(line));

       observer.onTrainProgress(1, 10);
       observer.trialFiles(record(1));
       observer.onStudyUpdate('/m', [trial(1, 'COMPLETED', 0.5)], ACCURACY);
       const drawn = stream.writes.length;
       wrapped('study complete');
       wrapped('  trial 1 accuracy=0.5000');

       assert.equal(stream.writes[drawn - 1], '\r\x1b[2K');
       assert.equal(stream.writes.length, drawn, 'redrawn between lines');
       assert.deepEqual(log, ['study complete', '  trial 1 accuracy=0.5000']);
     });

  it('counts steps per second and time left from trained trials', () => {
    const {observer, stream, clock} = clockedObserver(4, 100);

    observer.onStudyUpdate('/m', [], ACCURACY);
    clock.now += 5;
    observer.onTrainProgress(1, 50);
    clock.now += 5;
    observer.onTrainProgress(1, 100);
    observer.trialFiles(record(1));
    observer.onStudyUpdate('/m', [trial(1, 'COMPLETED', 0.75)], ACCURACY);

    // 100 steps in 10 s; 3 trials left at 10 s each.
    assert.deepEqual(observer.progress, {
      done: 1, total: 4, stepsPerSecond: 10, etaSeconds: 30,
      best: {metric: 'accuracy', value: 0.75, trialId: 1},
    });
    assert.equal(stream.writes[1],
                 '\r\x1b[2Ktrials 0/4 | 10.0 steps/s | 35.0s left');
    assert.equal(stream.writes[stream.writes.length - 1],
                 '\r\x1b[2Ktrials 1/4 | 10.0 steps/s | 30.0s left | ' +
                 'best accuracy=0.7500 @1');
  });

  it('counts the steps a trial trains, fewer for a shallow tower', () => {
    const {observer, stream, clock} = clockedObserver(4, 100);

    observer.onStudyUpdate('/m', [], ACCURACY);
    clock.now += 5;
    // A shallow tower of a spec with use_parameter_scaled_training: 20 of
    // the 100 steps.
    observer.onTrainProgress(1, 10, 20);

    // 10 steps in 5 s; 4 trials of 20 steps, 10 done: 70 steps at 2/s.
    assert.equal(observer.progress.stepsPerSecond, 2);
    assert.equal(observer.progress.etaSeconds, 35);
    clock.now += 5;
    observer.onTrainProgress(1, 20, 20);
    observer.trialFiles(record(1));
    // An ensemble of frozen towers: no step.
    observer.trialFiles(record(2));
    observer.onStudyUpdate(
        '/m', [trial(1, 'COMPLETED', 0.75), trial(2, 'COMPLETED', 0.5)],
        ACCURACY);

    assert.equal(observer.progress.stepsPerSecond, 2);
  });

  it('takes the best by the goal and counts completed trials only', () => {
    const observer = new ProgressObserver({
      total: 10, trainSteps: 10, line: new ProgressLine(fakeStream(false)),
    });

    observer.onStudyUpdate('/m', [
      trial(1, 'COMPLETED', 0.5), trial(2, 'FAILED'),
      trial(3, 'COMPLETED', 0.875), trial(4, 'RUNNING'),
    ], ACCURACY);

    assert.equal(observer.progress.done, 2);
    assert.deepEqual(observer.progress.best,
                     {metric: 'accuracy', value: 0.875, trialId: 3});
  });

  it('draws nothing and clears nothing when not on a terminal', () => {
    const stream = fakeStream(false);
    const observer = new ProgressObserver({
      total: 2, trainSteps: 10, line: new ProgressLine(stream),
    });

    observer.onTrainProgress(1, 5);
    observer.onStudyUpdate('/m', [trial(1, 'COMPLETED', 1)], ACCURACY);
    observer.finish();

    assert.deepEqual(stream.writes, []);
  });

  it('removes the line when the search ends', () => {
    const stream = fakeStream(true);
    const observer = new ProgressObserver({
      total: 2, trainSteps: 10, line: new ProgressLine(stream),
    });
    observer.onTrainProgress(1, 5);

    observer.finish();

    assert.equal(stream.writes[stream.writes.length - 1], '\r\x1b[2K');
  });
});
