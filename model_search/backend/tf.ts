/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * The one TensorFlow.js namespace every other module imports.
 *
 * Importing tfjs through this module keeps a single copy of tfjs-core in
 * the process; `select_backend.ts` decides which backend package is loaded
 * on top of it.
 */

import * as tf from '@tensorflow/tfjs';

export {tf};
