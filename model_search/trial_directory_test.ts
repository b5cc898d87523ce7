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
import {performance} from 'node:perf_hooks';

import {removeStaleTemporaries} from './trial_directory';
import {machineName} from './metadata/worker_ids';

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
       // The study record's, as earlier versions named it.
       make('study_data.json.tmp-4242', false, old);
       make('study_data.json.tmp-4243', false);
       make('3', true, old);
       make('study_summary.json', false, old);
       make('.hidden', false, old);

       const removed = removeStaleTemporaries(root, 600_000);

       assert.equal(removed, 4);
       assert.deepEqual(fs.readdirSync(root).sort(), [
         '.hidden', '.study_summary.json.tmp-4243-1',
         '.tmp-4-4243-1700000000001', '3', 'study_data.json.tmp-4243',
         'study_summary.json',
       ]);
       fs.rmSync(root, {recursive: true, force: true});
     });

  it('removes at once those of processes of this machine that are gone',
     () => {
       const root = fs.mkdtempSync(path.join(os.tmpdir(), 'stale_'));
       const host = machineName();
       const names = [
         `.tmp-3-4242@${host}-1700000000000`,       // gone: removed
         `.tmp-next-4242@${host}-2`,                // gone: removed
         `.study_summary.csv.tmp-4242@${host}-5`,   // gone: removed
         `.study_data.json.tmp-4242@${host}-1`,     // gone: removed
         `.tmp-4-4243@${host}-1700000000001`,       // alive: kept
         `.tmp-5-4242@other-host-1700000000002`,    // another machine's
         `.tmp-6-${process.pid}@${host}-1700000000003`,  // this process's
       ];
       for (const name of names) fs.mkdirSync(path.join(root, name));
       // Of this process's pid, but changed before it started: an earlier
       // process's that had this pid.
       const earlier = `.tmp-7-${process.pid}@${host}-1700000000004`;
       fs.mkdirSync(path.join(root, earlier));
       const before = new Date(performance.timeOrigin - 1000);
       fs.utimesSync(path.join(root, earlier), before, before);

       const removed =
           removeStaleTemporaries(root, 600_000, (pid) => pid === 4243);

       assert.equal(removed, 5);
       assert.deepEqual(fs.readdirSync(root).sort(), names.slice(4).sort());
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
