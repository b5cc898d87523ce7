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

import {UsageError} from './errors';
import {runHeldBackByPermissions} from './permissions_testing';
import {makeDirectories, noSuchDirectory, resolveUserPath, shownPath, whyNoDirectory, whyUnreadable} from './user_paths';

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

  it('refuses a "~" the shell left as typed, naming the home path', () => {
    assert.throws(
        () => resolveUserPath('~/runs/a', true),
        new UsageError(
            `~/runs/a: the shell did not expand "~" (it does not after ` +
            `"="); give ${path.join(os.homedir(), 'runs/a')} (or ` +
            '$HOME/runs/a, which it expands)'));
    // A folder really named ~ is taken as it is.
    fs.mkdirSync(path.join(user, '~'));
    assert.equal(resolveUserPath('~/x', true), path.join(user, '~/x'));
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

describe('makeDirectories', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'user_paths_test_'));
  });
  afterEach(() => {
    fs.rmSync(dir, {recursive: true, force: true});
  });

  it('makes every missing directory, and is content with existing ones',
     () => {
       const deep = path.join(dir, 'a', 'b', 'c');
       makeDirectories(deep);
       makeDirectories(deep);
       assert.ok(fs.statSync(deep).isDirectory());
     });

  it('throws the error of the directory it could not make', () => {
    fs.writeFileSync(path.join(dir, 'file'), 'x');
    assert.throws(() => makeDirectories(path.join(dir, 'file', 'sub')),
                  {code: 'ENOTDIR'});
  });

  it('gives up where procfs refuses, rather than retrying for ever', () => {
    // Node's recursive mkdir spins here; one at a time, ENOENT at once.
    if (!fs.existsSync('/proc/self')) return;
    assert.throws(() => makeDirectories('/proc/model_search_test/x'),
                  {code: 'ENOENT'});
  });
});

describe('whyNoDirectory', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'user_paths_test_'));
    fs.writeFileSync(path.join(dir, 'file'), 'x');
  });
  afterEach(() => {
    fs.rmSync(dir, {recursive: true, force: true});
  });

  it('says nothing of a directory, or of one that can be made', () => {
    assert.equal(whyNoDirectory(dir), undefined);
    assert.equal(whyNoDirectory(path.join(dir, 'new', 'deeper')), undefined);
  });

  it('names where a symbolic link to nothing leads', () => {
    fs.symlinkSync('gone/run', path.join(dir, 'link'));
    assert.equal(whyNoDirectory(path.join(dir, 'link')),
                 `is a symbolic link to ${path.join(dir, 'gone', 'run')}, ` +
                     'which does not exist; create that directory, or give ' +
                     'another');
    assert.equal(noSuchDirectory(path.join(dir, 'link')),
                 `a symbolic link to ${path.join(dir, 'gone', 'run')}, ` +
                     'which does not exist');
    assert.equal(noSuchDirectory(path.join(dir, 'nothing')),
                 'no such directory');
    // A loop of links.
    fs.symlinkSync('loop2', path.join(dir, 'loop1'));
    fs.symlinkSync('loop1', path.join(dir, 'loop2'));
    assert.equal(whyNoDirectory(path.join(dir, 'loop1')),
                 'is a loop of symbolic links; point one at a directory, or ' +
                     'give another');
    assert.equal(noSuchDirectory(path.join(dir, 'loop1')),
                 'a loop of symbolic links');
    // A chain of links: where it ends.
    fs.symlinkSync('link', path.join(dir, 'link2'));
    assert.equal(whyNoDirectory(path.join(dir, 'link2')),
                 `is a symbolic link to ${path.join(dir, 'gone', 'run')}, ` +
                     'which does not exist; create that directory, or give ' +
                     'another');
  });

  it('names a file in the way', () => {
    assert.equal(whyNoDirectory(path.join(dir, 'file')),
                 'exists and is not a directory');
    assert.equal(whyNoDirectory(path.join(dir, 'file', 'sub', 'x')),
                 `${path.join(dir, 'file')} is a file, so the directory ` +
                     'cannot be created there');
  });

  it('names a directory that cannot be written in', function() {
    // Permissions do not hold root back; a process's own /proc directory
    // refuses even root.
    let locked = path.join(dir, 'locked');
    if (process.getuid?.() === 0) {
      locked = '/proc/self';
      if (!fs.existsSync(locked)) this.skip();
    } else {
      fs.mkdirSync(locked, {mode: 0o555});
    }
    assert.equal(whyNoDirectory(locked),
                 `cannot write in this directory (no permission to write ` +
                     `in ${locked}); give a directory you can write to`);
    assert.equal(whyNoDirectory(path.join(locked, 'new', 'run')),
                 `cannot create this directory (no permission to write ` +
                     `in ${locked}); give a directory you can write to`);
  });
});

describe('whyUnreadable', () => {
  /**
   * whyUnreadable and whyNoDirectory of each of `paths`, as a user whom
   * permissions hold back sees them (as root, root without the
   * capabilities that let it pass them).
   */
  function seen(paths: string[]): Array<[string, string]> {
    return JSON.parse(runHeldBackByPermissions(
               `const u = require(${
                   JSON.stringify(path.join(__dirname, 'user_paths.js'))});` +
               `console.log(JSON.stringify(${JSON.stringify(paths)}.map(` +
               '(p) => [String(u.whyUnreadable(p)), ' +
               'String(u.whyNoDirectory(p))])));')) as
        Array<[string, string]>;
  }

  it('names the directory that may not be entered or read', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'unreadable_test_'));
    try {
      const closed = path.join(root, 'closed');
      fs.mkdirSync(path.join(closed, 'study'), {recursive: true});
      fs.chmodSync(closed, 0o000);
      const open = path.join(root, 'open');
      const unlisted = path.join(open, 'unlisted');
      fs.mkdirSync(unlisted, {recursive: true});
      fs.chmodSync(unlisted, 0o000);
      fs.chmodSync(open, 0o555);

      const [inside, below, unlistedSeen, missing] = seen([
        path.join(closed, 'study'), path.join(closed, 'study', 'new'),
        unlisted, path.join(open, 'missing'),
      ]);

      assert.deepEqual(inside, [
        `no permission to enter ${closed}`,
        `cannot use this directory (no permission to enter ${closed}); ` +
            'give a directory you can write to, or change its permissions',
      ]);
      assert.equal(below[0], `no permission to enter ${closed}`);
      assert.equal(unlistedSeen[0], `no permission to read ${unlisted}`);
      // Missing, not closed: said as before.
      assert.deepEqual(missing, [
        'undefined',
        'cannot create this directory (no permission to write in ' +
            `${open}); give a directory you can write to`,
      ]);
    } finally {
      for (const dir of [root, path.join(root, 'closed'),
                         path.join(root, 'open'),
                         path.join(root, 'open', 'unlisted')]) {
        fs.chmodSync(dir, 0o755);
      }
      fs.rmSync(root, {recursive: true, force: true});
    }
  });
});

describe('shownPath', () => {
  it('names a file of the runfiles by its workspace path', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'shown_path_test_'));
    try {
      const runfiles = path.join(root, 'bin.runfiles');
      fs.mkdirSync(path.join(runfiles, 'model_search', 'pkg'),
                   {recursive: true});
      const link = path.join(root, 'link.runfiles');
      fs.symlinkSync(runfiles, link);
      const spec = path.join(runfiles, 'model_search', 'pkg', 'spec.pbtxt');

      assert.equal(shownPath(spec, {RUNFILES_DIR: runfiles}), 'pkg/spec.pbtxt');
      assert.equal(shownPath(spec, {TEST_SRCDIR: runfiles}), 'pkg/spec.pbtxt');
      // The root given through a symbolic link, the file by its real path.
      assert.equal(shownPath(spec, {TEST_SRCDIR: link}), 'pkg/spec.pbtxt');
      // Elsewhere, or with no runfiles: as it is.
      assert.equal(shownPath('/home/me/spec.pbtxt', {RUNFILES_DIR: runfiles}),
                   '/home/me/spec.pbtxt');
      assert.equal(shownPath(spec, {}), spec);
      assert.equal(shownPath(path.join(runfiles, 'other_repo', 'x.pbtxt'),
                             {RUNFILES_DIR: runfiles}),
                   path.join(runfiles, 'other_repo', 'x.pbtxt'));
    } finally {
      fs.rmSync(root, {recursive: true, force: true});
    }
  });
});
