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

import type {Trial} from '../metadata/trial';

import {checkLogs, checkStudy} from './study_checks';

const KILLED_PID = 4242;

function writeTrialDir(root: string, id: number): void {
  const dir = path.join(root, String(id));
  fs.mkdirSync(path.join(dir, 'model'), {recursive: true});
  fs.writeFileSync(path.join(dir, 'evaluation.json'),
                   JSON.stringify({loss: 0.5, accuracy: 0.75}));
  fs.writeFileSync(path.join(dir, 'architecture.json'),
                   JSON.stringify({trial_id: id, blocks: []}));
  fs.writeFileSync(path.join(dir, 'model', 'model.json'),
                   JSON.stringify({modelTopology: {}, weightsManifest: []}));
}

function completed(id: number, workerId = 'w0'): Trial {
  return {id, state: 'COMPLETED', architecture: [], hparams: {},
          directory: String(id), workerId, metrics: {loss: 0.5}};
}

const LOST: Trial = {id: 3, state: 'FAILED', architecture: [], hparams: {},
                     workerId: 'w1',
                     failureReason: 'worker lost: no heartbeat for 601 s'};

/** A finished study of 2 trials whose worker w1 died in trial 3. */
function goodStudy(root: string): Trial[] {
  writeTrialDir(root, 1);
  writeTrialDir(root, 2);
  fs.mkdirSync(path.join(root, `.tmp-3-${KILLED_PID}-1700000000000`));
  fs.mkdirSync(path.join(root, `.tmp-next-${KILLED_PID}-4`));
  fs.writeFileSync(path.join(root, 'model_search.db'), '');
  return [completed(1), completed(2, 'w2'), LOST];
}

describe('checkStudy', () => {
  let root = '';

  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'ms-checks-'));
  });

  afterEach(() => {
    fs.rmSync(root, {recursive: true, force: true});
  });

  it('finds nothing wrong with a complete study', () => {
    const trials = goodStudy(root);

    const problems = checkStudy(
        root, trials, {completed: 2, lost: [3], killedPids: [KILLED_PID]});

    assert.deepEqual(problems, []);
  });

  it('accepts a complete directory of a trial lost after its rename', () => {
    const trials = goodStudy(root);
    writeTrialDir(root, 3);

    const problems = checkStudy(
        root, trials, {completed: 2, lost: [3], killedPids: [KILLED_PID]});

    assert.deepEqual(problems, []);
  });

  it('accepts a lost trial completed from its directory', () => {
    const trials = goodStudy(root);
    writeTrialDir(root, 3);
    trials[2] = {...completed(3), workerId: 'w1'};

    const problems = checkStudy(
        root, trials, {completed: 3, lost: [3], killedPids: [KILLED_PID]});

    assert.deepEqual(problems, []);
  });

  const BROKEN: Array<{
    name: string,
    spoil: (root: string, trials: Trial[]) => Trial[],
    expected: RegExp,
  }> = [
    {
      name: 'too few COMPLETED trials',
      spoil: (_, trials) => trials.slice(1),
      expected: /^1 trials COMPLETED, expected 2/,
    },
    {
      name: 'a repeated trial id',
      spoil: (_, trials) => [...trials, completed(2, 'w3')],
      expected: /^trial ids repeat: 1,2,3,2$/,
    },
    {
      name: 'a trial still RUNNING',
      spoil: (_, trials) => [...trials, {...LOST, id: 4, state: 'RUNNING'}],
      expected: /^trial 4 is still RUNNING/,
    },
    {
      name: 'a lost trial with another failure reason',
      spoil: (_, trials) => [trials[0], trials[1],
                             {...LOST, failureReason: 'error: boom'}],
      expected: /^lost trial 3 FAILED with "error: boom"/,
    },
    {
      name: 'the killed trial still RUNNING',
      spoil: (_, trials) =>
          [trials[0], trials[1], {...LOST, state: 'RUNNING' as const}],
      expected: new RegExp('^the killed worker\'s trial 3 is RUNNING, ' +
                           'expected FAILED \\(worker lost\\) or COMPLETED'),
    },
    {
      name: 'a COMPLETED trial without model.json',
      spoil: (root, trials) => {
        fs.rmSync(path.join(root, '2', 'model', 'model.json'));
        return trials;
      },
      expected: /^trial 2: model[/]model\.json: ENOENT/,
    },
    {
      name: 'a directory of the wrong trial',
      spoil: (root, trials) => {
        fs.writeFileSync(path.join(root, '2', 'architecture.json'),
                         JSON.stringify({trial_id: 1}));
        return trials;
      },
      expected: /^trial 2: architecture\.json names trial 1$/,
    },
    {
      name: 'two trials sharing a directory',
      spoil: (_, trials) => [trials[0], {...trials[1], directory: '1'},
                             trials[2]],
      expected: /^trials 1 and 2 share the directory 1$/,
    },
    {
      name: 'a half-written directory with a trial name',
      spoil: (root, trials) => {
        fs.mkdirSync(path.join(root, '5'));
        fs.writeFileSync(path.join(root, '5', 'architecture.json'), '{}');
        return trials;
      },
      expected: /^5: a directory no COMPLETED trial records/,
    },
    {
      name: 'a temporary directory of a worker that lived',
      spoil: (root, trials) => {
        fs.mkdirSync(path.join(root, '.tmp-2-777-1700000000001'));
        return trials;
      },
      expected: /^\.tmp-2-777-1700000000001: temporary directory of pid 777/,
    },
    {
      name: 'the next trial\'s directory made ahead by a worker that lived',
      spoil: (root, trials) => {
        fs.mkdirSync(path.join(root, '.tmp-next-777-3'));
        return trials;
      },
      expected: /^\.tmp-next-777-3: temporary directory of pid 777/,
    },
  ];
  for (const {name, spoil, expected} of BROKEN) {
    it(`reports ${name}`, () => {
      const trials = spoil(root, goodStudy(root));

      const problems = checkStudy(
          root, trials, {completed: 2, lost: [3], killedPids: [KILLED_PID]});

      assert.ok(problems.some((p) => expected.test(p)),
                `no problem matching ${expected} in ${
                    JSON.stringify(problems)}`);
    });
  }
});

describe('checkLogs', () => {
  const line = (id: number) => `trial ${id} [${id}/2] arch=[X] loss=0.5 0.1s`;

  it('accepts each trial reported once', () => {
    const logs = new Map([['w0', line(1)], ['w1', `noise\n${line(2)}\n`]]);

    assert.deepEqual(checkLogs(logs, [completed(1), completed(2)]), []);
  });

  it('counts trials completed from their directory as reported', () => {
    const logs = new Map([
      ['w0', `${line(1)}\ntrial 2: worker lost after the trial directory ` +
                 'was written; completed with the metrics of its ' +
                 'evaluation.json\n'],
      ['w1', 'trials 3, 4: worker lost after the trial directories were ' +
                 'written; completed with the metrics of their ' +
                 'evaluation.json\n'],
    ]);

    assert.deepEqual(
        checkLogs(logs, [1, 2, 3, 4].map((id) => completed(id))), []);
  });

  it('reports a trial two workers ran and one nobody reported', () => {
    const logs = new Map([['w0', line(1)], ['w1', line(1)]]);

    assert.deepEqual(checkLogs(logs, [completed(1), completed(2)]), [
      'trial 1 reported by both w0 and w1',
      'COMPLETED trial 2 appears in no worker\'s log',
    ]);
  });
});
