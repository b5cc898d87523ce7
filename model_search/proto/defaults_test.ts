/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

import * as assert from 'node:assert/strict';

import {FieldInfo, FieldLabel, FieldType} from './descriptor_registry';
import {PhoenixSpec_ProblemType} from './phoenix_spec';
import {normalize} from './protoc_testing';
import {applyDefaults, parsePhoenixSpec, PHOENIX_SPEC_TYPE, specRegistry} from './text_format';

const registry = specRegistry();

/** The value a declared default text stands for, worked out here. */
function expectedDefault(field: FieldInfo): unknown {
  const text = field.declaredDefault!;
  switch (field.type) {
    case FieldType.BOOL:
      return text === 'true';
    case FieldType.STRING:
      return text;
    case FieldType.ENUM:
      return registry.enum(field.typeName).byName.get(text)!.number;
    default:
      return Number(text);
  }
}

describe('applyDefaults', () => {
  it('reports every declared default of a spec with only problem_type', () => {
    const spec = applyDefaults(parsePhoenixSpec('problem_type: DNN')) as
        Record<string, unknown>;
    const declared = registry.message(PHOENIX_SPEC_TYPE).fields
        .filter((f) => f.declaredDefault !== undefined);

    assert.deepStrictEqual(declared.map((f) => f.name), [
      'minimum_depth', 'maximum_depth', 'num_blocks_in_cell',
      'reduction_block_type', 'replicate_cell',
      'increase_complexity_probability', 'mutate_probability',
      'crossover_probability', 'random_architecture_probability',
      'beam_size', 'lengths_feature_name', 'cnn_data_format',
      'is_input_shared', 'temperature', 'disable_last_dense_layer',
      'pass_label_dict_as_is',
    ]);
    for (const field of declared) {
      assert.equal(spec[field.property], expectedDefault(field), field.name);
    }
    assert.equal(spec['problemType'], PhoenixSpec_ProblemType.DNN);
  });

  it('gives the documented values', () => {
    const spec = applyDefaults(parsePhoenixSpec('problem_type: DNN'));

    assert.equal(spec.minimumDepth, 2);
    assert.equal(spec.maximumDepth, 30);
    assert.equal(spec.beamSize, 1);
    assert.equal(spec.numBlocksInCell, 4);
    assert.equal(spec.reductionBlockType, 'DOWNSAMPLE_CONVOLUTION_3X3');
    assert.equal(spec.increaseComplexityProbability, 1);
    assert.equal(spec.lengthsFeatureName, 'lengths');
    assert.equal(spec.cnnDataFormat, 'NHWC');
    assert.equal(spec.temperature, 1);
    // No declared default: the type's zero, as ts-proto decodes it.
    assert.equal(spec.searchType, 0);
    assert.equal(spec.weightFeatureName, '');
    assert.equal(spec.useAuxiliaryHead, false);
    assert.deepStrictEqual(spec.blocksToUse, []);
    assert.deepStrictEqual(spec.userSuggestions, []);
  });

  it('keeps message fields unset', () => {
    const spec = applyDefaults(parsePhoenixSpec('problem_type: DNN'));

    for (const name of [
      'replay', 'ensembleSpec', 'distillationSpec', 'learningSpec',
      'transferLearningSpec', 'linearModel',
    ] as const) {
      assert.equal(spec[name], undefined, name);
      assert.equal(name in spec, false, name);
    }
  });

  for (const type of registry.messages()) {
    it(`fills every declared default of ${type.fullName}`, () => {
      const filled = applyDefaults({}, type.fullName) as
          Record<string, unknown>;

      for (const field of type.fields) {
        const value = filled[field.property];
        if (field.declaredDefault !== undefined) {
          assert.equal(value, expectedDefault(field), field.name);
        } else if (field.label === FieldLabel.REPEATED) {
          assert.ok(Array.isArray(value) || typeof value === 'object');
        } else if (field.type === FieldType.MESSAGE || field.oneof) {
          assert.equal(value, undefined, field.name);
        } else {
          assert.notEqual(value, undefined, field.name);
        }
      }
    });

    it(`agrees with ts-proto's defaults for ${type.fullName}`, () => {
      const ours = applyDefaults({}, type.fullName);

      const generated = type.codec.fromPartial({});

      assert.deepStrictEqual(
          normalize(ours, type.fullName), normalize(generated, type.fullName));
    });
  }

  it('fills defaults inside present messages at any depth', () => {
    const spec = applyDefaults(parsePhoenixSpec(
        'learning_spec {} ensemble_spec { intermixed_search {} } ' +
        'multi_task_spec {} multi_task_spec { number_of_classes: 7 } ' +
        'replay { towers { hparams { hparam { key: "k" } } } }'));

    assert.equal(spec.learningSpec!.minDropout, 0.1);
    assert.equal(spec.learningSpec!.maxDropout, 0.6);
    assert.equal(spec.learningSpec!.maxDecayTimes, 5);
    assert.equal(spec.learningSpec!.minLearningRateDecayRate, 0.75);
    assert.equal(spec.ensembleSpec!.freezePrevious, true);
    assert.equal(spec.ensembleSpec!.combiningType, 2);
    assert.equal(spec.ensembleSpec!.noTrainSpeedup, 100);
    assert.equal(spec.ensembleSpec!.nonadaptiveSearch, undefined);
    assert.deepStrictEqual(spec.ensembleSpec!.intermixedSearch, {
      width: 3, tryEnsemblingEvery: 5, numTrialsToConsider: 10});
    assert.deepStrictEqual(
        spec.multiTaskSpec!.map((t) => t.numberOfClasses), [2, 7]);
    assert.equal(spec.multiTaskSpec![0].weightIsAFeature, true);
    const tower = spec.replay!.towers![0];
    assert.deepStrictEqual(tower.architecture, []);
    assert.deepStrictEqual(tower.hparams!.hparam, {k: {}});
  });

  it('keeps values that were set, zero included', () => {
    const spec = applyDefaults(parsePhoenixSpec(
        'minimum_depth: 0 cnn_data_format: "" is_input_shared: true'));

    assert.equal(spec.minimumDepth, 0);
    assert.equal(spec.cnnDataFormat, '');
    assert.equal(spec.isInputShared, true);
  });

  it('does not change its input', () => {
    const parsed = parsePhoenixSpec('learning_spec { min_dropout: 0.2 }');
    const before = structuredClone(parsed);

    applyDefaults(parsed);

    assert.deepStrictEqual(parsed, before);
  });
});
