/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import {removeStaleTemporaries} from './trial_directory';

describe('removeStaleTemporaries', () => {
  it('removes old temporaries of trials and summaries, nothing else',
     () => {
       const root = fs.mkdtempSync(path.join(os.tmpdir(), 'stale_'));
       const old = new Date(Date.now() - 3_600_000);
       const make = (name: string, directory: boolean, when?: Date) => {
         const full = path.join(root, name);
         if (directory) {
           fs.mkdirSync(full);
         } else {
           fs.writeFileSync(full, '');
         }
         if (when !== undefined) fs.utimesSync(full, when, when);
       };
       make('.tmp-3-4242-1700000000000', true, old);
       make('.study_summary.json.tmp-4242-7', false, old);
       make('.study_summary.csv.tmp-4242-8', false, old);
       make('.study_summary.json.tmp-4243-1', false);  // a live writer's
       make('.tmp-4-4243-1700000000001', true);         // a live trial's
       make('3', true, old);
       make('study_summary.json', false, old);
       make('.hidden', false, old);

       const removed = removeStaleTemporaries(root, 600_000);

       assert.equal(removed, 3);
       assert.deepEqual(fs.readdirSync(root).sort(), [
         '.hidden', '.study_summary.json.tmp-4243-1',
         '.tmp-4-4243-1700000000001', '3', 'study_summary.json',
       ]);
       fs.rmSync(root, {recursive: true, force: true});
     });

  it('skips a temporary that vanishes while it looks', () => {
    // Another worker renames its summary file between readdir and stat;
    // a dangling link makes stat fail the same way.
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'stale_'));
    const gone = path.join(root, '.study_summary.json.tmp-305-1');
    fs.symlinkSync(path.join(root, 'renamed-away'), gone);
    fs.mkdirSync(path.join(root, '.tmp-1-9-1'));
    const old = new Date(Date.now() - 3_600_000);
    fs.utimesSync(path.join(root, '.tmp-1-9-1'), old, old);

    assert.equal(removeStaleTemporaries(root, 600_000), 1);
    assert.deepEqual(fs.readdirSync(root), ['.study_summary.json.tmp-305-1']);
    fs.rmSync(root, {recursive: true, force: true});
  });
});
