/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

// './cli.js', not './cli': beside cli.js sits the launcher named cli.
import {cliMain} from './cli.js';
import {validateSpecCommand} from './cli_validate_spec';
import {PhoenixSpec} from './proto/phoenix_spec';
import {applyDefaults, parsePhoenixSpec} from './proto/text_format';

/** Runs the command, collecting what it writes. */
function run(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const status = validateSpecCommand(
      args, (s) => out.push(s), (s) => err.push(s));
  return {status, out: out.join('\n'), err: err.join('\n')};
}

describe('validateSpecCommand', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cli_validate_spec_test_'));
  });
  afterEach(() => {
    fs.rmSync(dir, {recursive: true, force: true});
  });

  it('prints a valid spec as JSON with the defaults filled in', () => {
    const file = 'model_search/configs/cnn_config.pbtxt';

    const result = run([file]);

    assert.equal(result.status, 0);
    assert.equal(result.err, '');
    const json = JSON.parse(result.out) as Record<string, unknown>;
    assert.equal(json['problemType'], 'CNN');
    assert.equal(json['beamSize'], 5);
    assert.equal(json['numBlocksInCell'], 4);
    assert.equal(json['cnnDataFormat'], 'NHWC');
    assert.equal(
        (json['learningSpec'] as Record<string, unknown>)['minDropout'], 0.1);
    const expected = applyDefaults(
        parsePhoenixSpec(fs.readFileSync(file, 'utf8')));
    assert.deepStrictEqual(
        PhoenixSpec.toJSON(PhoenixSpec.fromJSON(json)),
        PhoenixSpec.toJSON(expected));
  });

  it('accepts a spec with settings nothing reads, saying which', () => {
    const file = path.join(dir, 'weighted.pbtxt');
    fs.writeFileSync(file, 'search_type: ADAPTIVE_COORDINATE_DESCENT\n' +
                               'problem_type: DNN\nblocks_to_use: ' +
                               '"FULLY_CONNECTED"\nweight_feature_name: "w"\n');

    const result = run([file]);

    assert.equal(result.status, 0, result.err);
    assert.equal(result.err,
                 'validate-spec: warning: phoenix_spec.weight_feature_name ' +
                     'is set, but this trainer does not read it: every ' +
                     'example weighs the same (a data provider\'s ' +
                     'getLossFn() can weigh them)');
  });

  it('reports a bad spec with its location and exits 2', () => {
    const file = path.join(dir, 'bad.pbtxt');
    fs.writeFileSync(file, 'problem_type: DNN\nminimun_depth: 3\n');

    const result = run([file]);

    assert.equal(result.status, 2);
    assert.equal(result.out, '');
    assert.equal(
        result.err,
        `validate-spec: ${file}:2:1: unknown field "minimun_depth" in ` +
            'learning.adanets.phoenix.proto.PhoenixSpec; did you mean ' +
            '"minimum_depth"?');
  });

  it('refuses what the binary refuses before it starts, and exits 2', () => {
    const cases: Array<[string, RegExp]> = [
      ['search_type: ADAPTIVE_COORDINATE_DESCENT\nproblem_type: DNN\n' +
           'minimum_depth: 3\nmaximum_depth: 1\n' +
           'blocks_to_use: "FULLY_CONNECTED"\n',
       /^validate-spec: .*\/spec0\.pbtxt: phoenix_spec\.maximum_depth is 1; use an integer >= minimum_depth \(3\)/],
      ['problem_type: DNN\nblocks_to_use: "FULLY_CONNECTED"\n',
       /^validate-spec: .*\/spec1\.pbtxt: .*"UNKNOWN_SEARCH_TYPE" is not a search algorithm/],
      ['search_type: ADAPTIVE_COORDINATE_DESCENT\nproblem_type: DNN\n' +
           'blocks_to_use: "CONVOLUTION_3X3"\n',
       /^validate-spec: .*\/spec2\.pbtxt:3:16: block "CONVOLUTION_3X3" in blocks_to_use does not serve problem_type DNN \(it serves CNN\); remove it, or change problem_type$/],
      ['search_type: ADAPTIVE_COORDINATE_DESCENT\nproblem_type: DNN\n' +
           'blocks_to_use: "FULLY_CONNECTED"\nensemble_spec { ' +
           'ensemble_search_type: ADAPTIVE_ENSEMBLE_SEARCH adaptive_search ' +
           '{ minimal_pool_size: -4 } }\n',
       /^validate-spec: .*\/spec3\.pbtxt: phoenix_spec\.ensemble_spec\.adaptive_search\.minimal_pool_size is -4; give the number of trials to search before ensembling, 0 or more/],
      ['search_type: ADAPTIVE_COORDINATE_DESCENT\nproblem_type: DNN\n' +
           'blocks_to_use: "FULLY_CONNECTED"\nreplay { towers { ' +
           'architecture: "CONVOLUTION_3X3" } }\n',
       /^validate-spec: .*\/spec4\.pbtxt:4:33: block "CONVOLUTION_3X3" in replay does not serve problem_type DNN \(it serves CNN\); remove it, or change problem_type$/],
      ['search_type: ADAPTIVE_COORDINATE_DESCENT\nproblem_type: DNN\n' +
           'blocks_to_use: "FULLY_CONNECTED"\ndistillation_spec { ' +
           'distillation_type: MSE_SOFTMAX temperature: 0 }\n',
       /^validate-spec: .*\/spec5\.pbtxt: phoenix_spec\.distillation_spec\.temperature is 0; it must be a positive number \(1 keeps .*\)$/],
      ['search_type: ADAPTIVE_COORDINATE_DESCENT\n' +
           'problem_type: RNN_ALL_ACTIVATIONS\nblocks_to_use: "LSTM_128"\n' +
           'distillation_spec { distillation_type: CROSS_ENTROPY }\n',
       /^validate-spec: .*\/spec6\.pbtxt: distillation_spec with problem_type RNN_ALL_ACTIVATIONS \(a label for every time step\) is not supported/],
      ['search_type: ADAPTIVE_COORDINATE_DESCENT\nproblem_type: DNN\n' +
           'blocks_to_use: "FULLY_CONNECTED"\nensemble_spec { ' +
           'ensemble_search_type: INTERMIXED_NONADAPTIVE_ENSEMBLE_SEARCH ' +
           'intermixed_search { width: 3 num_trials_to_consider: 2 ' +
           'try_ensembling_every: 3 } }\n',
       /^validate-spec: .*\/spec7\.pbtxt: phoenix_spec\.ensemble_spec\.intermixed_search\.width is 3, above its num_trials_to_consider of 2: each ensemble takes width towers among the best num_trials_to_consider trials; give a width of at most num_trials_to_consider$/],
      ['search_type: CONSTRAINED_ADAPTIVE_COORDINATE_DESCENT\n' +
           'problem_type: DNN\nblocks_to_use: "FULLY_CONNECTED"\n',
       /^validate-spec: .*\/spec8\.pbtxt: block "DOWNSAMPLE_CONVOLUTION_3X3" in reduction_block_type \(its default\) does not serve problem_type DNN \(it serves CNN\); give a reduction_block_type of a DNN block \(CONSTRAINED_ADAPTIVE_COORDINATE_DESCENT places it after every cell\), or change problem_type$/],
      ['search_type: ADAPTIVE_COORDINATE_DESCENT\n' +
           'blocks_to_use: "FULLY_CONNECTED"\n',
       /^validate-spec: .*\/spec9\.pbtxt: the spec sets no problem_type; give the kind of its examples: problem_type: DNN \(vectors of features\), CNN/],
      ['search_type: LINEAR_MODEL\nproblem_type: DNN\n' +
           'blocks_to_use: "FULLY_CONNECTED"\n' +
           'linear_model { ridge_penalty: 0 }\n',
       /^validate-spec: .*\/spec10\.pbtxt: phoenix_spec\.linear_model\.ridge_penalty is 0; use a value > 0/],
      ['search_type: LINEAR_MODEL\nproblem_type: DNN\n' +
           'blocks_to_use: "FULLY_CONNECTED"\n' +
           'linear_model { trials_before_fit: -3 }\n',
       /^validate-spec: .*\/spec11\.pbtxt: phoenix_spec\.linear_model\.trials_before_fit is -3; use an integer >= 0/],
    ];
    cases.forEach(([text, message], i) => {
      const file = path.join(dir, `spec${i}.pbtxt`);
      fs.writeFileSync(file, text);

      const result = run([file]);

      assert.equal(result.status, 2, result.out);
      assert.match(result.err, message);
    });
  });

  it('reports a missing file and exits 2', () => {
    const result = run([path.join(dir, 'nope.pbtxt')]);

    assert.equal(result.status, 2);
    assert.match(
        result.err, /cannot read spec file ".*nope\.pbtxt": no such file/);
  });

  const USAGE_CASES = [
    {name: 'no arguments', args: []},
    {name: 'two files', args: ['a.pbtxt', 'b.pbtxt']},
    {name: 'an unknown flag', args: ['--verbose']},
  ];
  for (const row of USAGE_CASES) {
    it(`prints the usage for ${row.name} and exits 2`, () => {
      const result = run(row.args);

      assert.equal(result.status, 2);
      assert.match(result.err, /usage: validate-spec FILE/);
    });
  }

  it('prints the usage for --help and exits 0', () => {
    const result = run(['--help']);

    assert.equal(result.status, 0);
    assert.match(result.out, /^usage: validate-spec FILE/);
  });
});

describe('cli validate-spec', () => {
  let dir: string;
  let saved: string|undefined;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cli_validate_spec_test_'));
    saved = process.env['BUILD_WORKING_DIRECTORY'];
  });
  afterEach(() => {
    if (saved === undefined) {
      delete process.env['BUILD_WORKING_DIRECTORY'];
    } else {
      process.env['BUILD_WORKING_DIRECTORY'] = saved;
    }
    fs.rmSync(dir, {recursive: true, force: true});
  });

  /** Runs `cli` with `args`, as its main does. */
  async function cli(args: string[]) {
    const out: string[] = [];
    const err: string[] = [];
    const status =
        await cliMain(args, (s) => out.push(s), (s) => err.push(s));
    return {status, out: out.join('\n'), err: err.join('\n')};
  }

  it('reads a relative FILE from the directory of `bazel run`', async () => {
    fs.writeFileSync(path.join(dir, 'mine.pbtxt'),
                     'search_type: ADAPTIVE_COORDINATE_DESCENT\n' +
                         'problem_type: DNN\nmaximum_depth: 7\n' +
                         'blocks_to_use: "FULLY_CONNECTED"\n');
    process.env['BUILD_WORKING_DIRECTORY'] = dir;

    const result = await cli(['validate-spec', 'mine.pbtxt']);

    assert.equal(result.status, 0, result.err);
    assert.equal(JSON.parse(result.out)['maximumDepth'], 7);
  });

  it('exits 2 naming the file:line:column of a bad spec', async () => {
    fs.writeFileSync(path.join(dir, 'bad.pbtxt'),
                     'problem_type: DNN\nsearch_type: COORDINATE_DECENT\n');
    process.env['BUILD_WORKING_DIRECTORY'] = dir;

    const result = await cli(['validate-spec', 'bad.pbtxt']);

    assert.equal(result.status, 2);
    assert.equal(result.out, '');
    assert.match(result.err,
                 /bad\.pbtxt:2:14: .*COORDINATE_DECENT.*ADAPTIVE_COORDINATE_DESCENT/);
  });

  it('exits 2 for an unknown subcommand and lists the others', async () => {
    const result = await cli(['validate-specs', 'x.pbtxt']);

    assert.equal(result.status, 2);
    assert.match(result.err, /unknown subcommand "validate-specs"/);
    assert.match(result.err, /validate-spec /);
  });
});

describe('checkBlockNames through validate-spec', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cli_validate_spec_test_'));
  });
  afterEach(() => {
    fs.rmSync(dir, {recursive: true, force: true});
  });

  const rows: Array<[string, string, string]> = [
    ['blocks_to_use',
     'problem_type: DNN\nblocks_to_use: [\n  "FIXED_OUTPUT_FULLY_CONNECTED_128",\n' +
     '  "FULLY_CONECTED_PYRAMID"\n]\n',
     ':4:3: unknown block "FULLY_CONECTED_PYRAMID" in blocks_to_use ' +
     '(did you mean "FULLY_CONNECTED_PYRAMID"?); fix the name'],
    ['a user suggestion',
     'problem_type: DNN\nuser_suggestions { architecture: \'LSTM_1288\' }\n',
     ':2:34: unknown block "LSTM_1288" in user_suggestions (did you mean ' +
     '"LSTM_128"?); fix the name'],
  ];
  for (const [name, text, message] of rows) {
    it(`names the file, line and column of an unknown block in ${name}`,
       () => {
         const file = path.join(dir, 'spec.pbtxt');
         fs.writeFileSync(file, text);

         const result = run([file]);

         assert.equal(result.status, 2);
         assert.equal(result.out, '');
         assert.ok(result.err.startsWith(`validate-spec: ${file}${message}`),
                   result.err);
         assert.ok(result.err.length < 500, 'the message lists every block');
       });
  }
});
