/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * bench/steps and bench/search_overhead as users start them: from a
 * directory other than the workspace's, with flags that must be refused
 * before any measuring, and stopped by a signal. Short runs (one step,
 * one trial): what is checked is what they say, not their figures.
 */

import * as assert from 'node:assert/strict';
import {spawn, spawnSync} from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

// Tests run at the workspace root inside the runfiles, the binaries there.
const STEPS = path.resolve('bench/steps');
const SEARCH_OVERHEAD = path.resolve('bench/search_overhead');

/** A directory of this test's own, far from the workspace. */
function scratch(): string {
  return fs.mkdtempSync(path.join(
      process.env['TEST_TMPDIR'] || os.tmpdir(), 'bench_binaries_'));
}

/**
 * A stand-in for Python: passes the `-c 'import torch'` check, then, for
 * the script, says whether it was found, or (`hang`) writes its pid to
 * `pid` and sleeps, as a long PyTorch measurement would.
 */
function fakePython(dir: string, hang = false): string {
  const file = path.join(dir, 'python');
  fs.writeFileSync(file, [
    '#!/bin/sh',
    '[ "$1" = "-c" ] && exit 0',
    hang ? `echo $$ > "${path.join(dir, 'pid')}"; exec sleep 120` :
           '[ -f "$1" ] && echo \'{"available": false, "reason": ' +
               '"script found"}\' && exit 0',
    'echo "cannot open $1" >&2; exit 2',
  ].join('\n') + '\n', {mode: 0o755});
  return file;
}

function run(binary: string, args: string[], cwd: string) {
  const result = spawnSync(binary, args,
                           {cwd, encoding: 'utf8', timeout: 300000});
  return {status: result.status, stdout: result.stdout,
          stderr: result.stderr};
}

const FAST_STEPS = ['--backends=wasm', '--steps=1', '--rounds=1'];

describe('bench/steps', () => {
  it('finds steps_torch.py from another directory', () => {
    const dir = scratch();
    const out = run(STEPS, [...FAST_STEPS, `--python=${fakePython(dir)}`],
                    dir);
    assert.equal(out.status, 0, out.stderr);
    assert.match(out.stdout, /^pytorch: n\/a \(script found\)$/m);
    // cpu left out by --backends: its steps not in the header.
    assert.doesNotMatch(out.stdout, /cpu:/);
  });

  it('trains past its pool of batches, and frees the pool', () => {
    // More steps than the 50 batches made up front: each used again.
    const dir = scratch();
    const out = run(STEPS, ['--backends=wasm', '--steps=53', '--rounds=1',
                            `--python=${fakePython(dir)}`], dir);
    assert.equal(out.status, 0, out.stderr);
    for (const net of ['dnn', 'cnn', 'rnn']) {
      assert.match(out.stdout, new RegExp(`^${net} +wasm .* 0/0 `, 'm'));
    }
  });

  for (const [flag, said] of [
           ['--python=nopython', /--python=nopython: cannot be run/],
           ['--python=/etc/passwd', /--python=\/etc\/passwd: cannot be run/],
           ['--python=/bin/false', /--python=\/bin\/false: `import torch` failed/],
           ['--torch_script=/nonexist.py',
            /--torch_script=\/nonexist.py: no such file/],
         ] as const) {
    it(`refuses ${flag} before measuring`, () => {
      const out = run(STEPS, [...FAST_STEPS, flag], scratch());
      assert.equal(out.status, 2, out.stderr);
      assert.match(out.stderr, said);
      assert.doesNotMatch(out.stderr, /measuring/);
    });
  }

  it('exits 1 when a reference the user named printed no figures', () => {
    const dir = scratch();
    const script = path.join(dir, 'garbage.py');
    fs.writeFileSync(script, '');
    const garbage = path.join(dir, 'python');
    fs.writeFileSync(garbage, '#!/bin/sh\n[ "$1" = "-c" ] && exit 0\n' +
                                  'echo not json\n', {mode: 0o755});
    const out = run(STEPS, [...FAST_STEPS, `--python=${garbage}`,
                            `--torch_script=${script}`], dir);
    assert.equal(out.status, 1, out.stderr);
    assert.match(out.stdout, /^ratio_to_pytorch dnn=n\/a cnn=n\/a rnn=n\/a$/m);
    assert.match(out.stderr, /the PyTorch reference failed: .* printed no figures \(its last line: "not json"\)/);
  });

  it('suggests the backend a name stands for, as the search binary', () => {
    const out = run(STEPS, ['--backends=gpu'], scratch());
    assert.equal(out.status, 2);
    assert.match(out.stderr, /unknown gpu; did you mean "tensorflow-gpu"\?/);
  });

  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    it(`stops PyTorch's process on ${signal}`, async () => {
      const dir = scratch();
      const steps = spawn(STEPS, [...FAST_STEPS,
                                  `--python=${fakePython(dir, true)}`],
                          {cwd: dir, stdio: 'ignore'});
      const exited = new Promise<number|null>(
          (resolve) => steps.on('exit', (code) => resolve(code)));
      const pidFile = path.join(dir, 'pid');
      for (let i = 0; i < 1200 && !fs.existsSync(pidFile); i++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const pid = Number(fs.readFileSync(pidFile, 'utf8'));
      steps.kill(signal);
      const code = await exited;
      let alive = true;
      for (let i = 0; i < 50 && alive; i++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        try {
          process.kill(pid, 0);
        } catch {
          alive = false;
        }
      }
      if (alive) process.kill(pid, 'SIGKILL');
      assert.ok(!alive, `the child ${pid} outlived steps`);
      assert.equal(code, {SIGINT: 130, SIGTERM: 143, SIGHUP: 129}[signal]);
    });
  }
});

describe('bench/search_overhead', () => {
  it('runs from another directory, its figures adding up', () => {
    const out = run(SEARCH_OVERHEAD,
                    ['--problem=dnn', '--backend=cpu', '--trials=1',
                     '--runs=3', '--train_steps=1', '--eval_steps=0'],
                    scratch());
    assert.equal(out.status, 0, out.stderr);
    assert.match(out.stdout, /one whole pass of evaluation/);
    // No wasm memory to speak of on the cpu backend.
    assert.doesNotMatch(out.stdout, /wasm/);
    const first = /^per trial \(run \d of 3, the one of median overhead share\): ([\d.]+) ms = training ([\d.]+) ms \+ evaluation ([\d.]+) ms \+ overhead ([\d.]+) ms \(([\d.]+)%\)$/m
                      .exec(out.stdout);
    assert.ok(first !== null, out.stdout);
    const [wall, train, evaluate, overhead, percent] =
        first.slice(1).map(Number);
    assert.ok(Math.abs(train + evaluate + overhead - wall) <= 0.15,
              first[0]);
    assert.ok(Math.abs(100 * overhead / wall - percent) <= 0.1, first[0]);
    assert.match(out.stdout, new RegExp(
        `^search overhead: ${first[5]}% of trial time$`, 'm'));
  });

  it('suggests the backend a name stands for, as the search binary', () => {
    const out = run(SEARCH_OVERHEAD, ['--backend=tfjs-node'], scratch());
    assert.equal(out.status, 2);
    assert.match(out.stderr, /did you mean "tensorflow"\?/);
  });

  it('--help shows --backend\'s choices and no internal flag', () => {
    const out = run(SEARCH_OVERHEAD, ['--help'], scratch());
    assert.equal(out.status, 0);
    assert.match(out.stdout, /one of: auto, tensorflow-gpu, tensorflow, wasm, cpu/);
    assert.doesNotMatch(out.stdout, /run_one/);
  });

  it('says in one line that a batch is too large for the wasm memory', () => {
    const out = run(SEARCH_OVERHEAD, ['--trials=1', '--runs=1',
                                      '--batch_size=1000000'], scratch());
    assert.equal(out.status, 2);
    const lines = out.stderr.trim().split('\n');
    assert.match(lines[lines.length - 1],
                 /^search_overhead: --batch_size=1000000: the wasm backend ran out of memory/);
    assert.doesNotMatch(out.stderr, /^\s+at /m);
  });
});
