/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */


import * as assert from 'node:assert/strict';

import {Random} from './random';

describe('Random', () => {
  it('repeats its sequence for one seed and differs for another', () => {
    const a = new Random(42);
    const b = new Random(42);
    const c = new Random(43);
    const seqA = Array.from({length: 5}, () => a.nextUint32());
    assert.deepEqual(seqA, Array.from({length: 5}, () => b.nextUint32()));
    assert.notDeepEqual(seqA, Array.from({length: 5}, () => c.nextUint32()));
  });

  it('draws uniform values in [0, 1) with the right mean', () => {
    const rng = new Random(1);
    let sum = 0;
    for (let i = 0; i < 20000; i++) {
      const u = rng.uniform();
      assert.ok(u >= 0 && u < 1);
      sum += u;
    }
    assert.ok(Math.abs(sum / 20000 - 0.5) < 0.01);
  });

  it('covers every integer of int(n) about equally', () => {
    const rng = new Random(7);
    const counts = new Array(6).fill(0);
    for (let i = 0; i < 6000; i++) counts[rng.int(6)]++;
    for (const c of counts) assert.ok(c > 850 && c < 1150, String(counts));
  });

  it('keeps logUniform inside its bounds', () => {
    const rng = new Random(3);
    for (let i = 0; i < 1000; i++) {
      const v = rng.logUniform(1e-6, 1e-2);
      assert.ok(v >= 1e-6 && v <= 1e-2);
    }
  });

  it('shuffles into a permutation', () => {
    const items = Array.from({length: 50}, (_, i) => i);
    const shuffled = new Random(5).shuffle([...items]);
    assert.notDeepEqual(shuffled, items);
    assert.deepEqual([...shuffled].sort((x, y) => x - y), items);
  });
});
