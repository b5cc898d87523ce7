/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

import {strict as assert} from 'node:assert';

import {UsageError} from '../errors';

import {BackendRequest, selectBackend, threadsBeyondCores} from './select_backend';
import {tf} from './tf';

/** A require that finds every package except `missing`. */
function requireWithout(...missing: string[]): (id: string) => unknown {
  return (id: string) => {
    if (missing.includes(id)) {
      const error = new Error(
          `Cannot find module '${id}'\nRequire stack:\n- select_backend.js`);
      (error as Error & {code: string}).code = 'MODULE_NOT_FOUND';
      throw error;
    }
    return require(id);
  };
}

function installed(id: string): boolean {
  try {
    require.resolve(id);
    return true;
  } catch {
    return false;
  }
}

const NODE_GPU = '@tensorflow/tfjs-node-gpu';
const NODE = '@tensorflow/tfjs-node';

describe('threadsBeyondCores', () => {
  it('warns of more wasm threads than cores only', () => {
    assert.equal(threadsBeyondCores(2, 2), undefined);
    assert.equal(threadsBeyondCores(1, 1), undefined);
    assert.equal(
        threadsBeyondCores(4, 2),
        '--wasm_threads=4 is more than this machine\'s 2 cores: the threads ' +
            'wait for each other and training steps get several times ' +
            'slower; give at most --wasm_threads=2');
    assert.match(threadsBeyondCores(2, 1)!, /this machine's 1 core:/);
  });
});

describe('selectBackend', () => {
  it('picks wasm on auto when no tfjs-node package is installed', async () => {
    const lines: string[] = [];

    const selected = await selectBackend(
        'auto', line => lines.push(line),
        {require: requireWithout(NODE_GPU, NODE)});

    const simd = tf.env().getBool('WASM_HAS_SIMD_SUPPORT') ? '' : 'out';
    assert.deepEqual(selected, {
      name: 'wasm',
      reasons: ['tensorflow-gpu: not installed', 'tensorflow: not installed'],
    });
    assert.deepEqual(lines, [
      `backend: wasm with${simd} simd, 1 thread (tensorflow-gpu: not ` +
      `installed; tensorflow: not installed)`,
    ]);
    assert.equal(tf.getBackend(), 'wasm');
    assert.ok(tf.getKernel(tf.Conv2DBackpropFilter, 'wasm') !== undefined);
  });

  it('picks on auto the first backend whose package is here', async () => {
    const expected = installed(NODE_GPU) ? 'tensorflow-gpu' :
        installed(NODE)                  ? 'tensorflow' :
                                           'wasm';

    const selected = await selectBackend('auto', () => {});

    assert.equal(selected.name, expected);
  });

  it('starts cpu when asked for it', async () => {
    const lines: string[] = [];

    const selected = await selectBackend('cpu', line => lines.push(line));

    assert.deepEqual(selected, {name: 'cpu', reasons: []});
    assert.deepEqual(lines, ['backend: cpu']);
    assert.equal(tf.getBackend(), 'cpu');
  });

  it('keeps a new cpu backend from printing tfjs-node advice', async () => {
    // A fresh instance: the banner comes with an instance's first tensor.
    const factory = tf.findBackendFactory('cpu');
    tf.removeBackend('cpu');
    tf.registerBackend('cpu', factory, 1);
    const warned: unknown[] = [];
    const warn = console.warn;
    console.warn = (...args: unknown[]) => warned.push(args);
    try {
      await selectBackend('cpu', () => {});
      tf.tensor([1, 2]).dispose();
    } finally {
      console.warn = warn;
    }

    assert.deepEqual(warned, []);
  });

  it('names --backend and the package when tensorflow is missing',
     async () => {
       const v = tf.version_core;

       await assert.rejects(
           selectBackend(
               'tensorflow', () => {},
               {require: requireWithout(NODE_GPU, NODE)}),
           (e: Error) => {
             assert.ok(e instanceof UsageError);
             assert.equal(
                 e.message,
                 '--backend=tensorflow: no backend could be started ' +
                     '(tensorflow-gpu: not installed; tensorflow: not ' +
                     `installed); install @tensorflow/tfjs-node@${v} (or ` +
                     `@tensorflow/tfjs-node-gpu@${v} for CUDA; both ` +
                     'download libtensorflow while installing) or pass ' +
                     '--backend=wasm');
             return true;
           });
     });

  it('insists on CUDA for tensorflow-gpu', async () => {
    await assert.rejects(
        selectBackend('tensorflow-gpu', () => {},
                      {require: requireWithout(NODE_GPU)}),
        {
          name: 'UsageError',
          message: '--backend=tensorflow-gpu: no backend could be started ' +
              '(tensorflow-gpu: not installed); install ' +
              `@tensorflow/tfjs-node-gpu@${tf.version_core} with CUDA and ` +
              'cuDNN as it asks (it downloads libtensorflow while ' +
              'installing), or pass --backend=auto for the fastest backend ' +
              'installed',
        });
  });

  it('names the package when wasm is missing', async () => {
    await assert.rejects(
        selectBackend(
            'wasm', () => {},
            {require: requireWithout('@tensorflow/tfjs-backend-wasm')}),
        {
          name: 'UsageError',
          message: '--backend=wasm: no backend could be started (wasm: ' +
              'not installed); install @tensorflow/tfjs-backend-wasm@' +
              `${tf.version_core} or pass --backend=cpu`,
        });
  });

  it('says why an installed package failed to load', async () => {
    const lines: string[] = [];
    const load = (id: string) => {
      if (id === NODE_GPU) {
        throw new Error(
            'libtensorflow.so.2: cannot open shared object file\nstack');
      }
      return requireWithout(NODE)(id);
    };

    const selected = await selectBackend(
        'auto', line => lines.push(line), {require: load});

    assert.deepEqual(selected.reasons, [
      'tensorflow-gpu: failed to load: libtensorflow.so.2: cannot open ' +
          'shared object file',
      'tensorflow: not installed',
    ]);
    assert.match(lines[0], /^backend: wasm .*\(tensorflow-gpu: failed/);
  });

  it('skips a package that registers no backend here', async () => {
    const load = (id: string) => id === NODE_GPU || id === NODE ?
        {} :
        require(id);

    const selected = await selectBackend('auto', () => {}, {require: load});

    assert.equal(selected.name, 'wasm');
    assert.ok(
        selected.reasons[1].startsWith(
            'tensorflow: @tensorflow/tfjs-node loaded but registered no ' +
            '\'tensorflow\' backend with this copy of tfjs-core'),
        selected.reasons[1]);
  });

  it('rejects an unknown backend with a suggestion', async () => {
    await assert.rejects(
        selectBackend('wsam' as BackendRequest, () => {}), {
          name: 'UsageError',
          message: '--backend=wsam: unknown backend; did you mean "wasm"?; ' +
              'choose one of auto, tensorflow-gpu, tensorflow, wasm, cpu',
        });
  });
});
