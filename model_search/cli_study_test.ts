/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * `cli trials` and `cli report` through the command dispatcher, on a
 * study written the way a search writes it.
 */

import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

// With its extension: beside cli.js sits the `cli` launcher of the
// js_binary, which a bare './cli' would load instead.
import {cliMain} from './cli.js';
import {SAMPLE, writeStudy} from './report/study_fixtures_testing';

/** Runs `cli` with its output collected. */
async function cli(argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const status = await cliMain(argv, (s) => out.push(s), (s) => err.push(s));
  return {status, out, err: err.join('\n')};
}

describe('cli trials and report', () => {
  let dir: string;
  before(async () => {
    dir = fs.mkdtempSync(path.join(process.env['TEST_TMPDIR'] ?? os.tmpdir(),
                                   'cli_study_test_'));
    await writeStudy(path.join(dir, 'study'), SAMPLE);
  });
  after(() => {
    fs.rmSync(dir, {recursive: true, force: true});
  });

  it('lists both subcommands in the usage', async () => {
    const result = await cli(['--help']);

    assert.equal(result.status, 0);
    assert.match(result.out.join('\n'), /^  trials +--model_dir=DIR/m);
    assert.match(result.out.join('\n'), /^  report +--model_dir=DIR/m);
  });

  it('trials prints a row per trial sorted by a metric', async () => {
    const result = await cli(['trials', `--model_dir=${dir}/study`,
                              '--sort=accuracy']);

    assert.equal(result.status, 0, result.err);
    const rows = result.out.filter((l) => /^\*?\s+\d+\s+[A-Z]+\s/.test(l));
    assert.equal(rows.length, SAMPLE.length);
    // Accuracy, larger first: trials 3 (0.95), 5, 1, 2; then the two
    // without accuracy.
    assert.deepEqual(rows.slice(0, 4).map((l) => Number(/(\d+)/.exec(l)![1])),
                     [3, 5, 1, 2]);
    assert.match(rows[0], /^\*/);
    assert.match(result.out[result.out.length - 1],
                 /^6 trials: 4 completed, 1 failed, 1 running; best loss/);
  });

  it('ranks by the objective the database keeps, a broken summary aside',
     async () => {
       const kept = path.join(dir, 'kept');
       await writeStudy(kept, SAMPLE,
                        {objective: {metric: 'accuracy', goal: 'maximize'}});
       fs.writeFileSync(path.join(kept, 'study_summary.json'), '{garbage');

       const result = await cli(['trials', `--model_dir=${kept}`]);

       assert.equal(result.status, 0, result.err);
       assert.ok(result.out.includes(
                     'objective: accuracy (maximize, from database); * ' +
                     'marks the best'),
                 result.out.join('\n'));
       const best = result.out.find((l) => l.startsWith('*'));
       assert.match(best ?? '', /^\*\s+3\s/);
     });

  it('names a broken summary it needs, with exit 2', async () => {
    const old = path.join(dir, 'old');
    await writeStudy(old, SAMPLE);
    fs.writeFileSync(path.join(old, 'study_summary.json'), '{garbage');

    const result = await cli(['trials', `--model_dir=${old}`]);

    assert.equal(result.status, 2, result.out.join('\n'));
    assert.match(result.err,
                 /study_summary\.json is not a study summary \(.*\); give --optimization_metric and --optimization_goal/);
  });

  it('report writes one page with a row per trial', async () => {
    const out = path.join(dir, 'report.html');

    const result = await cli(['report', `--model_dir=${dir}/study`,
                              `--out=${out}`]);

    assert.equal(result.status, 0, result.err);
    assert.deepEqual(result.out, [`wrote ${out} (6 trials, objective loss ` +
                                  'minimize, from default)']);
    const html = fs.readFileSync(out, 'utf8');
    assert.equal(html.match(/<tr [^>]*data-trial-id=/g)?.length, 6);
  });

  it('report --out=- writes the page to standard output, no file', async () => {
    const before = fs.readdirSync(process.cwd());

    const result = await cli(['report', `--model_dir=${dir}/study`, '--out=-']);

    assert.equal(result.status, 0, result.err);
    const page = result.out.join('\n');
    assert.match(page, /^<!DOCTYPE html>/i);
    assert.equal(page.match(/<tr [^>]*data-trial-id=/g)?.length, 6);
    assert.ok(!page.includes('wrote '), 'only the page on standard output');
    assert.deepEqual(fs.readdirSync(process.cwd()), before);
    assert.ok(!fs.existsSync(path.join(dir, 'study', 'report.html')));
  });

  it('report replaces its own page but no other file', async () => {
    const out = path.join(dir, 'again.html');
    const args = ['report', `--model_dir=${dir}/study`, `--out=${out}`];
    assert.equal((await cli(args)).status, 0);
    // Its own page, written before: replaced.
    fs.appendFileSync(out, '<!-- stale -->');
    const again = await cli(args);
    assert.equal(again.status, 0, again.err);
    assert.ok(!fs.readFileSync(out, 'utf8').includes('stale'));
    // The study's database, a slip of the name: left as it is.
    const db = path.join(dir, 'study', 'model_search.db');
    const before = fs.readFileSync(db);
    const refused = await cli(['report', `--model_dir=${dir}/study`,
                               `--out=${db}`]);
    assert.equal(refused.status, 2, refused.out.join('\n'));
    assert.equal(refused.err.trim(),
                 `report: --out=${db} exists and is not a page this command ` +
                     'wrote; it is left as it is: name a new file (or ' +
                     'remove that one first)');
    assert.deepEqual(fs.readFileSync(db), before);
  });

  const bad: Array<[string, string[], RegExp]> = [
    ['trials without --model_dir', ['trials'], /--model_dir is required/],
    ['trials on a directory with no study', ['trials', '--model_dir=EMPTY'],
     /holds no model_search\.db/],
    ['trials with an unknown metric column',
     ['trials', '--model_dir=STUDY', '--metrics=acuracy'],
     /no trial has acuracy; did you mean "accuracy"/],
    ['report into a missing directory',
     ['report', '--model_dir=STUDY', '--out=/nonexistent/dir/r.html'],
     /directory \/nonexistent\/dir does not exist/],
    ['report into a directory', ['report', '--model_dir=STUDY', '--out=EMPTY'],
     /--out=.*\/empty is a directory; name the page to write, e\.g\. --out=.*\/empty\/report\.html/],
    ['report under a file', ['report', '--model_dir=STUDY', '--out=AFILE/r.html'],
     /--out=.*\/afile\/r\.html: cannot write it \(.*\/afile is not a directory\); give a file in a directory you can write to/],
    ['report named as a trial directory',
     ['report', '--model_dir=STUDY', '--out=STUDY/40'],
     /--out=\S+\/study\/40 takes the name of a trial directory of the study; name the page otherwise, e\.g\. --out=\S+\/study\/report\.html/],
    ['report named as a trial directory, through a link',
     ['report', '--model_dir=STUDY', '--out=LINKED/41'],
     /--out=\S+\/linked\/41 takes the name of a trial directory of the study/],
    ['report with an unknown flag', ['report', '--model_dir=STUDY', '--outt=x'],
     /unknown flag --outt/],
  ];
  for (const [name, argv, message] of bad) {
    it(`exits 2 on ${name}`, async () => {
      fs.mkdirSync(path.join(dir, 'empty'), {recursive: true});
      fs.writeFileSync(path.join(dir, 'afile'), '');
      if (!fs.existsSync(path.join(dir, 'linked'))) {
        fs.symlinkSync(path.join(dir, 'study'), path.join(dir, 'linked'));
      }
      const args = argv.map((a) => a.replace('EMPTY', `${dir}/empty`)
                                    .replace('AFILE', `${dir}/afile`)
                                    .replace('LINKED', `${dir}/linked`)
                                    .replace('STUDY', `${dir}/study`));

      const result = await cli(args);

      assert.equal(result.status, 2, result.out.join('\n'));
      assert.match(result.err, message);
      assert.deepEqual(result.out, []);
    });
  }
});
