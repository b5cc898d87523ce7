/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

import * as assert from 'node:assert/strict';
import * as child_process from 'node:child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';

import {ValueError} from '../errors';

import {PhoenixSpec} from './phoenix_spec';
import {normalize, protocDecode, protocEncode} from './protoc_testing';
import {applyDefaults, loadSpecFile, parsePhoenixSpec, parseTextFormat, PHOENIX_SPEC_TYPE, printPhoenixSpec, studySpecText, TextFormatError} from './text_format';

const CONFIG_DIR = 'model_search/configs';
const REFERENCE_DIR = 'model_search/proto/testdata/reference_configs';

function pbtxtFiles(dir: string): string[] {
  return fs.readdirSync(dir).filter((f) => f.endsWith('.pbtxt')).sort()
      .map((f) => path.join(dir, f));
}

/** Inputs that exercise one syntax feature each; protoc reads them all. */
const TRICKY_INPUTS: Array<{name: string; text: string}> = [
  {name: 'empty input', text: ''},
  {name: 'only comments', text: '# one\n   # two\n#'},
  {name: 'hex, octal and negative integers',
   text: 'minimum_depth: 0x1F maximum_depth: 017 beam_size: -3'},
  {name: 'negative hex', text: 'minimum_depth: -0x10 beam_size: -0X7fffFFFF'},
  {name: 'space and comment after minus',
   text: 'minimum_depth: - 5 maximum_depth: - # c\n 6'},
  {name: 'int32 extremes',
   text: 'minimum_depth: -2147483648 maximum_depth: 2147483647'},
  {name: 'octal zeros', text: 'minimum_depth: 00 maximum_depth: 0'},
  {name: 'float spellings',
   text: 'temperature: .5 mutate_probability: 5. ' +
       'crossover_probability: 1e-3 random_architecture_probability: -0.5f'},
  {name: 'float exponent forms',
   text: 'temperature: 1.5E+3F auxiliary_head_loss_weight: 1.e-2 ' +
       'increase_complexity_probability: 2e0'},
  {name: 'float infinities',
   text: 'temperature: inf auxiliary_head_loss_weight: -Infinity ' +
       'mutate_probability: -inf crossover_probability: INF'},
  {name: 'float nan', text: 'temperature: NaN mutate_probability: -nan'},
  {name: 'integers in float fields',
   text: 'temperature: 3 mutate_probability: -0 crossover_probability: 0'},
  {name: 'float overflow and huge integer',
   text: 'temperature: 1e40 mutate_probability: 18446744073709551616'},
  {name: 'float rounding',
   text: 'temperature: 0.123456789 mutate_probability: 1e-45'},
  {name: 'bool spellings',
   text: 'replicate_cell: t use_parameter_scaled_training: True ' +
       'apply_dropouts_between_blocks: 1 use_synchronous_optimizer: f ' +
       'is_input_shared: False disable_last_dense_layer: 0 ' +
       'pass_label_dict_as_is: true merge_losses_of_multitask: false ' +
       'use_auxiliary_head: 0x1 enable_fast_termination: 00'},
  {name: 'C escapes',
   text: 'weight_feature_name: "\\n\\t\\\\\\\'\\"\\x41\\101\\a\\b\\f\\v\\r' +
       '\\?\\0"'},
  {name: 'unicode escapes and raw UTF-8',
   text: 'weight_feature_name: "\\u00e9 \\U0001F600 \\uD83D\\uDE00 é漢😀"'},
  {name: 'octal escape above 255 keeps the low byte',
   text: 'weight_feature_name: "\\400\\1011"'},
  {name: 'hex escape takes two digits at most',
   text: 'weight_feature_name: "\\x4142\\x7e"'},
  {name: 'escaped UTF-8 bytes',
   text: 'weight_feature_name: "\\303\\251\\xe6\\xbc\\xa2"'},
  {name: 'single quotes with double quotes inside',
   text: 'primary_task_name: \'a"b\' weight_feature_name: "c\'d"'},
  {name: 'adjacent strings concatenate',
   text: 'weight_feature_name: "a" \'b\' "c" lengths_feature_name: "" ""'},
  {name: 'concatenation across lines and comments',
   text: 'weight_feature_name: "a" # c\n\n  "b"#c\n"c"'},
  {name: 'hash inside a string',
   text: 'weight_feature_name: "a # not a comment"'},
  {name: 'empty strings',
   text: 'weight_feature_name: "" primary_task_name: \'\''},
  {name: 'enums by number', text: 'search_type: 4 problem_type: 2'},
  {name: 'enum by negative-free number zero', text: 'search_type: 0'},
  {name: 'angle brackets', text: 'learning_spec < min_decay_times: 3 >'},
  {name: 'colon before a message',
   text: 'learning_spec: { min_dropout: 0.2 } replay: <>'},
  {name: 'mixed brackets in nesting',
   text: 'ensemble_spec: < intermixed_search { width: 4 } ' +
       'combining_type: 1 >'},
  {name: 'repeated by repetition',
   text: 'blocks_to_use: "A" minimum_depth: 1 blocks_to_use: "B"'},
  {name: 'list syntax', text: 'blocks_to_use: ["A", "B", \'C\']'},
  {name: 'list with concatenated strings',
   text: 'blocks_to_use: ["A" "B", "C"]'},
  {name: 'lists mixed with repetition and empty lists',
   text: 'increase_complexity_minimum_trials: 1 ' +
       'increase_complexity_minimum_trials: [2, 0x3, -4, 05] ' +
       'increase_complexity_minimum_trials: [] blocks_to_use: []'},
  {name: 'message lists with colon',
   text: 'user_suggestions: [{architecture: "A"}, ' +
       '<architecture: ["B", "C"]>]'},
  {name: 'message list without colon',
   text: 'user_suggestions [{architecture: "A"}, {}]'},
  {name: 'separators', text:
   'minimum_depth: 3; maximum_depth: 4, beam_size: 2 learning_spec {};' +
       ' replay {},'},
  {name: 'comments in odd places', text: [
    'minimum_depth # after the name',
    ': # after the colon',
    '3 # after the value',
    'learning_spec # before the brace',
    '{ # after the brace',
    '  min_decay_times: 2 }# glued to the brace',
    'blocks_to_use: [ # after the bracket',
    '  "A" # after an element',
    '  , # after a comma',
    '  "B"',
    '] # done',
  ].join('\n')},
  {name: 'whitespace variety',
   text: '\tminimum_depth:\t3\r\n\fmaximum_depth :\v4 \r\n'},
  {name: 'no spaces at all',
   text: 'minimum_depth:3 learning_spec{min_decay_times:2}' +
       'blocks_to_use:["A","B"]problem_type:CNN'},
  {name: 'oneof with one member',
   text: 'search_type: LINEAR_MODEL linear_model { network_alignment: ' +
       'NET_ALIGN_BASE ridge_penalty: 0.5 remove_outliers: false }'},
  {name: 'ensembling oneof member',
   text: 'ensemble_spec { adaptive_search { increase_width_every: 7 } ' +
       'freeze_previous: false no_train_speedup: -1 }'},
  {name: 'replay with hyperparameter maps', text: [
    'replay {',
    '  towers {',
    '    architecture: "FIXED_OUTPUT_FULLY_CONNECTED_128"',
    '    hparams {',
    '      hparam { key: "learning_rate" value { float_value: 0.1 } }',
    '      hparam { key: "units" value { int64_list { value: [1, -3] } } }',
    '      hparam { key: "act" value { bytes_list { value: ["relu", ' +
        '"\\xff\\0"] } } }',
    '      hparam { key: "shared" value { bool_value: true } }',
    '      hparam { key: "flags" value: { bool_list: { value: [t, f, 1] } } }',
    '      hparam { key: "w" value { float_list { value: [1, 2.5, -inf] } } }',
    '      hparam { key: "raw" value { bytes_value: "\\001\\377" } }',
    '      hparam { key: "big" value { int64_value: 9007199254740991 } }',
    '    }',
    '  }',
    '  towers { architecture: ["A", "B"] }',
    '}',
  ].join('\n')},
  {name: 'map entries without key or value',
   text: 'user_suggestions { hparams { hparam { key: "only_key" } ' +
       'hparam { value { int64_value: -5 } } hparam {} } }'},
  {name: 'map entries in list syntax',
   text: 'user_suggestions { hparams { hparam: [{key: "a" value ' +
       '{bool_value: false}}, <key: "b">] } }'},
  {name: 'proto3 map key set again after its zero value',
   text: 'user_suggestions { hparams { hparam { key: "" key: "x" } } }'},
  {name: 'multi-task specs',
   text: 'multi_task_spec { label_name: "y" number_of_classes: 5 ' +
       'architecture: ["A"] weight_is_a_feature: false ' +
       'apply_activation_on_shared_logits: f } ' +
       'multi_task_spec { label_name: "z" weight_feature_name: "w" } ' +
       'primary_task_name: "y"'},
  {name: 'distillation and transfer learning specs',
   text: 'distillation_spec { balance_losses_spec { num_ramp_trials: 3 ' +
       'minimum_lambda: 0.5 maximum_lambda: 2 } temperature: 2 ' +
       'minimal_pool_size: 0 distillation_type: MSE_SOFTMAX } ' +
       'transfer_learning_spec { transfer_learning_type: ' +
       'SNAPSHOT_TRANSFER_LEARNING previous_trials_discount_factor: 0.5 ' +
       'max_completed_trials: 0x10 }'},
  {name: 'values equal to the declared defaults',
   text: 'minimum_depth: 2 reduction_block_type: ' +
       '"DOWNSAMPLE_CONVOLUTION_3X3" learning_spec { min_dropout: 0.1 ' +
       'apply_exponential_decay: false } ensemble_spec { ' +
       'nonadaptive_search { width: 3 } combining_type: AVERAGE_ENSEMBLE }'},
  {name: 'search type and field added by this port',
   text: 'search_type: ADAPTIVE_COORDINATE_DESCENT_GENETIC ' +
       'enable_fast_termination: true'},
];

/** Inputs protoc rejects; ours must reject them too. */
const BAD_INPUTS: Array<{name: string; text: string}> = [
  {name: 'unknown field', text: 'minimun_depth: 3'},
  {name: 'unknown enum name', text: 'search_type: COORDINATE_DECENT'},
  {name: 'enum name in lower case', text: 'problem_type: dnn'},
  {name: 'enum number not declared', text: 'search_type: 3'},
  {name: 'negative enum number', text: 'search_type: -1'},
  {name: 'quoted enum', text: 'search_type: "HARMONICA_SEARCH"'},
  {name: 'scalar set twice', text: 'minimum_depth: 3 minimum_depth: 4'},
  {name: 'bool set twice to the same value',
   text: 'replicate_cell: f replicate_cell: f'},
  {name: 'message set twice', text: 'learning_spec {} learning_spec {}'},
  {name: 'oneof members together',
   text: 'ensemble_spec { adaptive_search {} intermixed_search {} }'},
  {name: 'oneof scalars together',
   text: 'user_suggestions { hparams { hparam { value { int64_value: 0 ' +
       'float_value: 2 } } } }'},
  {name: 'oneof member set twice',
   text: 'user_suggestions { hparams { hparam { value { int64_value: 0 ' +
       'int64_value: 1 } } } }'},
  {name: 'map entry value set twice',
   text: 'user_suggestions { hparams { hparam { value {} value {} } } }'},
  {name: 'missing colon before a scalar', text: 'minimum_depth 3'},
  {name: 'list without colon for scalars', text: 'blocks_to_use ["A"]'},
  {name: 'trailing comma in a list', text: 'blocks_to_use: ["A",]'},
  {name: 'list missing comma', text: 'blocks_to_use: ["A" 3]'},
  {name: 'list for a non-repeated scalar', text: 'minimum_depth: [3]'},
  {name: 'list for a non-repeated message', text: 'replay [{}]'},
  {name: 'int32 overflow', text: 'minimum_depth: 2147483648'},
  {name: 'int32 underflow', text: 'minimum_depth: -2147483649'},
  {name: 'huge octal', text: 'minimum_depth: 07777777777777777777777'},
  {name: 'float in an int field', text: 'minimum_depth: 1.0'},
  {name: 'float suffix in an int field', text: 'minimum_depth: 1f'},
  {name: 'exponent in an int field', text: 'minimum_depth: 1e3'},
  {name: 'hex in a float field', text: 'temperature: 0x10'},
  {name: 'octal in a float field', text: 'temperature: 010'},
  {name: 'double zero in a float field', text: 'temperature: 00'},
  {name: 'unknown float word', text: 'temperature: infinit'},
  {name: 'bool out of range', text: 'replicate_cell: 2'},
  {name: 'bool in capitals', text: 'replicate_cell: TRUE'},
  {name: 'quoted bool', text: 'replicate_cell: "true"'},
  {name: 'negative bool', text: 'replicate_cell: -0'},
  {name: 'number for a string', text: 'weight_feature_name: 5'},
  {name: 'quoted number for an int', text: 'minimum_depth: "3"'},
  {name: 'scalar for a message', text: 'learning_spec: 5'},
  {name: 'invalid escape', text: 'weight_feature_name: "\\q"'},
  {name: 'hex escape without digits', text: 'weight_feature_name: "\\x"'},
  {name: 'upper-case hex escape', text: 'weight_feature_name: "\\X41"'},
  {name: 'short unicode escape', text: 'weight_feature_name: "\\u12"'},
  {name: 'unterminated string', text: 'weight_feature_name: "abc'},
  {name: 'string across lines', text: 'weight_feature_name: "ab\nc"'},
  {name: 'backslash before a line break',
   text: 'weight_feature_name: "ab\\\nc"'},
  {name: 'unclosed message', text: 'learning_spec { min_decay_times: 3'},
  {name: 'mismatched closing bracket',
   text: 'learning_spec { min_decay_times: 3 >'},
  {name: 'stray closing brace', text: 'minimum_depth: 3 }'},
  {name: 'number glued to a name', text: 'minimum_depth: 3maximum_depth: 4'},
  {name: 'digit separators', text: 'minimum_depth: 1_000'},
  {name: 'leading zero decimal', text: 'minimum_depth: 08'},
  {name: '0x without digits', text: 'minimum_depth: 0x'},
  {name: 'exponent without digits', text: 'temperature: 1e'},
  {name: 'non-ASCII field name', text: 'é: 1'},
  {name: 'double separator', text: 'minimum_depth: 3;;'},
  {name: 'field number instead of name', text: '1: 3'},
  {name: 'extension syntax', text: '[foo.bar]: 1'},
  {name: 'plus sign', text: 'minimum_depth: +3'},
  {name: 'double minus', text: 'minimum_depth: --3'},
  {name: 'minus at the end', text: 'minimum_depth: -'},
  {name: 'value missing at the end', text: 'blocks_to_use: "A" blocks_to_use:'},
  {name: 'second colon', text: 'minimum_depth: 3 : 4'},
];

/** Ours with defaults applied vs protoc's encoding decoded by ts-proto. */
function assertSameAsProtoc(text: string, label: string) {
  const ours = parsePhoenixSpec(text, label);
  const protoc = protocEncode(text);
  assert.ok(protoc.ok, `protoc rejected ${label}: ${protoc.stderr}`);
  const decoded = PhoenixSpec.decode(protoc.bytes);

  assert.deepStrictEqual(
      normalize(applyDefaults(ours)), normalize(decoded), label);
  assert.deepStrictEqual(
      PhoenixSpec.toJSON(normalize(applyDefaults(ours))),
      PhoenixSpec.toJSON(normalize(decoded)), label);
  // Presence: protoc prints exactly the fields that were set.
  const canonical = parsePhoenixSpec(protocDecode(protoc.bytes), label);
  assert.deepStrictEqual(normalize(ours), normalize(canonical), label);
}

describe('parseTextFormat', () => {
  describe('matches protoc --encode', () => {
    const files = [...pbtxtFiles(CONFIG_DIR), ...pbtxtFiles(REFERENCE_DIR)];
    for (const file of files) {
      it(`on ${file}`, () => {
        assertSameAsProtoc(fs.readFileSync(file, 'utf8'), file);
      });
    }
    for (const row of TRICKY_INPUTS) {
      it(`on ${row.name}`, () => {
        assertSameAsProtoc(row.text, row.name);
      });
    }
    it('has at least 30 tricky inputs', () => {
      assert.ok(TRICKY_INPUTS.length >= 30, `${TRICKY_INPUTS.length}`);
    });
  });

  describe('rejects what protoc rejects', () => {
    for (const row of BAD_INPUTS) {
      it(`rejects ${row.name}`, () => {
        const protoc = protocEncode(row.text);

        assert.equal(protoc.ok, false, `protoc accepted ${row.name}`);
        assert.throws(
            () => parsePhoenixSpec(row.text, 'bad.pbtxt'), TextFormatError);
      });
    }
  });

  it('rejects invalid UTF-8 in a string field, which protoc only logs', () => {
    const text = 'weight_feature_name: "\\xff"';
    const protoc = protocEncode(text);

    assert.match(protoc.stderr, /invalid UTF-8/);
    assert.throws(
        () => parsePhoenixSpec(text, 'x.pbtxt'),
        /x\.pbtxt:1:22: string field "weight_feature_name" holds bytes that/);
  });

  it('keeps raw bytes in a bytes field', () => {
    const spec = parsePhoenixSpec(
        'user_suggestions { hparams { hparam { key: "k" value { ' +
        'bytes_value: "\\xff\\0a" } } } }');
    const value = spec.userSuggestions![0].hparams!.hparam!['k'];

    assert.deepStrictEqual(value.bytesValue, Uint8Array.from([255, 0, 97]));
  });

  it('keeps presence: unset fields stay undefined', () => {
    const spec = parsePhoenixSpec('minimum_depth: 2 learning_spec {}');

    assert.deepStrictEqual(spec, {minimumDepth: 2, learningSpec: {}});
  });

  it('parses other message types by full name', () => {
    const tower = parseTextFormat(
        'architecture: "A" hparams { hparam { key: "k" } }',
        'learning.adanets.phoenix.proto.TowerSuggestion');

    assert.deepStrictEqual(
        tower, {architecture: ['A'], hparams: {hparam: {k: {}}}});
  });

  it('rejects 64-bit integers a JavaScript number cannot hold', () => {
    const text = 'user_suggestions { hparams { hparam { value { ' +
        'int64_value: 9007199254740992 } } } }';

    assert.throws(
        () => parsePhoenixSpec(text, 's.pbtxt'),
        {
          message: 's.pbtxt:1:60: integer 9007199254740992 of field ' +
              '"user_suggestions.hparams.hparam.value.int64_value" (int64) ' +
              'is beyond what a JavaScript number holds exactly ' +
              '(+-9007199254740991); 64-bit fields are numbers here',
        });
  });
});

/**
 * The blocks the original's configs name but never registers; our copies
 * leave them out, with the suggestions built from them.
 */
const UNREGISTERED_IN_ORIGINAL =
    new Set(['CIFAR_NASA', 'CIFAR_NASA_REDUCTION']);

/** A reference spec as our copy is meant to read: unusable names removed. */
function withoutUnregisteredBlocks(spec: PhoenixSpec): PhoenixSpec {
  const usable = (names: string[]) =>
      !names.some((n) => UNREGISTERED_IN_ORIGINAL.has(n));
  const out = {...spec};
  if (spec.blocksToUse !== undefined) {
    out.blocksToUse = spec.blocksToUse.filter(
        (n) => !UNREGISTERED_IN_ORIGINAL.has(n));
  }
  if (spec.userSuggestions !== undefined) {
    out.userSuggestions = spec.userSuggestions.filter(
        (s) => usable(s.architecture ?? []));
    if (out.userSuggestions.length === 0) delete out.userSuggestions;
  }
  return out;
}

describe('parsePhoenixSpec', () => {
  for (const file of pbtxtFiles(REFERENCE_DIR)) {
    const ours = path.join(CONFIG_DIR, path.basename(file));
    it(`reads ${path.basename(file)} as the original's copy means it`, () => {
      const reference = parsePhoenixSpec(fs.readFileSync(file, 'utf8'), file);

      const copy = parsePhoenixSpec(fs.readFileSync(ours, 'utf8'), ours);

      assert.deepStrictEqual(copy, withoutUnregisteredBlocks(reference));
    });
  }

  it('leaves out of the copies only the names the original never ' +
     'registers', () => {
    const dropped: string[] = [];
    for (const file of pbtxtFiles(REFERENCE_DIR)) {
      const reference = parsePhoenixSpec(fs.readFileSync(file, 'utf8'), file);
      const kept = withoutUnregisteredBlocks(reference);
      const count = (list?: unknown[]) => list?.length ?? 0;
      const blocks = count(reference.blocksToUse) - count(kept.blocksToUse);
      if (blocks > 0) {
        dropped.push(`${path.basename(file)}: ${blocks} blocks, ${
            count(reference.userSuggestions) -
            count(kept.userSuggestions)} suggestions`);
      }
    }

    assert.deepStrictEqual(dropped, [
      'cifar_nasnet_config.pbtxt: 2 blocks, 3 suggestions',
      'cnn_genetic_config.pbtxt: 2 blocks, 0 suggestions',
    ]);
  });

  it('has a copy of each of the seven original configs', () => {
    assert.deepStrictEqual(
        pbtxtFiles(REFERENCE_DIR).map((f) => path.basename(f)),
        pbtxtFiles(CONFIG_DIR).map((f) => path.basename(f)));
    assert.equal(pbtxtFiles(CONFIG_DIR).length, 7);
  });
});

describe('TextFormatError', () => {
  const SEARCH_TYPES = 'UNKNOWN_SEARCH_TYPE, ADAPTIVE_COORDINATE_DESCENT, ' +
      'NONADAPTIVE_RANDOM_SEARCH, HARMONICA_SEARCH, ' +
      'CONSTRAINED_ADAPTIVE_COORDINATE_DESCENT, LINEAR_MODEL, ' +
      'ADAPTIVE_COORDINATE_DESCENT_GENETIC';
  const CASES: Array<{name: string; text: string; message: string}> = [
    {
      name: 'a misspelt field with a close match',
      text: 'problem_type: DNN\nminimun_depth: 3\n',
      message: 'spec.pbtxt:2:1: unknown field "minimun_depth" in ' +
          'learning.adanets.phoenix.proto.PhoenixSpec; did you mean ' +
          '"minimum_depth"?',
    },
    {
      name: 'a misspelt nested field',
      text: 'ensemble_spec {\n  intermixed_search { widht: 3 }\n}',
      message: 'spec.pbtxt:2:23: unknown field "widht" in ' +
          'ensemble_spec.intermixed_search (learning.adanets.phoenix.proto.' +
          'ensembling_spec.EnsemblingSpec.IntermixedSearchSpec); did you ' +
          'mean "width"?',
    },
    {
      name: 'an unknown field with no close match',
      text: 'colour: 3',
      message: 'spec.pbtxt:1:1: unknown field "colour" in ' +
          'learning.adanets.phoenix.proto.PhoenixSpec; the fields of ' +
          'learning.adanets.phoenix.proto.PhoenixSpec are declared in ' +
          'model_search/proto/phoenix_spec.proto',
    },
    {
      name: 'an unknown enum value',
      text: 'minimum_depth: 1\nsearch_type: COORDINATE_DECENT',
      message: 'spec.pbtxt:2:14: unknown value "COORDINATE_DECENT" for ' +
          'enum field "search_type" ' +
          '(learning.adanets.phoenix.proto.PhoenixSpec.SearchType); ' +
          `valid values: ${SEARCH_TYPES}`,
    },
    {
      name: 'a misspelt enum value with a close match',
      text: 'search_type: ADAPTIVE_COORDINATE_DECENT',
      message: 'spec.pbtxt:1:14: unknown value "ADAPTIVE_COORDINATE_DECENT" ' +
          'for enum field "search_type" ' +
          '(learning.adanets.phoenix.proto.PhoenixSpec.SearchType); did you ' +
          `mean "ADAPTIVE_COORDINATE_DESCENT"?; valid values: ${SEARCH_TYPES}`,
    },
    {
      name: 'an undeclared enum number',
      text: 'problem_type: 7',
      message: 'spec.pbtxt:1:15: unknown number 7 for enum field ' +
          '"problem_type" (learning.adanets.phoenix.proto.PhoenixSpec.' +
          'ProblemType); valid values: UNKNOWN_PROBLEM_TYPE = 0, CNN = 1, ' +
          'DNN = 2, RNN_ALL_ACTIVATIONS = 3, RNN_LAST_ACTIVATIONS = 4',
    },
    {
      name: 'a field set twice',
      text: 'beam_size: 3\n  beam_size: 4',
      message: 'spec.pbtxt:2:3: field "beam_size" is set twice (first at ' +
          '1:1) but is not repeated; keep one of them',
    },
    {
      name: 'two members of a oneof',
      text: 'ensemble_spec { adaptive_search {} intermixed_search {} }',
      message: 'spec.pbtxt:1:36: field "ensemble_spec.intermixed_search" ' +
          'and field "ensemble_spec.adaptive_search" (set at 1:17) are ' +
          'members of oneof "search_spec" of learning.adanets.phoenix.proto.' +
          'ensembling_spec.EnsemblingSpec; set only one',
    },
    {
      name: 'a missing colon',
      text: 'minimum_depth 3',
      message: 'spec.pbtxt:1:15: expected ":" after field "minimum_depth", ' +
          'found "3"; write minimum_depth: <value>',
    },
    {
      name: 'an integer out of range',
      text: 'learning_spec { max_decay_times: 4294967296 }',
      message: 'spec.pbtxt:1:34: integer 4294967296 is out of range for ' +
          'field "learning_spec.max_decay_times" (int32: -2147483648 to ' +
          '2147483647)',
    },
    {
      name: 'a quoted enum value',
      text: 'problem_type: "DNN"',
      message: 'spec.pbtxt:1:15: enum field "problem_type" ' +
          '(learning.adanets.phoenix.proto.PhoenixSpec.ProblemType) expects ' +
          'a value name (unquoted) or number, found the string "DNN"; valid ' +
          'values: UNKNOWN_PROBLEM_TYPE, CNN, DNN, RNN_ALL_ACTIVATIONS, ' +
          'RNN_LAST_ACTIVATIONS',
    },
    {
      name: 'a bad bool',
      text: 'replicate_cell: yes',
      message: 'spec.pbtxt:1:17: field "replicate_cell" (bool) expects ' +
          'true, false, True, False, t, f, 1 or 0, found "yes"',
    },
    {
      name: 'an unclosed message',
      text: 'learning_spec {\n  min_dropout: 0.2\n',
      message: 'spec.pbtxt:3:1: unexpected end of input: field ' +
          '"learning_spec" opened at 1:15 needs a closing "}"',
    },
    {
      name: 'an invalid escape',
      text: 'weight_feature_name: "a\\qb"',
      message: 'spec.pbtxt:1:24: invalid escape "\\q" in a string; valid ' +
          'escapes are \\n \\t \\r \\a \\b \\f \\v \\\\ \\\' \\" \\? \\ooo ' +
          '(octal) \\xhh \\uhhhh \\Uhhhhhhhh',
    },
    {
      name: 'a backslash before a line break',
      text: 'weight_feature_name: "ab\\\n cd"',
      message: 'spec.pbtxt:1:25: a backslash at the end of a line: a string ' +
          'cannot go on to the next line; close it there and open another ' +
          '(strings side by side are joined: "ab" "cd" is "abcd")',
    },
  ];
  for (const row of CASES) {
    it(`reports ${row.name}`, () => {
      assert.throws(
          () => parsePhoenixSpec(row.text, 'spec.pbtxt'),
          (e: unknown) => {
            assert.ok(e instanceof TextFormatError);
            assert.equal(e.message, row.message);
            return true;
          });
    });
  }

  it('keeps the location, field and value as properties', () => {
    let error: TextFormatError|undefined;
    try {
      parseTextFormat(
          '\n\n  search_type: COORDINATE_DECENT', PHOENIX_SPEC_TYPE,
          {filename: 'f.pbtxt'});
    } catch (e) {
      error = e as TextFormatError;
    }

    assert.ok(error instanceof TextFormatError);
    assert.equal(error.name, 'TextFormatError');
    assert.deepStrictEqual(
        [error.filename, error.line, error.column, error.field, error.value],
        ['f.pbtxt', 3, 16, 'search_type', 'COORDINATE_DECENT']);
  });
});

describe('loadSpecFile', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spec_file_test_'));
  });
  afterEach(() => {
    fs.rmSync(dir, {recursive: true, force: true});
  });

  it('reads, parses and applies the declared defaults', () => {
    const spec = loadSpecFile('model_search/configs/rnn_all_config.pbtxt');

    assert.equal(spec.maximumDepth, 4);
    assert.equal(spec.blocksToUse!.length, 29);
    assert.equal(spec.learningSpec!.maxDropout, 0.6);
    assert.equal(spec.beamSize, 1);
  });

  it('names the file in parse errors', () => {
    const file = path.join(dir, 'typo.pbtxt');
    fs.writeFileSync(file, 'problem_type: DNN\n  beam_size: five\n');

    assert.throws(
        () => loadSpecFile(file),
        (e: unknown) => e instanceof TextFormatError &&
            e.message === `${file}:2:14: field "beam_size" (int32) expects ` +
                'an integer, found "five"');
  });

  it('says which file is missing', () => {
    const file = path.join(dir, 'absent.pbtxt');

    assert.throws(
        () => loadSpecFile(file),
        (e: unknown) => e instanceof ValueError &&
            e.message.startsWith(
                `cannot read spec file "${file}": no such file (working ` +
                'directory '));
  });

  it('says when the path is a directory', () => {
    assert.throws(() => loadSpecFile(dir), /: it is a directory/);
  });

  it('refuses a FIFO without opening it', () => {
    const fifo = path.join(dir, 'spec.pbtxt');
    child_process.execFileSync('mkfifo', [fifo]);

    // Opened, it would block until a writer came: one comes after 3 s,
    // writing nothing, so that such a test fails rather than hangs.
    const writer = child_process.spawn(
        'sh', ['-c', `sleep 3; : > '${fifo}'`], {stdio: 'ignore'});
    try {
      assert.throws(
          () => loadSpecFile(fifo),
          (e: unknown) => e instanceof ValueError &&
              e.message === `cannot read spec file "${fifo}": not a regular ` +
                  'file (a FIFO, socket or device); give the path of a ' +
                  '.pbtxt PhoenixSpec');
    } finally {
      writer.kill('SIGKILL');
    }
  });

  it('refuses bytes that are not UTF-8, at their line and column', () => {
    const file = path.join(dir, 'latin1.pbtxt');
    // "café" in Latin-1 inside a string: read leniently, the byte would
    // become U+FFFD and change the value.
    fs.writeFileSync(file, Buffer.concat([
      Buffer.from('problem_type: DNN\n# Zoë\nweight_feature_name: "caf'),
      Buffer.from([0xe9]),
      Buffer.from('"\n'),
    ]));

    assert.throws(
        () => loadSpecFile(file),
        (e: unknown) => e instanceof ValueError &&
            e.message === `${file}:3:26: byte 0xe9 is not UTF-8 text; save ` +
                'the spec as UTF-8, or write the byte as an octal escape ' +
                'inside the string (\\351)');
  });

  it('names a compressed spec', () => {
    const file = path.join(dir, 'spec.pbtxt.gz');
    fs.writeFileSync(file, zlib.gzipSync('problem_type: DNN\n'));

    assert.throws(
        () => loadSpecFile(file),
        (e: unknown) => e instanceof ValueError &&
            e.message === `${file}: the file is gzip-compressed, not a text ` +
                `spec; decompress it first (e.g. gzip -dk ${file}, which ` +
                `writes ${path.join(dir, 'spec.pbtxt')})`);
  });

  it('reads a file an editor began with a byte order mark', () => {
    const file = path.join(dir, 'bom.pbtxt');
    fs.writeFileSync(file, '\uFEFFproblem_type: CNN\n');

    assert.equal(loadSpecFile(file).problemType, 1);  // CNN
  });

  it('names a character that shows as nothing by its code point', () => {
    const file = path.join(dir, 'nbsp.pbtxt');
    fs.writeFileSync(file, 'problem_type:\u00a0DNN\n');

    assert.throws(
        () => loadSpecFile(file),
        (e: unknown) => e instanceof TextFormatError &&
            e.message === `${file}:1:14: unexpected character "\u00a0" ` +
                '(U+00A0, a no-break space): non-ASCII characters may ' +
                'appear only inside quoted strings and comments');
  });
});

describe('studySpecText', () => {
  const own = ['  min_learning_rate: 0.000001', '  max_learning_rate: 0.01'];

  it('leaves out this project\'s own fields at their defaults', () => {
    // As versions before those fields printed the shipped configs: a study
    // they started resumes with this one, and the other way round.
    for (const file of fs.readdirSync(CONFIG_DIR)
             .filter((f) => f.endsWith('.pbtxt'))) {
      const spec = loadSpecFile(path.join(CONFIG_DIR, file));
      const printed = printPhoenixSpec(spec).split('\n');
      assert.deepEqual(studySpecText(spec).split('\n'),
                       printed.filter((line) => !own.includes(line)), file);
    }
  });

  it('keeps one set to another value, and every field of the original\'s',
     () => {
       const spec = applyDefaults(parsePhoenixSpec(
           'learning_spec { min_learning_rate: 0.001 min_dropout: 0.1 }'));

       const text = studySpecText(spec);

       assert.match(text, /\n  min_learning_rate: 0\.001\n/);
       assert.doesNotMatch(text, /max_learning_rate:/);
       // An original field at its default stays, as it always printed.
       assert.match(text, /\n  min_dropout: 0\.1\n/);
     });
});
