/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/** The spiral provider and the batch-mixing block, linked together. */

import './batch_mixing_block';
import './user_provider';
