/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

import * as assert from 'node:assert/strict';

import {ProgressLine, formatProgress} from './progress_line';
import type {ProgressState} from './progress_line';

/** A stream that records what is written to it. */
function fakeStream(isTTY: boolean, columns?: number) {
  const writes: string[] = [];
  return {isTTY, columns, writes, write: (s: string) => writes.push(s)};
}

const STATE: ProgressState = {
  done: 3, total: 10, stepsPerSecond: 41.24, etaSeconds: 125,
  best: {metric: 'loss', value: 0.12345, trialId: 2},
};

describe('ProgressLine', () => {
  it('redraws one line in place on a terminal', () => {
    const stream = fakeStream(true);
    const progress = new ProgressLine(stream);

    progress.update(STATE);
    progress.update({...STATE, done: 4});

    assert.deepEqual(stream.writes, [
      '\r\x1b[2Ktrials 3/10 | 41.2 steps/s | 2m05s left | best loss=0.1235 @2',
      '\r\x1b[2Ktrials 4/10 | 41.2 steps/s | 2m05s left | best loss=0.1235 @2',
    ]);
    assert.equal(progress.active, true);
  });

  it('writes nothing when the stream is not a terminal', () => {
    const stream = fakeStream(false);
    const progress = new ProgressLine(stream);

    progress.update(STATE);
    progress.clear();
    progress.wrap(() => {})('trial 1/10 ...');

    assert.deepEqual(stream.writes, []);
    assert.equal(progress.active, false);
  });

  it('clears the line only when one is shown', () => {
    const stream = fakeStream(true);
    const progress = new ProgressLine(stream);

    progress.clear();
    progress.update(STATE);
    progress.clear();
    progress.clear();

    assert.equal(stream.writes.length, 2);
    assert.equal(stream.writes[1], '\r\x1b[2K');
  });

  it('clears before a log line and draws again after it', () => {
    const stream = fakeStream(true);
    const progress = new ProgressLine(stream);
    const log = progress.wrap((line) => stream.write(`${line}\n`));

    progress.update({done: 1, total: 2});
    log('trial 1/2 arch=[A] loss=0.5');

    assert.deepEqual(stream.writes, [
      '\r\x1b[2Ktrials 1/2', '\r\x1b[2K', 'trial 1/2 arch=[A] loss=0.5\n',
      '\r\x1b[2Ktrials 1/2',
    ]);
  });

  it('cuts the line to the terminal width', () => {
    const stream = fakeStream(true, 20);

    new ProgressLine(stream).update(STATE);

    assert.equal(stream.writes[0], '\r\x1b[2Ktrials 3/10 | 41.2 ');
  });
});

describe('formatProgress', () => {
  const rows: Array<[string, ProgressState, string]> = [
    ['only counts', {done: 0, total: 5}, 'trials 0/5'],
    ['seconds left', {done: 1, total: 5, etaSeconds: 42.4},
     'trials 1/5 | 42.4s left'],
    ['hours left', {done: 1, total: 5, etaSeconds: 7300},
     'trials 1/5 | 2h01m left'],
    ['unknown speed', {done: 1, total: 5, stepsPerSecond: NaN},
     'trials 1/5'],
    ['best without id', {done: 1, total: 5,
                         best: {metric: 'accuracy', value: 1}},
     'trials 1/5 | best accuracy=1'],
  ];
  for (const [name, state, expected] of rows) {
    it(`writes ${name}`, () => {
      assert.equal(formatProgress(state), expected);
    });
  }
});
