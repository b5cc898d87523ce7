/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * Loaded first by the search binaries (node --require, trainer.bzl): a
 * signal while their modules load is said (see early_signals.ts).
 */

import {installEarlySignalHandlers} from './early_signals';

installEarlySignalHandlers();
