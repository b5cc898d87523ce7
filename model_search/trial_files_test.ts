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

import {holdsTrialFiles, isTrialDirectoryName, TRIAL_FILES, trialDirectoriesIn} from './trial_files';
import {refuseForeignTrialNames} from './trial_directory';

describe('trial_files', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trial_files_'));
  });
  afterEach(() => fs.rmSync(dir, {recursive: true, force: true}));

  const make = (name: string, files: string[]) => {
    fs.mkdirSync(path.join(dir, name));
    for (const file of files) {
      fs.writeFileSync(path.join(dir, name, file), '{}');
    }
  };

  it('names trial directories by trial ids only', () => {
    for (const name of ['1', '9', '10', '12345']) {
      assert.ok(isTrialDirectoryName(name), name);
    }
    for (const name of ['0', '007', '-1', '1.5', '1e3', ' 1', '', 'x1',
                        '.tmp-1-a-1']) {
      assert.ok(!isTrialDirectoryName(name), `"${name}"`);
    }
  });

  it('finds numbered directories holding any of a trial\'s files', () => {
    make('1', [TRIAL_FILES.architecture, TRIAL_FILES.evaluation]);
    // Damaged: architecture.json lost, the rest there.
    make('2', [TRIAL_FILES.evaluation]);
    fs.mkdirSync(path.join(dir, '3', TRIAL_FILES.model), {recursive: true});
    // A user's own folders, and a temporary one of a trial being written.
    make('4', ['notes.txt']);
    make('007', [TRIAL_FILES.architecture]);
    make('.tmp-5-host-1', [TRIAL_FILES.architecture]);
    make('runs', [TRIAL_FILES.architecture]);
    assert.deepEqual(trialDirectoriesIn(dir).sort(), ['1', '2', '3']);
    assert.ok(holdsTrialFiles(path.join(dir, '2')));
    assert.ok(!holdsTrialFiles(path.join(dir, '4')));
    assert.deepEqual(trialDirectoriesIn(path.join(dir, 'missing')), []);
  });

  it('refuses only what takes a trial\'s name without being a trial', () => {
    make('2', [TRIAL_FILES.evaluation]);
    make('007', ['notes.txt']);
    // A damaged trial directory is the study's, not a foreign folder.
    refuseForeignTrialNames(dir, '--model_dir');
    make('3', ['notes.txt']);
    assert.throws(() => refuseForeignTrialNames(dir, '--model_dir'),
                  /holds "3", which is not a trial directory/);
  });
});
