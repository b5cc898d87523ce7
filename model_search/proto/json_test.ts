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
import {normalize} from './protoc_testing';
import {applyDefaults, loadSpecFile, messageToJson, parsePhoenixSpec} from './text_format';

const CONFIG_DIR = 'model_search/configs';

/** Every value in `part` is in `whole` at the same place. */
function assertIncludes(whole: unknown, part: unknown, where: string) {
  if (Array.isArray(part)) {
    assert.ok(Array.isArray(whole), where);
    assert.equal(whole.length, part.length, where);
    part.forEach((p, i) => assertIncludes(whole[i], p, `${where}[${i}]`));
  } else if (typeof part === 'object' && part !== null) {
    assert.equal(typeof whole, 'object', where);
    for (const [key, value] of Object.entries(part)) {
      assertIncludes(
          (whole as Record<string, unknown>)[key], value, `${where}.${key}`);
    }
  } else {
    assert.deepStrictEqual(whole, part, where);
  }
}

describe('messageToJson', () => {
  it('includes the defaults the generated toJSON leaves out', () => {
    const spec = loadSpecFile(path.join(CONFIG_DIR, 'dnn_config.pbtxt'));

    const json = messageToJson(spec);

    assert.equal(json['minimumDepth'], 1);
    assert.equal(json['numBlocksInCell'], 4);
    assert.equal(json['searchType'], 'ADAPTIVE_COORDINATE_DESCENT');
    assert.equal(json['weightFeatureName'], '');
    assert.deepStrictEqual(json['multiTaskSpec'], []);
    assert.deepStrictEqual(json['distillationSpec'], {
      distillationType: 'ADAPTIVELY_BALANCE_LOSSES',
      minimalPoolSize: 100,
      temperature: 1,
    });
    assert.equal('replay' in json, false);
    assert.equal(
        'numBlocksInCell' in (PhoenixSpec.toJSON(spec) as object), false);
  });

  const files = fs.readdirSync(CONFIG_DIR).filter((f) => f.endsWith('.pbtxt'));
  for (const file of files) {
    it(`agrees with the generated toJSON and fromJSON on ${file}`, () => {
      const spec = loadSpecFile(path.join(CONFIG_DIR, file));

      const json = messageToJson(spec);

      assertIncludes(json, PhoenixSpec.toJSON(spec), 'spec');
      assert.deepStrictEqual(
          normalize(PhoenixSpec.fromJSON(json)), normalize(spec));
    });
  }

  it('writes non-finite floats, bytes and maps as proto3 JSON does', () => {
    const spec = applyDefaults(parsePhoenixSpec(
        'temperature: inf mutate_probability: nan user_suggestions { ' +
        'hparams { hparam { key: "b" value { bytes_value: "hi" } } } }'));

    const json = messageToJson(spec);

    assert.equal(json['temperature'], 'Infinity');
    assert.equal(json['mutateProbability'], 'NaN');
    assert.deepStrictEqual(json['userSuggestions'], [{
      architecture: [],
      hparams: {hparam: {b: {bytesValue: 'aGk='}}},
    }]);
  });
});
