/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/** Registers RunningSumProvider: what the search binary links. */

import {registerProvider} from '../../data/data';
import {RunningSumProvider} from './running_sum_provider';

@registerProvider({lookupName: 'running_sum', initArgs: {seed: 5}})
export class RegisteredRunningSumProvider extends RunningSumProvider {}
