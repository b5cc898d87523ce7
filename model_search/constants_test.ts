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

import {DEFAULT_CNN, DEFAULT_DNN, DEFAULT_RNN_ALL, DEFAULT_RNN_LAST, resolveWorkspacePath, WORKSPACE_NAME} from './constants';
import {PhoenixSpec_ProblemType} from './proto/phoenix_spec';
import {loadSpecFile} from './proto/text_format';

describe('constants', () => {
  const DEFAULTS = [
    {name: 'DEFAULT_DNN', file: DEFAULT_DNN,
     problem: PhoenixSpec_ProblemType.DNN},
    {name: 'DEFAULT_CNN', file: DEFAULT_CNN,
     problem: PhoenixSpec_ProblemType.CNN},
    {name: 'DEFAULT_RNN_ALL', file: DEFAULT_RNN_ALL,
     problem: PhoenixSpec_ProblemType.RNN_ALL_ACTIVATIONS},
    {name: 'DEFAULT_RNN_LAST', file: DEFAULT_RNN_LAST,
     problem: PhoenixSpec_ProblemType.RNN_LAST_ACTIVATIONS},
  ];
  for (const row of DEFAULTS) {
    it(`${row.name} names a config of its problem type`, () => {
      const spec = loadSpecFile(resolveWorkspacePath(row.file));

      assert.equal(spec.problemType, row.problem);
      assert.ok(row.file.startsWith('model_search/configs/'), row.file);
    });
  }
});

describe('resolveWorkspacePath', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'constants_test_'));
  });
  afterEach(() => {
    fs.rmSync(dir, {recursive: true, force: true});
  });

  it('uses an explicit root', () => {
    assert.equal(
        resolveWorkspacePath(DEFAULT_DNN, {root: '/somewhere'}),
        path.join('/somewhere', DEFAULT_DNN));
  });

  it('finds the file in the runfiles tree', () => {
    const inRunfiles = path.join(dir, WORKSPACE_NAME, DEFAULT_CNN);
    fs.mkdirSync(path.dirname(inRunfiles), {recursive: true});
    fs.writeFileSync(inRunfiles, 'problem_type: CNN\n');

    for (const variable of ['RUNFILES_DIR', 'TEST_SRCDIR']) {
      assert.equal(
          resolveWorkspacePath(
              DEFAULT_CNN, {env: {[variable]: dir}, cwd: '/elsewhere'}),
          inRunfiles, variable);
    }
  });

  it('falls back to the working directory', () => {
    assert.equal(
        resolveWorkspacePath(DEFAULT_RNN_ALL, {env: {RUNFILES_DIR: dir},
                                               cwd: '/checkout'}),
        path.join('/checkout', DEFAULT_RNN_ALL));
    assert.equal(
        resolveWorkspacePath(DEFAULT_RNN_ALL, {env: {}}),
        path.resolve(DEFAULT_RNN_ALL));
  });

  it('returns absolute paths unchanged', () => {
    assert.equal(resolveWorkspacePath('/a/b.pbtxt', {root: dir}), '/a/b.pbtxt');
  });
});
