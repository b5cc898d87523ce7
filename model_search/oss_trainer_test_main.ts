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

import {tf} from './backend/tf';
import {inProvider} from './data/data';
import {FLAGS} from './flags';
import {checkStudyOutput} from './oss_trainer_check';
import {chooseProvider, main, runMain} from './oss_trainer';
import {LONG_EVALUATION_BATCHES} from './train_loop';
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
  await checkEvaluationEnds();
  const specFile = argv.filter((a) => a.startsWith(SPEC_FLAG)).pop();
  // The trainer read it already: it parses.
  const listed = specFile === undefined ? [] :
      loadSpecFile(specFile.slice(SPEC_FLAG.length)).blocksToUse ?? [];
  process.stderr.write(await checkStudyOutput(modelDir, listed) + '\n');
}

/**
 * Reads the provider's 'eval' input once more, whole: the test's search
 * evaluated 20 batches of it (--phoenix_eval_steps=20), but a search with
 * the default of 0 evaluates one whole pass, and would never end on an
 * input that repeats. The provider is the one the trainer's flags chose,
 * with the flags it was given (parsed by main).
 */
async function checkEvaluationEnds(): Promise<void> {
  const provider = chooseProvider();
  await inProvider('prepare()', () => provider.prepare());
  const batchSize = FLAGS.get<number>('phoenix_batch_size');
  const iterator = (await inProvider(
      'getInputFn for \'eval\'',
      () => provider.getInputFn({}, 'eval', batchSize)()))[
      Symbol.asyncIterator]();
  try {
    for (let read = 0;; read++) {
      const next = await inProvider('evaluation batches', () => iterator.next());
      if (next.done) return;
      tf.dispose(Object.values(next.value).filter(
          (t): t is tf.Tensor => t instanceof tf.Tensor));
      if (read + 1 >= LONG_EVALUATION_BATCHES) {
        throw new Error(
            `the data provider's 'eval' input did not end after ${
                LONG_EVALUATION_BATCHES} batches of ${batchSize}: it must ` +
            'be one pass over the evaluation data, which a search with the ' +
            'default --phoenix_eval_steps=0 evaluates whole (only \'train\' ' +
            'repeats)');
      }
    }
  } finally {
    await iterator.return?.();
  }
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
