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

import {resolveUserPath} from './user_paths';

describe('resolveUserPath', () => {
  let user: string;
  let saved: string|undefined;
  beforeEach(() => {
    user = fs.mkdtempSync(path.join(os.tmpdir(), 'user_paths_test_'));
    fs.writeFileSync(path.join(user, 'mine.csv'), 'a\n1\n');
    saved = process.env['BUILD_WORKING_DIRECTORY'];
    process.env['BUILD_WORKING_DIRECTORY'] = user;
  });
  afterEach(() => {
    if (saved === undefined) {
      delete process.env['BUILD_WORKING_DIRECTORY'];
    } else {
      process.env['BUILD_WORKING_DIRECTORY'] = saved;
    }
    fs.rmSync(user, {recursive: true, force: true});
  });

  it('resolves against the directory of `bazel run`', () => {
    assert.equal(resolveUserPath('mine.csv'), path.join(user, 'mine.csv'));
  });

  it('keeps a file that exists only in the runfiles', () => {
    const shipped = 'model_search/configs/dnn_config.pbtxt';
    assert.ok(fs.existsSync(shipped), `${shipped} is not in the runfiles`);

    assert.equal(resolveUserPath(shipped), shipped);
  });

  it('prefers the user\'s file over a runfiles file of the same name', () => {
    const shipped = 'model_search/configs/dnn_config.pbtxt';
    fs.mkdirSync(path.join(user, 'model_search/configs'), {recursive: true});
    fs.writeFileSync(path.join(user, shipped), 'problem_type: DNN\n');

    assert.equal(resolveUserPath(shipped), path.join(user, shipped));
  });

  it('puts outputs where the user is even when the runfiles have it', () => {
    assert.equal(resolveUserPath('model_search', true),
                 path.join(user, 'model_search'));
  });

  it('leaves absolute and empty paths alone', () => {
    assert.equal(resolveUserPath('/x/y.csv'), '/x/y.csv');
    assert.equal(resolveUserPath(''), '');
  });

  it('finds a shipped file in the runfiles from another directory', () => {
    // As when bazel-bin/<binary> is started outside the checkout.
    const shipped = 'model_search/configs/dnn_config.pbtxt';
    delete process.env['BUILD_WORKING_DIRECTORY'];
    const home = process.cwd();
    process.chdir(user);
    try {
      const found = resolveUserPath(shipped);

      assert.ok(path.isAbsolute(found) && found.endsWith(shipped), found);
      assert.ok(fs.existsSync(found), found);
    } finally {
      process.chdir(home);
    }
  });

  it('uses the current directory outside `bazel run`', () => {
    delete process.env['BUILD_WORKING_DIRECTORY'];

    assert.equal(resolveUserPath('nowhere.csv'),
                 path.resolve('nowhere.csv'));
  });
});
