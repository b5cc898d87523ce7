/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * The image provider of the `image_data_binary` search binary, as
 * image_data_for_binary.py: loading this module declares the provider's
 * flags and registers it as 'image_data_provider'; the provider reads the
 * flags when the trainer constructs it, after the binary parsed them.
 *
 * --image_channels and --image_split_seed are additions; the original
 * always reads RGB and splits with seed 73.
 */

import * as fs from 'fs';
import * as path from 'path';

import {UsageError} from '../errors';
import {FLAGS} from '../flags';

import {registerProvider} from './data';
import {Provider as ImageProvider} from './image_data';

const MODULE = 'image_data_for_binary';

FLAGS.define('input_dir', {
  type: 'string',
  default: '',
  help: 'The folder of images, one sub-folder per class (e.g. 0/ and 1/).',
  module: MODULE,
});
FLAGS.define('eval_fraction', {
  type: 'float',
  default: 0.2,
  help: 'The fraction of the images held out for evaluation.',
  module: MODULE,
});
FLAGS.define('image_height', {
  type: 'int',
  default: 320,
  help: 'The height every image is resized to, in pixels.',
  module: MODULE,
});
FLAGS.define('image_width', {
  type: 'int',
  default: 240,
  help: 'The width every image is resized to, in pixels.',
  module: MODULE,
});
FLAGS.define('image_channels', {
  type: 'int',
  default: 3,
  help: 'Channels of the model input: 1 (grey), 3 (RGB) or 4 (RGBA).',
  module: MODULE,
});
FLAGS.define('image_split_seed', {
  type: 'int',
  default: 73,
  help: 'Seeds the train/eval split and the training shuffle: any ' +
        'integer, negative ones too; the same seed, the same split.',
  module: MODULE,
});

/** `${TEST_SRCDIR}` replaced by the test's runfiles root, as the original. */
function expandTestSrcdir(dir: string): string {
  const root = process.env['TEST_SRCDIR'];
  return root === undefined ? dir : dir.split('${TEST_SRCDIR}').join(root);
}

/**
 * Whether `dir` (made or not) is `root` or lies under it, symbolic links
 * followed as far as `dir` exists.
 */
function isWithin(dir: string, root: string): boolean {
  let existing = path.resolve(dir);
  const rest: string[] = [];
  while (!fs.existsSync(existing) && path.dirname(existing) !== existing) {
    rest.unshift(path.basename(existing));
    existing = path.dirname(existing);
  }
  const real = path.join(fs.realpathSync(existing), ...rest);
  const relative = path.relative(fs.realpathSync(root), real);
  return relative === '' ||
      (!relative.startsWith(`..${path.sep}`) && relative !== '..' &&
       !path.isAbsolute(relative));
}

/** The image provider configured by the flags above. */
@registerProvider({lookupName: 'image_data_provider', initArgs: {}})
export class Provider extends ImageProvider {
  /**
   * @param args The registered init args; a `log` function among them
   *     replaces the default logger (stderr).
   */
  constructor(args: Record<string, unknown> = {}) {
    const given = FLAGS.get<string>('input_dir');
    if (given === '') {
      throw new UsageError(
          '--input_dir is required: the folder with one sub-folder of ' +
          'images per class');
    }
    const inputDir = expandTestSrcdir(given);
    if (!fs.existsSync(inputDir)) {
      throw new UsageError(`--input_dir=${given}: no such folder`);
    }
    const modelDir = FLAGS.has('model_dir') ? FLAGS.get<string>('model_dir') : '';
    if (modelDir !== '' && isWithin(modelDir, inputDir)) {
      // It would read as a class folder (without images) the next time.
      throw new UsageError(
          `--model_dir=${modelDir} lies inside --input_dir=${given}: the ` +
          'next search would read its trials as a folder of images; give ' +
          'a --model_dir outside the image folders');
    }
    super({
      inputDir,
      imageHeight: FLAGS.get<number>('image_height'),
      imageWidth: FLAGS.get<number>('image_width'),
      channels: FLAGS.get<number>('image_channels'),
      evalFraction: FLAGS.get<number>('eval_fraction'),
      seed: FLAGS.get<number>('image_split_seed'),
      log: args['log'] as ((line: string) => void) | undefined,
    });
  }
}
