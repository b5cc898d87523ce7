/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/** The spec protos: text-format parsing, defaults, printing, descriptors. */

export * from './descriptor_registry';
export * from './text_format';
