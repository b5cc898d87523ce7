/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * Runs code as a user whom file permissions hold back, for the tests of
 * what a search says of a file or folder closed to it: root passes every
 * permission, so as root the code runs without the capabilities that let
 * it (setpriv, of util-linux), still as root, owner of the test's files.
 */

import * as assert from 'node:assert/strict';
import {spawnSync} from 'node:child_process';

/**
 * The standard output, trimmed, of `script` (JavaScript for node -e) run
 * as a user held back by permissions; asserts that it exited 0.
 */
export function runHeldBackByPermissions(script: string): string {
  const command = process.getuid?.() === 0 ?
      ['setpriv', '--bounding-set=-dac_override,-dac_read_search',
       process.execPath] :
      [process.execPath];
  const child = spawnSync(command[0], [...command.slice(1), '-e', script],
                          {encoding: 'utf8'});
  assert.equal(child.status, 0, `${child.error ?? ''}${child.stderr}`);
  return child.stdout.trim();
}

/**
 * A script that prints how `call` (an expression of module `m`, the
 * compiled `modulePath`) settles: `done`, or the error's name and message.
 */
export function settleScript(modulePath: string, call: string): string {
  return `const m = require(${JSON.stringify(modulePath)});` +
      `Promise.resolve().then(() => ${call}).then(() => console.log('done'), ` +
      '(e) => console.log(e.name + \': \' + e.message));';
}
