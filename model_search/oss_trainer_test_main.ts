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
import {inProvider, inputBatches} from './data/data';
import type {Batch} from './data/data';
import {FLAGS} from './flags';
import {checkStudyOutput} from './oss_trainer_check';
import {chooseProvider, loadSpec, main, runMain} from './oss_trainer';
import {LONG_EVALUATION_BATCHES} from './train_loop';

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
  const provider = chooseProvider();
  await inProvider('prepare()', () => provider.prepare());
  const batchSize = FLAGS.get<number>('phoenix_batch_size');
  await checkTrainingBatchSize(provider, batchSize);
  const sample = await checkEvaluationEnds(provider, batchSize);
  // The spec the trainer read (it parses): the flag's, or the default for
  // the provider's examples.
  const listed =
      loadSpec(provider.inputSchema().shape).spec.blocksToUse ?? [];
  try {
    process.stderr.write(
        await checkStudyOutput(modelDir, listed, sample) + '\n');
  } finally {
    disposeBatch(sample);
  }
}

/** The tensors of a batch a provider gave, whatever it holds. */
function disposeBatch(batch: unknown): void {
  tf.dispose(Object.values(batch as object)
                 .filter((t): t is tf.Tensor => t instanceof tf.Tensor));
}

/** The provider's batches of `mode`, as the search asks for them. */
async function batchesOf(
    provider: ReturnType<typeof chooseProvider>, mode: 'train'|'eval',
    batchSize: number): Promise<AsyncIterator<Batch>> {
  return inProvider(
      `getInputFn for '${mode}'`,
      () => inputBatches(provider, {}, mode, batchSize)[Symbol.asyncIterator]());
}

/**
 * The provider's first training batch must hold the batch size asked for:
 * training batches repeat without end, so none need be short, and one of
 * another size trains on other batches than the study records (a search
 * only warns of a larger one).
 */
async function checkTrainingBatchSize(
    provider: ReturnType<typeof chooseProvider>,
    batchSize: number): Promise<void> {
  const iterator = await batchesOf(provider, 'train', batchSize);
  try {
    const next = await inProvider('training batches', () => iterator.next());
    if (next.done) return;  // the search said so already
    const rows = next.value.labels.shape[0];
    disposeBatch(next.value);
    if (rows !== batchSize) {
      throw new Error(
          `the data provider's training batches hold ${rows} examples, ` +
          `not the ${batchSize} asked for (--phoenix_batch_size): ` +
          'getInputFn(hparams, \'train\', batchSize) makes batches of ' +
          'batchSize examples');
    }
  } finally {
    await iterator.return?.();
  }
}

/**
 * Reads the provider's 'eval' input once more, whole: the test's search
 * evaluated 20 batches of it (--phoenix_eval_steps=20), but a search with
 * the default of 0 evaluates one whole pass, and would never end on an
 * input that repeats. The provider is the one the trainer's flags chose,
 * with the flags it was given (parsed by main).
 */
async function checkEvaluationEnds(
    provider: ReturnType<typeof chooseProvider>,
    batchSize: number): Promise<Batch> {
  const iterator = await batchesOf(provider, 'eval', batchSize);
  let first: Batch|undefined;
  let short: number|undefined;
  try {
    for (let read = 0;; read++) {
      const next = await inProvider('evaluation batches', () => iterator.next());
      if (next.done) {
        if (first === undefined) {
          throw new Error('the data provider\'s \'eval\' input is empty');
        }
        return first;
      }
      const rows = next.value.labels.shape[0];
      if (first === undefined) {
        first = next.value;  // kept: the models are checked on it
      } else {
        disposeBatch(next.value);
      }
      // The last batch of the pass alone may be short.
      const examples = (n: number) => `${n} example${n === 1 ? '' : 's'}`;
      if (short !== undefined) {
        throw new Error(
            `the data provider's 'eval' batch ${read} holds ${
                examples(short)}, fewer than the ${batchSize} asked for ` +
            `(--phoenix_batch_size), and batch ${read + 1} follows it: ` +
            'only the last batch of the pass may hold fewer');
      }
      if (rows > batchSize) {
        throw new Error(
            `the data provider's 'eval' batch ${read + 1} holds ${
                examples(rows)}, more than the ${batchSize} asked for ` +
            '(--phoenix_batch_size): evaluation batches hold that many, ' +
            'the last of the pass fewer if the data ends');
      }
      if (rows < batchSize) short = rows;
      if (read + 1 >= LONG_EVALUATION_BATCHES) {
        throw new Error(
            `the data provider's 'eval' input did not end after ${
                LONG_EVALUATION_BATCHES} batches of ${batchSize}: it must ` +
            'be one pass over the evaluation data, which a search with the ' +
            'default --phoenix_eval_steps=0 evaluates whole (only \'train\' ' +
            'repeats)');
      }
    }
  } catch (e) {
    if (first !== undefined) disposeBatch(first);
    throw e;
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
