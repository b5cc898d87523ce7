/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * The program behind model_search_oss_test: runs the trainer main with the
 * test's flags and a model_dir in TEST_TMPDIR, then checks what it left
 * (oss_trainer_check.ts). Exits 1 with the reason when anything is off.
 */

import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import {checkStudyOutput} from './oss_trainer_check';
import {main, runMain} from './oss_trainer';
import {loadSpecFile} from './proto/text_format';

const SPEC_FLAG = '--phoenix_spec_filename=';
const MAX_FAILED_FLAG = '--max_failed_trials_in_a_row=';

/** `${TEST_SRCDIR}` in a flag value becomes the runfiles root. */
export function expandTestSrcdir(arg: string, srcdir: string): string {
  return arg.split('${TEST_SRCDIR}').join(srcdir);
}

async function run(): Promise<void> {
  const srcdir = process.env['TEST_SRCDIR'] ?? process.cwd();
  const tmp = process.env['TEST_TMPDIR'] ??
      fs.mkdtempSync(path.join(os.tmpdir(), 'oss_test-'));
  const args = process.argv.slice(2).map((a) => expandTestSrcdir(a, srcdir));
  const given = args.find((a) => a.startsWith('--model_dir='));
  const modelDir = given ? given.slice('--model_dir='.length) :
                           path.join(tmp, 'model_dir');
  const withDir = given ? args : [`--model_dir=${modelDir}`, ...args];
  // A trial that fails fails the test at once, not after a search's
  // worth of retries.
  const argv = withDir.some((a) => a.startsWith(MAX_FAILED_FLAG)) ?
      withDir :
      [...withDir, `${MAX_FAILED_FLAG}1`];
  process.stderr.write(`running the trainer with ${argv.join(' ')}\n`);

  const code = await main(argv);
  if (code !== 0) throw new Error(`the trainer exited ${code}`);
  const specFile = argv.filter((a) => a.startsWith(SPEC_FLAG)).pop();
  // The trainer read it already: it parses.
  const listed = specFile === undefined ? [] :
      loadSpecFile(specFile.slice(SPEC_FLAG.length)).blocksToUse ?? [];
  process.stderr.write(await checkStudyOutput(modelDir, listed) + '\n');
}

// runMain: a provider promise that never settles fails the test (the
// trainer then returns 1 naming it) instead of ending it with exit 0.
runMain(async () => {
  try {
    await run();
    return 0;
  } catch (e) {
    process.stderr.write(
        `model_search_oss_test: FAIL: ${(e as Error).message}\n`);
    return 1;
  }
});
