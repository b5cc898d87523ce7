/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * The cli that model_search_oss_binary makes beside a binary knows the
 * blocks of the binary's library; the plain cli does not.
 */

import * as assert from 'node:assert/strict';
import {spawnSync} from 'node:child_process';
import * as fs from 'node:fs';

const HERE = 'model_search/testing/user_extension';

function cli(launcher: string, ...args: string[]):
    {code: number|null, out: string} {
  const run = spawnSync(launcher, args, {encoding: 'utf8'});
  return {code: run.status, out: `${run.stdout}${run.stderr}`};
}

describe('spiral_binary_cli', function() {
  this.timeout(60000);

  it('lists the user\'s block among the blocks', () => {
    const {code, out} = cli(`${HERE}/spiral_binary_cli`, 'blocks');
    assert.equal(code, 0, out);
    assert.match(out, /^USER_SQUARED_RELU_DENSE_24 +20001 +DNN$/m);
    assert.match(out, /^FULLY_CONNECTED /m);
  });

  it('accepts the spec that uses it, which the plain cli refuses', () => {
    const spec = `${HERE}/user_spec.pbtxt`;
    const linked = cli(`${HERE}/spiral_binary_cli`, 'validate-spec', spec);
    assert.equal(linked.code, 0, linked.out);
    assert.match(linked.out, /USER_SQUARED_RELU_DENSE_24/);

    const plain = cli('model_search/cli', 'validate-spec', spec);
    assert.equal(plain.code, 2, plain.out);
    assert.match(plain.out, /USER_SQUARED_RELU_DENSE_24/);
  });

  it('says plainly when its output cannot be written', function() {
    if (!fs.existsSync('/dev/full')) this.skip();
    const full = fs.openSync('/dev/full', 'w');
    try {
      const run = spawnSync(`${HERE}/spiral_binary_cli`, ['blocks'],
                            {encoding: 'utf8', stdio: ['ignore', full, 'pipe']});
      assert.equal(run.status, 1, run.stderr);
      assert.equal(run.stderr,
                   'cli: cannot write to standard output (no space left on ' +
                   'the device); nothing more was written\n');
    } finally {
      fs.closeSync(full);
    }
  });
});
