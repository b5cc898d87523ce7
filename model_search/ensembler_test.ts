/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

import * as assert from 'node:assert/strict';

import {tf} from './backend/tf';
import {Ensembler} from './ensembler';
import {parsePhoenixSpec} from './proto/text_format';

function ensembler(text: string): Ensembler {
  return new Ensembler({
    ensembleSpec: parsePhoenixSpec(
        `problem_type: DNN\nensemble_spec { ${text} }\n`).ensembleSpec,
    numClasses: 2,
    namePrefix: 'test/ensemble',
  });
}

describe('Ensembler', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });

  for (const combining of ['AVERAGE_ENSEMBLE', 'WEIGHTED_ENSEMBLE']) {
    it(`${combining} starts as the mean of the member logits`, () => {
      const bundle = ensembler(
          'ensemble_search_type: NONADAPTIVE_ENSEMBLE_SEARCH ' +
          `combining_type: ${combining}`).bundleLogits(2, 1);
      const inputs = [0, 1, 2].map((i) => tf.input({shape: [2],
                                                    name: `member_${i}`}));
      const model = tf.model({inputs, outputs: bundle.combine(inputs)});

      const got = tf.tidy(() => (model.predict([
        tf.tensor2d([[3, -3]]), tf.tensor2d([[0, 6]]), tf.tensor2d([[6, 0]]),
      ]) as tf.Tensor).arraySync()) as number[][];

      assert.equal(got.length, 1);
      [3, 1].forEach((want, i) => assert.ok(
          Math.abs(got[0][i] - want) < 1e-5, `logit ${i}: ${got[0][i]}`));
      model.dispose();
    });
  }

  const TRAINS: Array<[string, string, number, string[]]> = [
    // [search type, combining, search towers, what trains]
    ['NONADAPTIVE_ENSEMBLE_SEARCH', 'AVERAGE_ENSEMBLE', 0, []],
    ['NONADAPTIVE_ENSEMBLE_SEARCH', 'WEIGHTED_ENSEMBLE', 0, ['ensemble']],
    ['INTERMIXED_NONADAPTIVE_ENSEMBLE_SEARCH', 'AVERAGE_ENSEMBLE', 0, []],
    ['ADAPTIVE_ENSEMBLE_SEARCH', 'AVERAGE_ENSEMBLE', 1, ['search']],
    ['ADAPTIVE_ENSEMBLE_SEARCH', 'WEIGHTED_ENSEMBLE', 1,
     ['ensemble', 'search']],
    ['RESIDUAL_ENSEMBLE_SEARCH', 'AVERAGE_ENSEMBLE', 1, ['ensemble']],
  ];
  for (const [type, combining, search, train] of TRAINS) {
    it(`${type} with ${combining} trains ${train.join(' and ') ||
                                            'nothing'}`, () => {
      const bundle = ensembler(`ensemble_search_type: ${type} ` +
                               `combining_type: ${combining}`)
                         .bundleLogits(2, search);

      assert.deepEqual(bundle.train, train);
    });
  }

  it('trains the imported towers too when they are not frozen', () => {
    const bundle = ensembler(
        'ensemble_search_type: NONADAPTIVE_ENSEMBLE_SEARCH ' +
        'combining_type: AVERAGE_ENSEMBLE freeze_previous: false')
                       .bundleLogits(2, 0);

    assert.deepEqual(bundle.train, ['ensemble']);
  });
});
