/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * The CSV provider of the `csv_data_binary` search binary, as
 * csv_data_for_binary.py: loading this module declares the provider's
 * flags and registers it as 'csv_data_provider'; the provider reads the
 * flags when the trainer constructs it, after the binary parsed them.
 *
 * Porting note: --record_defaults defaults to empty (infer every column
 * from the header and the data) instead of the original's '0,0,0,0', which
 * fits only four-column files; a four-column numeric file reads the same
 * either way.
 */

import * as fs from 'fs';

import {UsageError} from '../errors';
import {FLAGS} from '../flags';

import {Provider as CsvProvider} from './csv_data';
import {registerProvider} from './data';

const MODULE = 'csv_data_for_binary';

FLAGS.define('label_index', {
  type: 'int',
  default: 0,
  help: 'The index of the label column in the CSV, from 0.',
  module: MODULE,
});
FLAGS.define('logits_dimension', {
  type: 'int',
  default: 2,
  help: 'The number of classes; 2 for binary classification.',
  module: MODULE,
});
FLAGS.define('record_defaults', {
  type: 'string',
  default: '',
  help: 'One default per column, comma separated, e.g. 0,0,unknown,0: a ' +
      'number makes the column numeric, other text categorical; empty ' +
      'infers the column from the data.',
  module: MODULE,
});
FLAGS.define('filename', {
  type: 'string',
  default: '',
  help: 'The CSV file to train on, with a header row.',
  module: MODULE,
});
FLAGS.define('validation_filename', {
  type: 'string',
  default: '',
  help: 'The CSV file to evaluate on; the training file when empty.',
  module: MODULE,
});
FLAGS.define('field_delim', {
  type: 'string',
  default: ',',
  help: 'The field delimiter of the CSV files (one character; \\t for tab).',
  module: MODULE,
});

/** `${TEST_SRCDIR}` replaced by the test's runfiles root, as the original. */
function expandTestSrcdir(file: string): string {
  const root = process.env['TEST_SRCDIR'];
  return root === undefined ? file : file.split('${TEST_SRCDIR}').join(root);
}

function existingFile(flag: string, value: string): string {
  const file = expandTestSrcdir(value);
  if (!fs.existsSync(file)) {
    throw new UsageError(`--${flag}=${value}: no such file`);
  }
  return file;
}

/** The CSV provider configured by the flags above. */
@registerProvider({lookupName: 'csv_data_provider', initArgs: {}})
export class Provider extends CsvProvider {
  /**
   * @param args The registered init args; a `log` function among them
   *     replaces the default logger (stderr).
   */
  constructor(args: Record<string, unknown> = {}) {
    const filename = FLAGS.get<string>('filename');
    if (filename === '') {
      throw new UsageError(
          '--filename is required: the CSV file to search on');
    }
    const validation = FLAGS.get<string>('validation_filename');
    super({
      filename: existingFile('filename', filename),
      validationFilename: validation === '' ?
          undefined :
          existingFile('validation_filename', validation),
      labelIndex: FLAGS.get<number>('label_index'),
      logitsDimension: FLAGS.get<number>('logits_dimension'),
      recordDefaults: FLAGS.get<string>('record_defaults'),
      fieldDelim: FLAGS.get<string>('field_delim'),
      log: args['log'] as ((line: string) => void) | undefined,
    });
  }
}
