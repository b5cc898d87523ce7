/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

import Database from 'better-sqlite3';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import {UsageError} from '../errors';
import {runHeldBackByPermissions, settleScript} from '../permissions_testing';

import {createStore} from './create_store';
import {StoreError} from './retry';
import {diskSpaceNote, readOnlySnapshot, SqliteStore} from './sqlite_store';

describe('readOnlySnapshot', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sqlite_store_test_'));
  });
  afterEach(() => {
    fs.rmSync(dir, {recursive: true, force: true});
  });

  it('reads a database where it is when its directory can be written',
     () => {
       const file = path.join(dir, 'model_search.db');
       fs.writeFileSync(file, '');
       assert.equal(readOnlySnapshot(file, () => true), undefined);
       assert.equal(readOnlySnapshot(':memory:', () => false), undefined);
     });

  it('copies a database off a full disk, where SQLite could not make its ' +
         'shared-memory file', () => {
    const file = path.join(dir, 'model_search.db');
    fs.writeFileSync(file, '');
    const full = () => ({bavail: 3, bsize: 4096, ffree: 100});
    const noInodes = () => ({bavail: 1 << 20, bsize: 4096, ffree: 0});
    for (const statfs of [full, noInodes]) {
      const snapshot = readOnlySnapshot(file, () => true, statfs);
      assert.ok(snapshot !== undefined);
      fs.rmSync(snapshot.dir, {recursive: true, force: true});
    }
    assert.equal(readOnlySnapshot(
                     file, () => true,
                     () => ({bavail: 1 << 20, bsize: 4096, ffree: 100})),
                 undefined);
  });

  it('copies a database and its write-ahead log from a read-only ' +
         'directory, with every committed row',
     async () => {
       const file = path.join(dir, 'model_search.db');
       const store = await SqliteStore.open({filename: file});
       const key = {experimentName: 'archived', experimentOwner: 'me'};
       try {
         await store.openStudy(key, 'spec');
         // Open, the store keeps its last commits in the -wal file.
         assert.ok(fs.existsSync(`${file}-wal`));

         const snapshot = readOnlySnapshot(file, () => false);

         assert.ok(snapshot !== undefined);
         try {
           assert.notEqual(path.dirname(snapshot.file), dir);
           const copy = new Database(snapshot.file, {readonly: true});
           try {
             assert.deepEqual(
                 copy.prepare('SELECT experiment_name FROM studies').all(),
                 [{experiment_name: 'archived'}]);
           } finally {
             copy.close();
           }
         } finally {
           fs.rmSync(snapshot.dir, {recursive: true, force: true});
         }
       } finally {
         await store.close();
       }
     });

  it('names the file when no copy can be made', () => {
    assert.throws(
        () => readOnlySnapshot(path.join(dir, 'missing.db'), () => false),
        /sqlite:.*missing\.db: its directory is read-only and a copy to read could not be made/);
    // Nor where the temporary directory cannot be made.
    const tmp = process.env['TMPDIR'];
    process.env['TMPDIR'] = path.join(dir, 'no', 'such');
    try {
      fs.writeFileSync(path.join(dir, 'there.db'), '');
      assert.throws(
          () => readOnlySnapshot(path.join(dir, 'there.db'), () => false),
          /there\.db: its directory is read-only and a copy to read could not be made in .*no\/such \(ENOENT/);
    } finally {
      if (tmp === undefined) {
        delete process.env['TMPDIR'];
      } else {
        process.env['TMPDIR'] = tmp;
      }
    }
  });
});

describe('SqliteStore.open', () => {
  it('refuses a file that is not a SQLite database, unchanged', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sqlite_store_test_'));
    try {
      const file = path.join(dir, 'data.csv');
      fs.writeFileSync(file, 'a,b\n1,2\n');
      for (const readOnly of [false, true]) {
        await assert.rejects(
            SqliteStore.open({filename: file, readOnly}),
            (e: Error) => e instanceof UsageError &&
                e.message === `sqlite:${file}: not a SQLite database; name ` +
                    'the file the search keeps its bookkeeping in ' +
                    // A reader has no use for a new, empty file.
                    `(model_search.db in its --model_dir)${
                        readOnly ? '' : ', or a new file'}`);
      }
      assert.equal(fs.readFileSync(file, 'utf8'), 'a,b\n1,2\n');
      assert.deepEqual(fs.readdirSync(dir), ['data.csv']);
    } finally {
      fs.rmSync(dir, {recursive: true, force: true});
    }
  });

  it('opens an existing study without writing to the database', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sqlite_store_test_'));
    const file = path.join(dir, 'model_search.db');
    const key = {experimentName: 'e', experimentOwner: 'o'};
    const sequence = () => {
      const db = new Database(file, {readonly: true});
      try {
        return db.prepare('SELECT name, seq FROM sqlite_sequence').all();
      } finally {
        db.close();
      }
    };
    try {
      for (let run = 0; run < 3; run++) {
        const store = await SqliteStore.open({filename: file});
        try {
          assert.equal((await store.openStudy(key, 'spec')).studyId, 1);
        } finally {
          await store.close();
        }
      }
      // An insert that did nothing would have advanced it each time.
      assert.deepEqual(sequence(), [{name: 'studies', seq: 1}]);
    } finally {
      fs.rmSync(dir, {recursive: true, force: true});
    }
  });

  it('waits for a lock no longer than the retry budget', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sqlite_store_test_'));
    const file = path.join(dir, 'model_search.db');
    const store = await createStore({
      url: `sqlite:${file}`, logger: () => {},
      retry: {maxElapsedMs: 300, initialDelayMs: 10},
    });
    const other = new Database(file);
    try {
      const {studyId} = await store.openStudy(
          {experimentName: 'e', experimentOwner: 'o'}, 'spec');
      other.exec('BEGIN EXCLUSIVE');
      const start = Date.now();

      await assert.rejects(store.startTrial(studyId, 5, 'w', 60),
                           (e: Error) => e instanceof StoreError &&
                               e.code === 'SQLITE_BUSY');
      // Not SQLite's own 5 s: the budget, give or take an attempt.
      assert.ok(Date.now() - start < 2500, `${Date.now() - start} ms`);
    } finally {
      other.exec('ROLLBACK');
      other.close();
      await store.close();
      fs.rmSync(dir, {recursive: true, force: true});
    }
  });

  it('says a damaged database is damaged, and where results remain',
     async () => {
       const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sqlite_store_test_'));
       try {
         const file = path.join(dir, 'model_search.db');
         const db = new Database(file);
         for (let i = 0; i < 200; i++) db.exec(`CREATE TABLE t${i} (a, b)`);
         db.close();
         // The schema's first page overwritten past the file header.
         const bytes = fs.readFileSync(file);
         bytes.fill(0x5a, 120, 4096);
         fs.writeFileSync(file, bytes);

         await assert.rejects(
             SqliteStore.open({filename: file}),
             (e: Error) => e instanceof StoreError &&
                 e.code === 'SQLITE_CORRUPT' &&
                 // Said once, the file named once.
                 e.message.split('.recover').length === 2 &&
                 e.message.split(file).length === 2 &&
                 e.message.startsWith(
                     `sqlite:${file}: the database file is damaged (`) &&
                 e.message.endsWith(
                     'The trial directories beside it (evaluation.json, ' +
                     'architecture.json) and study_summary.json keep every ' +
                     'completed trial\'s results either way'));
       } finally {
         fs.rmSync(dir, {recursive: true, force: true});
       }
     });
});

describe('SqliteStore damage found after opening', () => {
  it('says where results remain, as when found at the open', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sqlite_store_test_'));
    try {
      const file = path.join(dir, 'model_search.db');
      const store = await createStore({url: `sqlite:${file}`,
                                       logger: () => {}});
      const {studyId} = await store.openStudy(
          {experimentName: 'e', experimentOwner: 'o'}, 'x'.repeat(20000));
      for (let i = 0; i < 40; i++) {
        await store.startTrial(studyId, 100, 'w'.repeat(200), 60);
      }
      await store.close();
      // The pages the trials fill, past the schema's, overwritten.
      const bytes = fs.readFileSync(file);
      bytes.fill(0x5a, Math.floor(bytes.length / 2));
      fs.writeFileSync(file, bytes);
      const damaged = await createStore({
        url: `sqlite:${file}`, logger: () => {},
        retry: {maxElapsedMs: 100, initialDelayMs: 10},
      });
      try {
        await assert.rejects(
            damaged.listTrials(studyId),
            (e: Error) => e instanceof StoreError &&
                /SQLITE_CORRUPT/.test(e.message) &&
                e.message.endsWith(
                    'The trial directories beside it (evaluation.json, ' +
                    'architecture.json) and study_summary.json keep every ' +
                    'completed trial\'s results either way'));
      } finally {
        await damaged.close();
      }
    } finally {
      fs.rmSync(dir, {recursive: true, force: true});
    }
  });
});

describe('SqliteStore.open of a file closed to the user', () => {
  it('says so, not that its directory is read-only', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'closed_db_'));
    const file = path.join(dir, 'model_search.db');
    fs.writeFileSync(file, '');
    fs.chmodSync(file, 0o000);
    fs.chmodSync(dir, 0o555);
    try {
      const settled = runHeldBackByPermissions(settleScript(
          path.join(__dirname, 'sqlite_store.js'),
          `m.SqliteStore.open({filename: ${JSON.stringify(file)}, ` +
              'readOnly: true})'));
      assert.equal(settled,
                   `ValueError: sqlite:${file}: no permission to read ${
                       file}; change its permissions, or run as a user who ` +
                       'may read it');
    } finally {
      fs.chmodSync(dir, 0o755);
      fs.rmSync(dir, {recursive: true, force: true});
    }
  });
});

describe('diskSpaceNote', () => {
  const space = (kb: number, inodes = 100) => () =>
      ({bavail: kb, bsize: 1024, ffree: inodes});

  it('says a disk is full when SQLite reports an I/O error there', () => {
    assert.equal(
        diskSpaceNote('SQLITE_IOERR_SHMSIZE', '/data/run/model_search.db',
                      space(12)),
        '; the disk holding /data/run is full (12 KB free): free space ' +
            'there, or give --metadata_db a database on another disk');
    assert.match(diskSpaceNote('SQLITE_FULL', '/data/m.db', space(5000, 0)),
                 /the disk holding \/data is full \(no free inodes\)/);
    // The file itself could not be made: no inode for it.
    assert.match(
        diskSpaceNote('SQLITE_CANTOPEN', '/data/m.db', space(5000, 0)),
        /the disk holding \/data is full \(no free inodes\)/);
  });

  it('adds nothing for other errors, a disk with room, or memory', () => {
    assert.equal(diskSpaceNote('SQLITE_IOERR_SHMSIZE', '/d/m.db', space(4096)),
                 '');
    assert.equal(diskSpaceNote('SQLITE_CORRUPT', '/d/m.db', space(0)), '');
    assert.equal(diskSpaceNote(undefined, '/d/m.db', space(0)), '');
    assert.equal(diskSpaceNote('SQLITE_FULL', ':memory:', space(0)), '');
    assert.equal(diskSpaceNote('SQLITE_FULL', '/d/m.db', () => {
      throw new Error('ENOENT');
    }), '');
  });
});

describe('a SQLite file removed or replaced while open', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sqlite_gone_'));
  });
  afterEach(() => {
    fs.rmSync(dir, {recursive: true, force: true});
  });

  for (const how of ['removed', 'replaced'] as const) {
    it(`stops the next write when the file is ${how}`, async () => {
      const file = path.join(dir, 'model_search.db');
      const store = await createStore({url: `sqlite:${file}`});
      try {
        const {studyId} = await store.openStudy(
            {experimentName: 'e', experimentOwner: 'o'}, 'spec');
        const started = await store.startTrial(studyId, 5, 'w', 60);
        assert.equal(started.status, 'started');
        for (const suffix of ['', '-wal', '-shm']) {
          fs.rmSync(`${file}${suffix}`, {force: true});
        }
        if (how === 'replaced') fs.writeFileSync(file, '');

        await assert.rejects(
            store.startTrial(studyId, 5, 'w', 60),
            (e: Error) => e instanceof StoreError &&
                e.code === 'SQLITE_FILE_GONE' &&
                e.message.startsWith(`sqlite:${file}: the database file ` +
                                     'was removed or replaced while the ' +
                                     'search ran'));
      } finally {
        await store.close();
      }
    });
  }
});
