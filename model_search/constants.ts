/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * Paths of the ready PhoenixSpec configs, relative to the workspace root,
 * and a helper that finds them from a binary, a test or a checkout.
 *
 * Porting note: the original's paths start with 'model_search/model_search/'
 * (its repository is nested in a workspace of the same name); ours are
 * workspace-relative, as Bazel runfiles and a checkout both lay them out.
 */

import * as fs from 'fs';
import * as path from 'path';

/** The Bazel workspace name (WORKSPACE.bazel), the runfiles directory. */
export const WORKSPACE_NAME = 'model_search';

/** Tabular data: dense blocks, one to five deep. */
export const DEFAULT_DNN = 'model_search/configs/dnn_config.pbtxt';
/** Images: convolution blocks, two to twenty deep. */
export const DEFAULT_CNN = 'model_search/configs/cnn_config.pbtxt';
/** Sequences with a label per step. */
export const DEFAULT_RNN_ALL = 'model_search/configs/rnn_all_config.pbtxt';
/** Sequences with one label each. */
export const DEFAULT_RNN_LAST = 'model_search/configs/rnn_last_config.pbtxt';

/** Where to look for workspace files. */
export declare interface ResolveArgs {
  /** A workspace root to use instead of looking one up. */
  root?: string;
  /** Environment to read RUNFILES_DIR / TEST_SRCDIR from. */
  env?: NodeJS.ProcessEnv;
  /** Directory for the fallback. Default: process.cwd(). */
  cwd?: string;
}

/**
 * The path of a workspace-relative file such as DEFAULT_DNN.
 *
 * Tried in order: `root` when given; the runfiles tree named by RUNFILES_DIR
 * or TEST_SRCDIR (set by Bazel and by our launchers), when the file is
 * there; the working directory (a Bazel test runs at the runfiles workspace
 * root, and tools/dev/check at the checkout root). Absolute paths are
 * returned unchanged.
 *
 * @param relativePath e.g. 'model_search/configs/dnn_config.pbtxt'.
 * @returns An absolute path; whether it exists is left to the reader.
 */
export function resolveWorkspacePath(
    relativePath: string, args: ResolveArgs = {}): string {
  if (path.isAbsolute(relativePath)) return relativePath;
  if (args.root !== undefined) return path.resolve(args.root, relativePath);
  const env = args.env ?? process.env;
  for (const runfiles of [env['RUNFILES_DIR'], env['TEST_SRCDIR']]) {
    if (runfiles === undefined || runfiles === '') continue;
    const candidate = path.resolve(runfiles, WORKSPACE_NAME, relativePath);
    if (fs.existsSync(candidate)) return candidate;
  }
  return path.resolve(args.cwd ?? process.cwd(), relativePath);
}
