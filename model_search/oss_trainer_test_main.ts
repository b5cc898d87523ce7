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

import {providerWaits} from './data/data';
import {checkStudyOutput} from './oss_trainer_check';
import {main} from './oss_trainer';

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
  const argv = given ? args : [`--model_dir=${modelDir}`, ...args];
  process.stderr.write(`running the trainer with ${argv.join(' ')}\n`);

  const code = await main(argv);
  if (code !== 0) throw new Error(`the trainer exited ${code}`);
  process.stderr.write(await checkStudyOutput(modelDir) + '\n');
}

let finished = false;
// A promise of the provider that never settles would end the process with
// nothing left to run, exit 0: a pass that tested nothing.
process.on('beforeExit', () => {
  if (finished) return;
  finished = true;
  const waited = providerWaits();
  process.stderr.write(`model_search_oss_test: FAIL: ${
      waited.length > 0 ? waited.join(' and ') : 'the trainer'} never ` +
      'answered (a promise that never settles)\n');
  process.exitCode = 1;
});
run().then(() => {
  finished = true;
}, (e) => {
  finished = true;
  process.stderr.write(`model_search_oss_test: FAIL: ${(e as Error).message}\n`);
  process.exitCode = 1;
});
