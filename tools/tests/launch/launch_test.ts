/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/** Runs the fixture launchers as a user does outside `bazel run`. */

import * as assert from 'node:assert/strict';
import {spawnSync} from 'node:child_process';
import * as path from 'node:path';

const FIXTURE = path.resolve('tools/tests/fixture');

/** Runs `launcher` from `cwd` with no runfiles variables, like a shell. */
function runPlain(
    cwd: string, launcher: string, args: string[],
    extraEnv: Record<string, string> = {}): {status: number|null, out: string} {
  const env: NodeJS.ProcessEnv = {...process.env, ...extraEnv};
  delete env['GREETER_LOUD'];
  delete env['GREETER_NOTE'];
  Object.assign(env, extraEnv);
  delete env['RUNFILES_DIR'];
  delete env['TEST_SRCDIR'];
  delete env['RUNFILES_MANIFEST_FILE'];
  const result = spawnSync(launcher, args, {cwd, env, encoding: 'utf8'});
  return {status: result.status, out: result.stdout + result.stderr};
}

describe('js_binary launcher', () => {
  it('runs from a relative path with no RUNFILES_DIR', () => {
    const {status, out} = runPlain(FIXTURE, 'app/greeter', ['hi', '2']);

    assert.equal(status, 0, out);
    assert.equal(out, 'hi hi\n');
  });

  // node reads `--require x/y.js` as a package name unless the path is
  // absolute: the launcher must pass an absolute one.
  const preloaded: Array<[string, string, string]> = [
    ['a path below cwd', FIXTURE, 'app/greeter_loud'],
    ['./ in its own directory', path.join(FIXTURE, 'app'), './greeter_loud'],
    ['an absolute path', '/', path.join(FIXTURE, 'app/greeter_loud')],
  ];
  for (const [name, cwd, launcher] of preloaded) {
    it(`loads its preload module when started by ${name}`, () => {
      const {status, out} = runPlain(cwd, launcher, ['yo', '2']);

      assert.equal(status, 0, out);
      assert.equal(out, 'YO YO\n');
    });
  }

  it('exports its environment defaults where the caller set none', () => {
    const {status, out} = runPlain(FIXTURE, 'app/greeter_env', ['hi', '1']);

    assert.equal(status, 0, out);
    assert.equal(out, 'HI (it\'s set)\n');
  });

  it('keeps what the caller set', () => {
    const {status, out} = runPlain(
        FIXTURE, 'app/greeter_env', ['hi', '1'],
        {GREETER_LOUD: '0', GREETER_NOTE: 'mine'});

    assert.equal(status, 0, out);
    assert.equal(out, 'hi (mine)\n');
  });

  it('removes what the caller set empty', () => {
    const {status, out} = runPlain(
        FIXTURE, 'app/greeter_env', ['hi', '1'], {GREETER_NOTE: ''});

    assert.equal(status, 0, out);
    // Loud by default; no note at all, not an empty one.
    assert.equal(out, 'HI\n');
  });
});

describe('mocha_test launcher', () => {
  it('fails on a failing assertion and prints mocha\'s report', () => {
    // As `bazel test` runs it: from the workspace root of the runfiles.
    const result = spawnSync(
        path.join(FIXTURE, 'failing/failing_test.sh'), [],
        {cwd: path.resolve('.'), encoding: 'utf8'});
    const status = result.status;
    const out = result.stdout + result.stderr;

    assert.notEqual(status, 0, out);
    assert.match(out, /1 passing/);
    assert.match(out, /1 failing/);
    assert.match(out, /fails on purpose/);
  });
});
