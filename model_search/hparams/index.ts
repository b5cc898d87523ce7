/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/** The hparams package: the hyperparameter space and its tuners. */

export * from './hyperparameters';
export * from './tuner';
export {GaussianProcess} from './gaussian_process';
