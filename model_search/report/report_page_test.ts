/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * The report page in a real browser: headless Chromium from Debian's
 * `chromium` package loads the page `report` writes, and the test reads
 * back the DOM after the page's script ran, the console and a screenshot.
 * Without chromium this fails saying how to install it.
 */

import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import {countColor, countNonWhite, findChromium, loadPage} from './chromium_testing';
import type {PageRun} from './chromium_testing';
import {reportCommand} from './report_command';
import {SAMPLE, writeStudy} from './study_fixtures_testing';

/** The colour of a trial's point in the objective plot (svg_charts.ts). */
const POINT_COLOR = '#1f77b4';
/** The colour of the best trial's point. */
const BEST_COLOR = '#ff7f0e';

describe('report page in headless Chromium', function() {
  this.timeout(180000);
  let dir: string;
  let page: PageRun;
  before(async () => {
    findChromium();
    dir = fs.mkdtempSync(path.join(process.env['TEST_TMPDIR'] ?? os.tmpdir(),
                                   'report_page_test_'));
    await writeStudy(dir, SAMPLE);
    const err: string[] = [];
    const status = await reportCommand(
        [`--model_dir=${dir}`], () => {}, (s) => err.push(s));
    assert.equal(status, 0, err.join('\n'));
    page = loadPage(path.join(dir, 'report.html'),
                    {width: 1280, height: 1600});
  });
  after(() => {
    if (dir !== undefined) fs.rmSync(dir, {recursive: true, force: true});
  });

  it('loads with no console messages or errors', () => {
    assert.deepEqual(page.console, []);
  });

  it('shows one table row per trial', () => {
    const body = /<table id="trials-table">[\s\S]*?<tbody>([\s\S]*?)<\/tbody>/
        .exec(page.dom);
    assert.ok(body, 'no trials table in the DOM');
    const ids = [...body[1].matchAll(/<tr [^>]*data-trial-id="(\d+)"/g)]
        .map((m) => Number(m[1])).sort((a, b) => a - b);

    assert.deepEqual(ids, [1, 2, 3, 4, 5, 6]);
  });

  it('draws the objective plot', () => {
    const png = page.screenshot!;

    // Not blank: a good share of the page is more than background.
    assert.ok(countNonWhite(png) > png.width * png.height / 50,
              `only ${countNonWhite(png)} non-white pixels`);
    // Three ordinary trial points and the best one, each a few pixels wide.
    assert.ok(countColor(png, POINT_COLOR, 16) > 30,
              `trial points: ${countColor(png, POINT_COLOR, 16)} pixels`);
    assert.ok(countColor(png, BEST_COLOR, 16) > 10,
              `best point: ${countColor(png, BEST_COLOR, 16)} pixels`);
  });
});
