/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

import * as assert from 'node:assert/strict';
import {spawn, spawnSync} from 'node:child_process';
import {once} from 'node:events';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

describe('exitAtOnce', function() {
  this.timeout(30000);

  it('ends the process while a thread waits in a system call',
     async function() {
       const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'exit_at_once_'));
       const fifo = path.join(dir, 'pipe');
       try {
         if (spawnSync('mkfifo', [fifo]).status !== 0) this.skip();
         // A thread that opens a FIFO no one reads waits in open(2) for
         // ever, as a writer thread on a hung disk would.
         const script = `
           const {Worker} = require('node:worker_threads');
           const {exitAtOnce} = require(${
               JSON.stringify(path.join(__dirname, 'exit_at_once.js'))});
           new Worker(\`require('node:fs').openSync(\${
               JSON.stringify(${JSON.stringify(fifo)})}, 'w')\`, {eval: true});
           process.on('SIGINT', () => {});
           setTimeout(() => exitAtOnce('SIGINT', 130), 300);
         `;
         const child = spawn(process.execPath, ['-e', script],
                             {stdio: ['ignore', 'ignore', 'inherit']});
         // Not ended in 10 s: it would wait for the thread for ever.
         const deadline = setTimeout(() => child.kill('SIGKILL'), 10000);
         const [code, signal] = await once(child, 'exit');
         clearTimeout(deadline);
         assert.deepEqual([code, signal], [null, 'SIGINT']);
       } finally {
         fs.rmSync(dir, {recursive: true, force: true});
       }
     });
});
