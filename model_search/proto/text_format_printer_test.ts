/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';

import {PhoenixSpec} from './phoenix_spec';
import {protocEncode} from './protoc_testing';
import {applyDefaults, parsePhoenixSpec, printPhoenixSpec, printTextFormat} from './text_format';

const CONFIG_FILES = [
  'model_search/configs',
  'model_search/proto/testdata/reference_configs',
].flatMap((dir) => fs.readdirSync(dir).filter((f) => f.endsWith('.pbtxt'))
                       .sort().map((f) => path.join(dir, f)));

/** Specs whose values are awkward to print. */
const AWKWARD: Array<{name: string; text: string}> = [
  {name: 'escapes and non-ASCII text',
   text: 'weight_feature_name: "tab\\there \\"q\\" \'s\' \\\\ \\001 \\x7f é😀"'},
  {name: 'non-finite and signed-zero floats',
   text: 'temperature: inf mutate_probability: -inf ' +
       'crossover_probability: nan auxiliary_head_loss_weight: -0'},
  {name: 'tiny and huge floats',
   text: 'temperature: 1e-7 mutate_probability: 3.5e+38 ' +
       'crossover_probability: 0.1'},
  {name: 'raw bytes and maps', text:
   'user_suggestions { architecture: "A" hparams { ' +
       'hparam { key: "b" value { bytes_value: "\\000\\377\\n\\"" } } ' +
       'hparam { key: "l" value { float_list { value: [1.5, -2] } } } ' +
       'hparam { key: "" value { int64_value: -9007199254740991 } } } }'},
  {name: 'enums and negative numbers',
   text: 'search_type: LINEAR_MODEL linear_model { network_alignment: 2 } ' +
       'increase_complexity_minimum_trials: [-1, 0, 2147483647]'},
];

describe('printTextFormat', () => {
  const inputs = [
    ...CONFIG_FILES.map((f) => ({name: f, text: fs.readFileSync(f, 'utf8')})),
    ...AWKWARD,
  ];
  for (const {name, text} of inputs) {
    it(`round-trips ${name}`, () => {
      const spec = parsePhoenixSpec(text, name);

      const printed = printTextFormat(spec);

      assert.deepStrictEqual(parsePhoenixSpec(printed, 'printed'), spec);
    });

    it(`round-trips ${name} with defaults applied`, () => {
      const spec = applyDefaults(parsePhoenixSpec(text, name));

      const printed = printTextFormat(spec);

      assert.deepStrictEqual(
          applyDefaults(parsePhoenixSpec(printed, 'printed')), spec);
    });

    it(`prints ${name} so that protoc encodes the same bytes`, () => {
      const printed = printTextFormat(parsePhoenixSpec(text, name));

      const again = protocEncode(printed);

      assert.ok(again.ok, again.stderr);
      assert.deepStrictEqual(again.bytes, protocEncode(text).bytes);
    });
  }

  it('prints fields in number order with two-space nesting', () => {
    const spec = parsePhoenixSpec(
        'learning_spec { max_dropout: 0.5 min_dropout: 0.25 }\n' +
        'problem_type: DNN minimum_depth: 1 blocks_to_use: ["A", "B"]\n' +
        'ensemble_spec { intermixed_search { width: 2 } }');

    assert.equal(printTextFormat(spec), [
      'minimum_depth: 1',
      'problem_type: DNN',
      'blocks_to_use: "A"',
      'blocks_to_use: "B"',
      'learning_spec {',
      '  min_dropout: 0.25',
      '  max_dropout: 0.5',
      '}',
      'ensemble_spec {',
      '  intermixed_search {',
      '    width: 2',
      '  }',
      '}',
      '',
    ].join('\n'));
  });

  it('prints PhoenixSpecs through printPhoenixSpec', () => {
    const spec = parsePhoenixSpec('beam_size: 3 problem_type: CNN');

    assert.equal(printPhoenixSpec(spec), 'problem_type: CNN\nbeam_size: 3\n');
  });

  it('prints nothing for an empty message', () => {
    assert.equal(printTextFormat({}), '');
  });

  it('prints messages decoded by the generated code', () => {
    const bytes = protocEncode('beam_size: 3 replay { towers {} }').bytes;

    const printed = printTextFormat(PhoenixSpec.decode(bytes));

    assert.match(printed, /^beam_size: 3$/m);
    assert.match(printed, /^replay \{\n {2}towers \{\n {2}\}\n\}$/m);
    assert.match(printed, /^minimum_depth: 2$/m);
  });

  it('refuses two members of one oneof', () => {
    const spec = {ensembleSpec: {adaptiveSearch: {}, intermixedSearch: {}}};

    assert.throws(
        () => printTextFormat(spec),
        {
          message: 'cannot print learning.adanets.phoenix.proto.' +
              'ensembling_spec.EnsemblingSpec: fields "adaptive_search" and ' +
              '"intermixed_search" are both set but are members of oneof ' +
              '"search_spec"; clear one of them',
        });
  });
});
