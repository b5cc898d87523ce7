/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/** Where a relative path typed by the user points. */

import * as fs from 'node:fs';
import * as path from 'node:path';

import {resolveWorkspacePath} from './constants';

/**
 * The directory the user typed the command in: `bazel run` starts binaries
 * inside their runfiles and says where the user was in
 * BUILD_WORKING_DIRECTORY.
 */
export function userWorkingDirectory(): string {
  return process.env['BUILD_WORKING_DIRECTORY'] || process.cwd();
}

/**
 * Resolves `value` as a shell would in the user's working directory. An
 * input that exists only relative to the current directory (a config
 * shipped in the runfiles, such as model_search/configs/dnn_config.pbtxt)
 * stays as it is, or is found in the binary's runfiles (when it was started
 * from bazel-bin in another directory), unless `isOutput`: outputs always
 * go where the user is.
 */
export function resolveUserPath(value: string, isOutput = false): string {
  if (value === '' || path.isAbsolute(value)) return value;
  const fromUser = path.resolve(userWorkingDirectory(), value);
  if (isOutput || fs.existsSync(fromUser)) return fromUser;
  if (fs.existsSync(value)) return value;
  // A binary started from bazel-bin elsewhere: its runfiles.
  const shipped = resolveWorkspacePath(value);
  return fs.existsSync(shipped) ? shipped : fromUser;
}

/**
 * Why directory `dir` cannot be made, judged before anything is read or
 * written: it is a file, or its nearest existing ancestor is one; or
 * undefined.
 */
export function whyNoDirectory(dir: string): string|undefined {
  if (fs.existsSync(dir)) {
    return fs.statSync(dir).isDirectory() ? undefined :
                                            'exists and is not a directory';
  }
  let ancestor = path.dirname(path.resolve(dir));
  while (!fs.existsSync(ancestor)) ancestor = path.dirname(ancestor);
  return fs.statSync(ancestor).isDirectory() ? undefined :
      `${ancestor} is a file, so the directory cannot be created there`;
}

/**
 * fs.mkdirSync(dir, {recursive: true}), one directory at a time: Node's
 * recursive mkdir retries forever where creating fails with ENOENT under
 * an existing directory (in /proc, say), at full CPU and deaf to Ctrl-C.
 *
 * @throws the error of the first directory that could not be made.
 */
export function makeDirectories(dir: string): void {
  const missing: string[] = [];
  let at = path.resolve(dir);
  while (!fs.existsSync(at)) {
    missing.push(at);
    const parent = path.dirname(at);
    if (parent === at) break;
    at = parent;
  }
  for (const directory of missing.reverse()) {
    try {
      fs.mkdirSync(directory);
    } catch (e) {
      // Made meanwhile by another worker: as good.
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
}
