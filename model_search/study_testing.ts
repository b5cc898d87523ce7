/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/** For tests: what a search recorded in its model directory. */

import * as path from 'node:path';

import {createStore} from './metadata/create_store';
import {DEFAULT_SQLITE_FILENAME} from './metadata/flags';
import type {Trial} from './metadata/trial';

/**
 * The trials of the (first) study in `<modelDir>/model_search.db`, by id;
 * none while the search has not opened its study yet.
 */
export async function storedTrials(modelDir: string): Promise<Trial[]> {
  const store = await createStore(
      {url: `sqlite:${path.join(modelDir, DEFAULT_SQLITE_FILENAME)}`});
  try {
    const [study] = await store.listStudies!();
    return study === undefined ? [] : await store.listTrials(study.studyId);
  } finally {
    await store.close();
  }
}
