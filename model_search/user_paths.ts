/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/** Where a relative path typed by the user points. */

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import {resolveWorkspacePath, WORKSPACE_NAME} from './constants';
import {UsageError} from './errors';

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
  if (/^~(\/|$)/.test(value) &&
      !fs.existsSync(path.resolve(userWorkingDirectory(), '~'))) {
    // `--model_dir=~/x`: a shell expands ~ at the start of a word only, so
    // the flag holds it as typed; made here it would be a folder named ~.
    throw new UsageError(
        `${value}: the shell did not expand "~" (it does not after "="); ` +
        `give ${path.join(os.homedir(), value.slice(1))} (or $HOME${
            value.slice(1)}, which it expands)`);
  }
  if (isOutput || fs.existsSync(fromUser)) return fromUser;
  if (fs.existsSync(value)) return value;
  // A binary started from bazel-bin elsewhere: its runfiles.
  const shipped = resolveWorkspacePath(value);
  return fs.existsSync(shipped) ? shipped : fromUser;
}

/**
 * Why directory `dir` cannot be made or written in, judged before anything
 * is read or written (so that a search refuses it before reading its
 * data): it is a file, or its nearest existing ancestor is one, or that
 * directory is not writable (read-only file system, no permission); or
 * undefined. Creating may still fail later (a full disk, a race).
 */
export function whyNoDirectory(dir: string): string|undefined {
  const unreadable = whyUnreadable(dir);
  if (unreadable !== undefined) {
    return `cannot use this directory (${unreadable}); give a directory ` +
        'you can write to, or change its permissions';
  }
  if (fs.existsSync(dir)) {
    if (!fs.statSync(dir).isDirectory()) return 'exists and is not a directory';
    return whyNotWritableNow(dir, 'cannot write in this directory');
  }
  const link = brokenLink(dir);
  if (link !== undefined) {
    return 'loop' in link ?
        'is a loop of symbolic links; point one at a directory, or give ' +
            'another' :
        `is a symbolic link to ${link.target}, which does not exist; ` +
            'create that directory, or give another';
  }
  let ancestor = path.dirname(path.resolve(dir));
  while (!fs.existsSync(ancestor)) ancestor = path.dirname(ancestor);
  if (!fs.statSync(ancestor).isDirectory()) {
    return `${ancestor} is a file, so the directory cannot be created there`;
  }
  return whyNotWritableNow(ancestor, 'cannot create this directory');
}

/** Whether a file operation failed for lack of permission. */
function isDenied(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException|null)?.code;
  return code === 'EACCES' || code === 'EPERM';
}

/**
 * Why this process cannot look at `target`, which may well exist
 * (fs.existsSync says false then, as for a missing path): a directory on
 * its way it may not enter, or `target` itself not readable (a directory:
 * not listable or enterable); undefined when neither, or when `target`
 * is missing.
 */
export function whyUnreadable(target: string): string|undefined {
  const full = path.resolve(target);
  let stats: fs.Stats;
  try {
    stats = fs.statSync(full);
  } catch (e) {
    if (!isDenied(e)) return undefined;
    // The first directory from the root that may not be entered.
    const ancestors: string[] = [];
    for (let at = path.dirname(full); ; at = path.dirname(at)) {
      ancestors.unshift(at);
      if (path.dirname(at) === at) break;
    }
    const closed = ancestors.find((dir) => {
      try {
        fs.accessSync(dir, fs.constants.X_OK);
        return false;
      } catch {
        return true;
      }
    });
    return `no permission to enter ${closed ?? path.dirname(full)}`;
  }
  try {
    fs.accessSync(full, stats.isDirectory() ?
                            fs.constants.R_OK | fs.constants.X_OK :
                            fs.constants.R_OK);
    return undefined;
  } catch (e) {
    return isDenied(e) ? `no permission to read ${full}` : undefined;
  }
}

/**
 * What a message says of a path that is not there: `no such directory`,
 * or, for a symbolic link to nothing, where it leads (or that it loops).
 */
export function noSuchDirectory(dir: string): string {
  const link = brokenLink(dir);
  return link === undefined ? 'no such directory' :
      'loop' in link ? 'a loop of symbolic links' :
                       `a symbolic link to ${link.target}, which does not exist`;
}

/**
 * What is wrong with `file` as a symbolic link: it leads, at the end of
 * its chain of links, to nothing (`target`), or round in a loop (more
 * than the 40 links the kernel follows); undefined when it is no link, or
 * leads somewhere.
 */
function brokenLink(file: string): {target: string}|{loop: true}|undefined {
  let at = path.resolve(file);
  try {
    if (!fs.lstatSync(at).isSymbolicLink()) return undefined;
    for (let hops = 0; hops < 40; hops++) {
      at = path.resolve(path.dirname(at), fs.readlinkSync(at));
      const stats = fs.lstatSync(at, {throwIfNoEntry: false});
      if (stats === undefined) return {target: at};
      if (!stats.isSymbolicLink()) return undefined;
    }
  } catch {
    return undefined;
  }
  return {loop: true};
}

/** Why existing directory `dir` refuses writing, prefixed by `what`. */
function whyNotWritableNow(dir: string, what: string): string|undefined {
  try {
    fs.accessSync(dir, fs.constants.W_OK);
    return undefined;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return `${what} (${code === 'EROFS' ?
                `${dir} is on a read-only file system` :
                `no permission to write in ${dir}`}); give a directory you ` +
        'can write to';
  }
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

/**
 * `file` as messages show it: a file inside the binary's runfiles (a spec
 * a model_search_oss_test passes, a config a binary found there) by its
 * workspace path, `pkg/spec.pbtxt`, rather than the long path of its copy
 * in Bazel's cache; any other file as it is.
 */
export function shownPath(
    file: string, env: NodeJS.ProcessEnv = process.env): string {
  for (const root of [env['RUNFILES_DIR'], env['TEST_SRCDIR']]) {
    if (root === undefined || root === '') continue;
    const tops = [path.resolve(root)];
    try {
      tops.push(fs.realpathSync(root));
    } catch {
      // A root that does not exist holds no file.
    }
    for (const top of tops) {
      const inside = path.join(top, WORKSPACE_NAME) + path.sep;
      if (file.startsWith(inside)) return file.slice(inside.length);
    }
  }
  return file;
}
