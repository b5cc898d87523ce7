/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * The library entry point, as the original's SingleTrainer:
 *
 * ```ts
 * const trainer = new SingleTrainer({
 *   data: new csvData.Provider({filename: 'data.csv', logitsDimension: 2}),
 *   spec: constants.DEFAULT_DNN,
 * });
 * const trials = await trainer.tryModels({
 *   numberModels: 10, trainSteps: 500, evalSteps: 50, rootDir: '/tmp/run',
 *   batchSize: 32, experimentName: 'example', experimentOwner: 'me'});
 * ```
 *
 * Everything comes from the options: it works from any script or REPL,
 * with no command line parsed. Running it again on the same rootDir and
 * experiment resumes the study.
 */

import * as fs from 'fs';
import * as path from 'path';

import {selectBackend} from './backend/select_backend';
import type {BackendRequest} from './backend/select_backend';
import type {Provider} from './data/data';
import {ValueError} from './errors';
import {METRIC_NAMES} from './metric_fns';
import {createStore} from './metadata/create_store';
import type {Trial} from './metadata/trial';
import type {Logger} from './oss_trainer_lib';
import {runSearch} from './oss_trainer_lib';
import type {PhoenixSpec} from './proto/phoenix_spec';
import {loadSpecFile, printPhoenixSpec} from './proto/text_format';
import {replayPlans} from './replay';
import {DEFAULT_SQLITE_FILENAME} from './metadata/flags';
import {standardObservers} from './search_observers';

export declare interface SingleTrainerArgs {
  /** The data provider. */
  data: Provider;
  /** A PhoenixSpec, or the path of a .pbtxt file. */
  spec: PhoenixSpec|string;
  /** TensorFlow.js backend; default 'auto'. */
  backend?: BackendRequest;
  /** Where log lines go; default stderr. */
  log?: Logger;
}

export declare interface TryModelsArgs {
  numberModels: number;
  trainSteps: number;
  /** Evaluation batches per trial; 0 for one whole pass. */
  evalSteps: number;
  rootDir: string;
  batchSize: number;
  experimentName: string;
  experimentOwner: string;
  /** Default 'loss'. */
  optimizationMetric?: string;
  /** Default 'minimize'. */
  optimizationGoal?: 'minimize'|'maximize';
  hypertuningMethod?: 'random'|'bayesian';
  seed?: number;
  /** A database URL (postgres://, mysql://, sqlite:); default SQLite in rootDir. */
  metadataDb?: string;
  /**
   * Record the training loss in the event files every this many steps
   * (and at the last); default 2000, as --phoenix_save_summary_steps.
   */
  saveSummarySteps?: number;
  /**
   * Seconds a RUNNING trial stays leased without heartbeat before other
   * workers take it for lost (--metadata_lease_seconds); default 600.
   */
  leaseSeconds?: number;
  /**
   * As --wasm_memory_limit_mb: after a trial that left the wasm backend's
   * memory above this many MB, restart the backend to give it back. Off by
   * default here: a restart needs every tensor of the process released
   * between trials, the caller's own included.
   */
  wasmMemoryLimitMb?: number;
}

export class SingleTrainer {
  private readonly spec: PhoenixSpec;

  constructor(private readonly args: SingleTrainerArgs) {
    this.spec = typeof args.spec === 'string' ? loadSpecFile(args.spec) :
                                                args.spec;
  }

  /**
   * Runs the search until `numberModels` trials are COMPLETED; resolves to
   * the study's trials ordered by the objective, best first.
   */
  async tryModels(options: TryModelsArgs): Promise<Trial[]> {
    checkTryModelsArgs(options);
    const limit = options.wasmMemoryLimitMb;
    if (limit !== undefined && !(limit >= 0 && limit < Infinity)) {
      throw new ValueError(
          `wasmMemoryLimitMb must be a number of MB >= 0, got ${limit}`);
    }
    const log = this.args.log ?? ((l: string) => process.stderr.write(l + '\n'));
    await this.args.data.prepare();
    await selectBackend(this.args.backend ?? 'auto', log);
    fs.mkdirSync(options.rootDir, {recursive: true});
    const store = await createStore({
      url: options.metadataDb ??
          `sqlite:${path.join(options.rootDir, DEFAULT_SQLITE_FILENAME)}`,
    });
    // The progress line is drawn on stderr only when the log goes there
    // too, so that it never lands between lines of a caller's own log.
    const {observers, progress} = standardObservers({
      spec: this.spec,
      maxTrials: replayPlans(this.spec)?.length ?? options.numberModels,
      trainSteps: options.trainSteps,
      progressStream: this.args.log === undefined ? process.stderr :
                                                    {write: () => true},
    });
    try {
      const result = await runSearch({
        spec: this.spec,
        specText: printPhoenixSpec(this.spec),
        provider: this.args.data,
        store,
        modelDir: options.rootDir,
        experimentName: options.experimentName,
        experimentOwner: options.experimentOwner,
        maxTrials: options.numberModels,
        trainSteps: options.trainSteps,
        evalSteps: options.evalSteps,
        batchSize: options.batchSize,
        objective: {
          metric: options.optimizationMetric ?? 'loss',
          goal: options.optimizationGoal ?? 'minimize',
        },
        hypertuningMethod: options.hypertuningMethod ?? 'random',
        seed: options.seed,
        log: progress.line.wrap(log),
        observers,
        summaryEverySteps: options.saveSummarySteps ?? 2000,
        leaseSeconds: options.leaseSeconds,
        wasmMemoryLimitBytes: options.wasmMemoryLimitMb === undefined ?
            undefined :
            options.wasmMemoryLimitMb * (1 << 20),
      });
      return result.trials;
    } finally {
      progress.finish();
      await store.close();
    }
  }
}

/**
 * Refuses what the binary's flags would refuse, with the same words: a
 * search given them would run on (a metric no trial has, an unknown goal
 * ranked as minimize) or fail far from the cause.
 */
function checkTryModelsArgs(options: TryModelsArgs): void {
  const atLeast = (name: keyof TryModelsArgs, least: number) => {
    const value = options[name];
    if (typeof value !== 'number' || !Number.isInteger(value) ||
        value < least) {
      throw new ValueError(`${name} must be an integer of at least ${
          least}, got ${JSON.stringify(value)}`);
    }
  };
  atLeast('numberModels', 1);
  atLeast('trainSteps', 1);
  atLeast('evalSteps', 0);
  atLeast('batchSize', 1);
  if (typeof options.rootDir !== 'string' || options.rootDir === '') {
    throw new ValueError(
        'rootDir must name the directory of the study, got ' +
        JSON.stringify(options.rootDir));
  }
  const metric = options.optimizationMetric;
  if (metric !== undefined &&
      !(METRIC_NAMES as readonly string[]).includes(metric)) {
    throw new ValueError(`optimizationMetric must be one of ${
        METRIC_NAMES.join(', ')}, got ${JSON.stringify(metric)}`);
  }
  const goal = options.optimizationGoal;
  if (goal !== undefined && goal !== 'minimize' && goal !== 'maximize') {
    throw new ValueError(`optimizationGoal must be minimize or maximize, ` +
                         `got ${JSON.stringify(goal)}`);
  }
}
