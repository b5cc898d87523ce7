/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * The program behind model_search_oss_test: runs the trainer main with the
 * test's flags and a model_dir in TEST_TMPDIR, then checks what it left:
 * exit 0, a COMPLETED trial in the store, evaluation metrics in the trial
 * directory, and a model that loads. Exits 1 with the reason otherwise.
 */

import * as fs from 'fs';
import * as path from 'path';

import {loadModel} from './backend/file_io';
import {createStore} from './metadata/create_store';
import {main} from './oss_trainer';
import {TRIAL_FILES} from './trial_directory';

/** `${TEST_SRCDIR}` in a flag value becomes the runfiles root. */
export function expandTestSrcdir(arg: string, srcdir: string): string {
  return arg.split('${TEST_SRCDIR}').join(srcdir);
}

function fail(message: string): never {
  process.stderr.write(`model_search_oss_test: FAIL: ${message}\n`);
  process.exit(1);
}

async function check(): Promise<void> {
  const srcdir = process.env['TEST_SRCDIR'] ?? process.cwd();
  const tmp = process.env['TEST_TMPDIR'] ??
      fs.mkdtempSync(path.join(require('os').tmpdir(), 'oss_test-'));
  const modelDir = path.join(tmp, 'model_dir');
  const args = process.argv.slice(2).map((a) => expandTestSrcdir(a, srcdir));
  const hasModelDir = args.some((a) => a.startsWith('--model_dir'));
  const argv = hasModelDir ? args : [`--model_dir=${modelDir}`, ...args];
  const dir = hasModelDir ?
      args.find((a) => a.startsWith('--model_dir='))!.split('=')[1] :
      modelDir;
  process.stderr.write(`running the trainer with ${argv.join(' ')}\n`);

  const code = await main(argv);
  if (code !== 0) fail(`the trainer exited ${code}`);

  const store = await createStore({url: `sqlite:${path.join(dir, 'model_search.db')}`});
  try {
    const studies = await store.listStudies?.() ?? [];
    const studyId = studies.length ? studies[0].studyId : 1;
    const trials = await store.listTrials(studyId);
    const completed = trials.filter((t) => t.state === 'COMPLETED');
    if (completed.length < 1) {
      fail(`no COMPLETED trial in the store (trials: ${
          JSON.stringify(trials.map((t) => [t.id, t.state, t.failureReason]))})`);
    }
    const trial = completed[0];
    for (const metric of ['loss', 'accuracy']) {
      if (typeof trial.metrics?.[metric] !== 'number') {
        fail(`trial ${trial.id} has no ${metric} metric in the store`);
      }
    }
    const trialDir = path.join(dir, trial.directory ?? String(trial.id));
    const evalFile = path.join(trialDir, TRIAL_FILES.evaluation);
    if (!fs.existsSync(evalFile)) fail(`${evalFile} was not written`);
    const evaluation = JSON.parse(fs.readFileSync(evalFile, 'utf8'));
    for (const metric of ['loss', 'accuracy']) {
      if (!Number.isFinite(evaluation[metric])) {
        fail(`${evalFile} has no finite ${metric}: ${evaluation[metric]}`);
      }
    }
    const model = await loadModel(path.join(trialDir, TRIAL_FILES.model));
    process.stderr.write(`trial ${trial.id} COMPLETED: loss=${
        evaluation.loss} accuracy=${evaluation.accuracy}, model with ${
        model.layers.length} layers loads\n`);
    model.dispose();
  } finally {
    await store.close();
  }
}

check().catch((e) => fail((e as Error).stack ?? String(e)));
