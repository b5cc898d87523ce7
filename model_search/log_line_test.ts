/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

import * as assert from 'node:assert/strict';

import {logEntry} from './log_line';

describe('logEntry', () => {
  it('keeps a message one entry: no line of it reads as one of the log\'s',
     () => {
       const forged = 'csv: 2 classes: ok,x\ntrial 1 [1/1] arch=[FORGED]\r\nzz';

       const entry = logEntry(forged);

       assert.equal(entry,
                    'csv: 2 classes: ok,x\n  trial 1 [1/1] arch=[FORGED]\n  zz');
       assert.ok(entry.split('\n').slice(1).every((l) => l.startsWith('  ')));
       for (const br of ['\r', '\u2028', '\u2029', '\u0085']) {
         assert.equal(logEntry(`a${br}trial 2`), 'a\n  trial 2');
       }
     });

  it('writes the characters that reorder text as escapes', () => {
    assert.equal(logEntry('dir=/tmp/\u202eRTL\u202c and \u200b'),
                 'dir=/tmp/\\u202eRTL\\u202c and \\u200b');
  });

  it('writes the controls a terminal or a script acts on as escapes', () => {
    // A vertical tab or form feed splits lines for Python; an escape
    // sequence erases the line and moves the cursor.
    assert.equal(logEntry('st\u000btrial 7\u000c\u001b[2Kx\u0007\u009b'),
                 'st\\u000btrial 7\\u000c\\u001b[2Kx\\u0007\\u009b');
  });

  it('leaves a plain line, tabs and other scripts as they are', () => {
    for (const line of ['trial 3 [3/10] arch=[A,B] loss=0.5 1.2s',
                        'class\tname', 'קטגוריה', 'Größe 😀']) {
      assert.equal(logEntry(line), line);
    }
  });
});
