/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * Experiment names that look like SQL go through the binary unchanged: a
 * first run stores the study under the name, a second run with the same
 * --experiment_name finds it again (it resumes instead of starting a new
 * study), and the database holds the name byte for byte, its tables intact.
 */

import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import {createStore} from '../metadata/create_store';
import type {SqlStore} from '../metadata/sql_store';

import {SearchWorker, STUDY_OWNER, describeExit, studySummary, tinyStudyArgs} from './search_workers';
import {checkStudy} from './study_checks';
import {Dialect, SKIP_SERVERS, TestDatabase, createTestDatabase} from './test_databases';

const NAMES = [
  {title: 'quotes, a semicolon and a comment',
   name: `it's "x"; DROP TABLE trials; --`},
  {title: 'backslashes, LIKE wildcards and non-ASCII',
   name: String.raw`C:\temp\ 100%_done \' ü`},
];

const STORES: Array<{dialect: Dialect, title: string}> = [
  {dialect: 'sqlite', title: 'SQLite'},
  {dialect: 'postgres', title: 'PostgreSQL'},
  {dialect: 'mysql', title: 'MariaDB'},
];

const TIMEOUT_MS = 60_000;

async function runBinary(name: string, args: string[]): Promise<string> {
  const worker = SearchWorker.start(name, args, {timeoutMs: TIMEOUT_MS});
  const exit = await worker.exited;
  assert.equal(exit.code, 0, describeExit(worker, exit));
  return exit.log;
}

for (const {dialect, title} of STORES) {
  describe(`csv_data_binary --experiment_name on ${title}`, function() {
    let dir = '';
    let db: TestDatabase|undefined;
    let store: SqlStore|undefined;

    before(async function() {
      if (dialect !== 'sqlite' && SKIP_SERVERS) this.skip();
      dir = fs.mkdtempSync(path.join(os.tmpdir(), `ms-names-${dialect}-`));
      db = await createTestDatabase(dialect, path.join(dir, 'names.db'));
      store = await createStore({url: db.url, logger: () => undefined});
    });

    after(async () => {
      await store?.close();
      await db?.drop();
      if (dir !== '') fs.rmSync(dir, {recursive: true, force: true});
    });

    NAMES.forEach(({title, name}, row) => {
      it(`keeps a name with ${title} unchanged`, async () => {
        const modelDir = path.join(dir, `model${row}`);
        const study = {modelDir, experimentName: name, metadataDb: db!.url};

        const first = await runBinary(
            'first', tinyStudyArgs({...study, maxTrials: 1}));
        assert.deepEqual(studySummary(first, name), {completed: 1, failed: 0},
                         first);
        const second = await runBinary(
            'second', tinyStudyArgs({...study, maxTrials: 2}));
        const resumed = `resuming study "${name}": reloaded 1 trial ` +
            '(1 completed, 0 failed, 0 running)';
        assert.ok(second.includes(resumed), `no "${resumed}" in:\n${second}`);
        assert.deepEqual(studySummary(second, name), {completed: 2, failed: 0},
                         second);

        const studies = (await store!.listStudies())
                            .filter((s) => s.experimentOwner === STUDY_OWNER);
        assert.deepEqual(studies.map((s) => s.experimentName),
                         NAMES.slice(0, row + 1).map((n) => n.name));
        const rows = await db!.all(
            'SELECT experiment_name FROM studies WHERE id = ?',
            [studies[row].studyId]);
        assert.equal(rows[0]['experiment_name'], name);
        const trials = await store!.listTrials(studies[row].studyId);
        assert.deepEqual(checkStudy(modelDir, trials, {completed: 2}), []);
      });
    });
  });
}
