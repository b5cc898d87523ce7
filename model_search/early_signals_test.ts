/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

import * as assert from 'node:assert/strict';
import {spawn} from 'node:child_process';
import {once} from 'node:events';
import * as path from 'node:path';

import {installEarlySignalHandlers, removeEarlySignalHandlers} from './early_signals';

/**
 * A process that loads install_early_signals.js first (as the search
 * binaries do), says "loading" and then holds its thread for `holdMs`, as
 * loading TensorFlow.js and a provider does; then runs `then`.
 */
function slowStart(holdMs: number, then = '') {
  const script = `
    process.stderr.write('loading\\n');
    const start = Date.now();
    while (Date.now() - start < ${holdMs}) {}
    ${then}
    // The work that follows (a search's main), which keeps it alive.
    setTimeout(() => {}, 5000);
  `;
  return spawn(
      process.execPath,
      ['--require', path.join(__dirname, 'install_early_signals.js'), '-e',
       script],
      {stdio: ['ignore', 'ignore', 'pipe']});
}

/** The child's standard error once it says `text`, and its end. */
async function signalOnce(
    child: ReturnType<typeof slowStart>, text: string,
    signal: NodeJS.Signals): Promise<{stderr: string, ended: unknown[]}> {
  let stderr = '';
  const ended = once(child, 'exit');
  await new Promise<void>((resolve) => {
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      if (stderr.includes(text)) resolve();
    });
  });
  child.kill(signal);
  const [code, by] = await ended;
  return {stderr, ended: [code, by]};
}

describe('early signal handlers', function() {
  this.timeout(30000);

  it('say a signal that came while the modules loaded', async () => {
    const {stderr, ended} =
        await signalOnce(slowStart(1500), 'loading', 'SIGINT');

    // Ended by the signal itself, as a shell reports it: exit 130.
    assert.deepEqual(ended, [null, 'SIGINT']);
    assert.match(stderr, /^SIGINT: stopped before the search started$/m);
  });

  it('say SIGTERM too', async () => {
    const {stderr, ended} =
        await signalOnce(slowStart(1500), 'loading', 'SIGTERM');

    assert.deepEqual(ended, [null, 'SIGTERM']);
    assert.match(stderr, /^SIGTERM: stopped before the search started$/m);
  });

  it('leave the signal to the main\'s own handlers once removed',
     async () => {
       const main = `
         const early = require(${
           JSON.stringify(path.join(__dirname, 'early_signals.js'))});
         process.on('SIGINT', () => {
           process.stderr.write('main handled SIGINT\\n');
           process.exit(0);
         });
         early.removeEarlySignalHandlers();
         process.stderr.write('main ready\\n');
         setInterval(() => {}, 1000);
       `;
       const {stderr, ended} =
           await signalOnce(slowStart(0, main), 'main ready', 'SIGINT');

       assert.deepEqual(ended, [0, null]);
       assert.match(stderr, /^main handled SIGINT$/m);
       assert.doesNotMatch(stderr, /stopped before the search started/);
     });

  it('are installed once, and removed', () => {
    const before = process.listenerCount('SIGHUP');
    installEarlySignalHandlers();
    installEarlySignalHandlers();
    assert.equal(process.listenerCount('SIGHUP'), before + 1);
    removeEarlySignalHandlers();
    assert.equal(process.listenerCount('SIGHUP'), before);
  });
});
