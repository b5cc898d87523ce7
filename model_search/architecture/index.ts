/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/** Towers: architecture rules and stacking blocks into a model. */

export * from './architecture_utils';
