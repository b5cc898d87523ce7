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

  it('gives one source per (seed, index), unlike its neighbours', () => {
    const first = (r: Random) => Array.from({length: 4}, () => r.nextUint32());
    assert.deepEqual(first(Random.forIndex(7, 3)), first(Random.forIndex(7, 3)));
    const seen = new Set<string>();
    for (const seed of [0, 1, 7]) {
      for (let index = 0; index < 50; index++) {
        seen.add(first(Random.forIndex(seed, index)).join());
      }
    }
    assert.equal(seen.size, 150);
    // Independent of the seed's own stream too.
    assert.notDeepEqual(first(Random.forIndex(7, 0)), first(new Random(7)));
  });

  it('fills 32-bit arrays with the sequence of nextUint32', () => {
    const a = new Random(21);
    const b = new Random(21);
    const bits = new Uint32Array(1000);
    a.fillUint32(bits.subarray(0, 300));
    a.fillUint32(bits.subarray(300));
    assert.deepEqual(Array.from(bits), Array.from({length: 1000},
                                                  () => b.nextUint32()));
    assert.equal(a.nextUint32(), b.nextUint32());
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

  it('fills uniform arrays inside the bounds with the right moments', () => {
    const out = new Float32Array(100000);
    new Random(11).fillUniform(out, -0.5, 1.5);
    const {mean, variance, min, max} = moments(out);
    assert.ok(min >= -0.5 && max <= 1.5, `${min} ${max}`);
    assert.ok(Math.abs(mean - 0.5) < 0.01, String(mean));
    // Uniform over a width of 2: variance 4 / 12.
    assert.ok(Math.abs(variance - 1 / 3) < 0.01, String(variance));
  });

  it('fills uniform arrays with the draws one at a time would give', () => {
    // Seeded weights stay as they were: the loop is the generator's.
    const out = new Float32Array(20001);
    const filled = new Random(21);
    filled.fillUniform(out, -2, 3);
    const single = new Random(21);
    for (let i = 0; i < out.length; i++) {
      assert.equal(out[i], Math.fround(-2 + 5 * single.uniform()), `at ${i}`);
    }
    // And the generator goes on from there.
    assert.equal(filled.nextUint32(), single.nextUint32());
  });

  it('fills normal arrays with the right moments', () => {
    const out = new Float32Array(100001);  // odd: the last pair is split
    new Random(12).fillNormal(out, 3, 2);
    const {mean, variance} = moments(out);
    assert.ok(Math.abs(mean - 3) < 0.03, String(mean));
    assert.ok(Math.abs(variance - 4) < 0.08, String(variance));
    assert.ok(out.every((x) => Number.isFinite(x)));
  });

  it('fills truncated normal arrays within two deviations', () => {
    const out = new Float32Array(200000);
    new Random(13).fillTruncatedNormal(out, 1, 0.5);
    const {mean, variance, min, max} = moments(out);
    assert.ok(min >= 0 && max <= 2, `${min} ${max}`);
    assert.ok(min < 0.01 && max > 1.99, `${min} ${max}: tails reached`);
    assert.ok(Math.abs(mean - 1) < 0.005, String(mean));
    // A standard normal cut at +-2 has variance 0.77374.
    assert.ok(Math.abs(variance / 0.25 - 0.77374) < 0.01, String(variance));
  });

  it('cuts the normal at its quantiles: the CDF of the samples matches', () => {
    // Differential against the normal CDF: Phi at a few points, from
    // tables (Abramowitz and Stegun 26.2), renormalised to [-2, 2].
    const phi: Array<[number, number]> =
        [[-1.5, 0.0668072], [-1, 0.1586553], [-0.5, 0.3085375], [0, 0.5],
         [0.5, 0.6914625], [1, 0.8413447], [1.5, 0.9331928]];
    const low = 0.0227501;
    const high = 0.9772499;
    const out = new Float32Array(400000);
    new Random(14).fillTruncatedNormal(out, 0, 1);
    for (const [z, p] of phi) {
      const expected = (p - low) / (high - low);
      const seen = out.filter((x) => x <= z).length / out.length;
      // Four standard errors of a fraction of 400000 samples.
      assert.ok(Math.abs(seen - expected) < 0.0032,
                `P(x <= ${z}) = ${seen}, expected ${expected}`);
    }
  });

  it('draws the same truncated normals for small and large arrays', () => {
    const small = new Float32Array(1000);
    const large = new Float32Array(1 << 15);
    const a = new Random(21);
    const b = new Random(21);
    a.fillTruncatedNormal(small, 0.5, 2);
    b.fillTruncatedNormal(large, 0.5, 2);
    assert.deepEqual(small, large.subarray(0, small.length));
    // Both leave the generator where as many single draws would.
    const c = new Random(21);
    for (let i = 0; i < large.length; i++) c.nextUint32();
    assert.equal(b.nextUint32(), c.nextUint32());
  });

  it('agrees with rejection sampling on the truncated variance', () => {
    const box = new Float32Array(400000);
    new Random(15).fillNormal(box, 0, 1);
    const kept = box.filter((x) => Math.abs(x) <= 2);
    const table = new Float32Array(kept.length);
    new Random(16).fillTruncatedNormal(table, 0, 1);
    const a = moments(kept);
    const b = moments(table);
    assert.ok(Math.abs(a.variance - b.variance) < 0.01,
              `${a.variance} vs ${b.variance}`);
  });

  it('shuffles into a permutation', () => {
    const items = Array.from({length: 50}, (_, i) => i);
    const shuffled = new Random(5).shuffle([...items]);
    assert.notDeepEqual(shuffled, items);
    assert.deepEqual([...shuffled].sort((x, y) => x - y), items);
  });
});

function moments(values: Float32Array):
    {mean: number, variance: number, min: number, max: number} {
  let sum = 0;
  let squares = 0;
  let min = Infinity;
  let max = -Infinity;
  for (const v of values) {
    sum += v;
    squares += v * v;
    min = Math.min(min, v);
    max = Math.max(max, v);
  }
  const mean = sum / values.length;
  return {mean, variance: squares / values.length - mean * mean, min, max};
}
