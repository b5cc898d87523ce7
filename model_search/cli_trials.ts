/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * `cli trials --model_dir=DIR [--sort=METRIC] [--desc|--asc]
 * [--experiment_name=NAME] [--metadata_db=URL]`: the trials of a study
 * as an aligned table. The command lives in report/trials_command.ts,
 * beside the table and study loading it shares with `cli report`.
 */

export {trialsCommand} from './report/trials_command';
