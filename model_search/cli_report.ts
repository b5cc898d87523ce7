/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * `cli report --model_dir=DIR [--out=report.html]`: the study as one
 * self-contained HTML page. The command lives in report/report_command.ts,
 * beside the page, its charts and the study loading it shares with
 * `cli trials`.
 */

export {reportCommand} from './report/report_command';
