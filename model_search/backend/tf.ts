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

/**
 * tfjs-layers remembers the execution order of the last graphs that
 * predict() ran, 100 by default, and with each order the graph's layers
 * and symbolic tensors. A search builds new models every trial and runs
 * only the current ones, so the default kept about 90 KB of dead models
 * per trial alive (a growing heap over a long search); a few entries cover
 * a trial's model, its ensemble and its teacher.
 */
const LAYERS_GRAPH_CACHE_ENTRIES = 8;
tf.env().set('TOPOLOGICAL_SORT_CACHE_MAX_ENTRIES', LAYERS_GRAPH_CACHE_ENTRIES);

export {tf};
