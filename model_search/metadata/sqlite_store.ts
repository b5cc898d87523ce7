/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * The embedded store: one SQLite file shared by any number of processes on
 * one machine. WAL journal, a busy timeout, and BEGIN IMMEDIATE for every
 * write, so that trial hand-out takes the database write lock before it
 * reads the counts.
 */

import Database from 'better-sqlite3';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import {UsageError, ValueError} from '../errors';
import {whyUnreadable} from '../user_paths';
import {Redactor} from './redact';
import {errorCode, StoreError} from './retry';
import {SqlStore, Sql, SqlParam, SqlStoreOptions, TransactionMode} from './sql_store';
import {SQLITE_TYPES} from './schema';
import type {Row} from './trial_rows';

export declare interface SqliteStoreOptions extends SqlStoreOptions {
  /** A file path, or ':memory:' for a private in-memory database. */
  filename: string;
  /**
   * How long one statement waits for another process's lock before
   * SQLITE_BUSY (then the retry loop takes over). Default 5000.
   */
  busyTimeoutMs?: number;
}

/**
 * better-sqlite3 is synchronous: while one connection waits for the file
 * lock, its whole process waits. Transactions of all stores of one process
 * on one file therefore queue here, so that a connection never waits for a
 * lock held by another connection of the same (blocked) process.
 */
class Queue {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.tail.then(fn);
    this.tail = result.then(() => undefined, () => undefined);
    return result;
  }
}

const QUEUES = new Map<string, {queue: Queue, users: number}>();

const TRANSIENT_CODES = new Set([
  'SQLITE_BUSY', 'SQLITE_BUSY_RECOVERY', 'SQLITE_BUSY_SNAPSHOT',
  'SQLITE_BUSY_TIMEOUT', 'SQLITE_LOCKED', 'SQLITE_LOCKED_SHAREDCACHE',
  'SQLITE_PROTOCOL',
]);

export class SqliteStore extends SqlStore {
  protected readonly forUpdate = '';
  protected readonly insertStudySql =
      'INSERT INTO studies (experiment_name, experiment_owner, spec_text, ' +
      'created_at) VALUES (?, ?, ?, ?) ' +
      'ON CONFLICT (experiment_name, experiment_owner) DO NOTHING';
  protected readonly schemaVersionExistsSql =
      'SELECT name FROM sqlite_master WHERE type = \'table\' AND ' +
      'name = \'schema_version\'';
  private readonly statements = new Map<string, Database.Statement>();
  private readonly queueKey: string;
  private readonly queue: Queue;
  /**
   * The file's device and inode when opened (undefined in memory, or for
   * a read-only copy): a file removed while open is written on unseen, its
   * rows gone with the last handle.
   */
  private fileIdentity: string|undefined;

  private constructor(
      private readonly db: Database.Database, private readonly filename: string,
      options: SqliteStoreOptions) {
    super(SQLITE_TYPES, `sqlite:${filename}`, new Redactor(), options);
    this.queueKey = filename === ':memory:' ? `:memory:${Math.random()}` :
                                              path.resolve(filename);
    const entry = QUEUES.get(this.queueKey) ?? {queue: new Queue(), users: 0};
    entry.users++;
    QUEUES.set(this.queueKey, entry);
    this.queue = entry.queue;
  }

  /** Opens (creating if needed) the file and brings its schema up to date. */
  static async open(options: SqliteStoreOptions): Promise<SqliteStore> {
    const unreadable = options.filename === ':memory:' ?
        undefined :
        whyUnreadable(options.filename);
    if (unreadable !== undefined) {
      throw new ValueError(
          `sqlite:${options.filename}: ${unreadable}; change its ` +
          'permissions, or run as a user who may read it');
    }
    if (options.readOnly && options.filename !== ':memory:' &&
        !fs.existsSync(options.filename)) {
      // Opening would create it.
      throw new ValueError(`sqlite:${options.filename}: no such file`);
    }
    const snapshot = options.readOnly ? readOnlySnapshot(options.filename) :
                                        undefined;
    let db: Database.Database;
    try {
      db = new Database(snapshot?.file ?? options.filename,
                        {timeout: options.busyTimeoutMs ?? 5000});
      if (snapshot !== undefined) {
        // The log folded into the copy, which the open handle keeps
        // readable once removed: a reader killed now leaves nothing.
        db.pragma('journal_mode = DELETE');
      }
    } catch (e) {
      throw new ValueError(`sqlite:${options.filename}: cannot open the ` +
                           `database file (${(e as Error).message}); check ` +
                           'that its directory exists and can be written to');
    } finally {
      if (snapshot) fs.rmSync(snapshot.dir, {recursive: true, force: true});
    }
    const store = new SqliteStore(db, options.filename, options);
    if (snapshot === undefined && options.filename !== ':memory:') {
      store.fileIdentity = fileIdentity(options.filename);
    }
    try {
      // Pragmas that cannot run inside a transaction.
      await store.retrying('configure connection', () => store.queue.run(
          async () => {
            // The journal mode is kept in the file: a reader leaves it.
            if (options.filename !== ':memory:' && !options.readOnly) {
              db.pragma('journal_mode = WAL');
            }
            db.pragma('foreign_keys = ON');
          }));
      await store.migrate();
    } catch (err) {
      await store.close();
      if (errorCode(err) === 'SQLITE_NOTADB') {
        // A flag naming the wrong file (a CSV, say): the user's to fix.
        throw new UsageError(
            `sqlite:${options.filename}: not a SQLite database; name the ` +
            'file the search keeps its bookkeeping in (model_search.db in ' +
            `its --model_dir)${options.readOnly ? '' : ', or a new file'}`);
      }
      if (errorCode(err)?.startsWith('SQLITE_CORRUPT')) {
        // Found by a retried call, the message has the note already.
        const message = (err as Error).message.replace(DAMAGED_DATABASE_NOTE, '')
                            .replace(`sqlite:${options.filename}: `, '');
        throw new StoreError(
            `sqlite:${options.filename}: the database file is damaged (${
                message})${DAMAGED_DATABASE_NOTE}`,
            errorCode(err));
      }
      throw err;
    }
    return store;
  }

  /**
   * A write that failed for want of disk space says so: SQLite reports a
   * full disk as SQLITE_FULL, or, while it sizes its shared-memory file,
   * as SQLITE_IOERR_SHMSIZE, which does not.
   */
  protected override describeError(err: unknown): string {
    const code = errorCode(err);
    return super.describeError(err) +
        (code?.startsWith('SQLITE_CORRUPT') ? DAMAGED_DATABASE_NOTE :
         code?.startsWith('SQLITE_READONLY') ?
             `; ${this.filename} (or its directory, where SQLite keeps its ` +
                 '-wal and -shm files) cannot be written: make both ' +
                 'writable, or give --metadata_db a database that is' :
             diskSpaceNote(code, this.filename));
  }

  protected override async transaction<T>(
      mode: TransactionMode, fn: (sql: Sql) => Promise<T>): Promise<T> {
    return this.queue.run(async () => {
      if (mode !== 'read') this.checkFileInPlace();
      this.db.exec(mode === 'read' ? 'BEGIN' : 'BEGIN IMMEDIATE');
      try {
        const result = await fn(this.sql);
        this.db.exec('COMMIT');
        return result;
      } catch (err) {
        if (this.db.inTransaction) this.db.exec('ROLLBACK');
        throw err;
      }
    });
  }

  /**
   * Throws a StoreError when the file opened was removed (or replaced by
   * another) since: what is written now would be lost with the handle.
   */
  private checkFileInPlace(): void {
    if (this.fileIdentity === undefined ||
        fileIdentity(this.filename) === this.fileIdentity) {
      return;
    }
    throw new StoreError(
        `sqlite:${this.filename}: the database file was removed or ` +
            'replaced while the search ran; what it recorded since it was ' +
            'opened is lost (the trial directories in --model_dir keep the ' +
            'completed trials\' results): put the file back to go on with ' +
            'the study, or start a new study in a new --model_dir',
        'SQLITE_FILE_GONE');
  }

  protected override transientReason(err: unknown): string|undefined {
    const code = (err as {code?: unknown}|null)?.code;
    if (typeof code === 'string' && TRANSIENT_CODES.has(code)) return code;
    // The simulated drops of the tests, and any socket-like failure.
    if (code === 'ECONNRESET') return code;
    return undefined;
  }

  protected override async closeConnections(): Promise<void> {
    const entry = QUEUES.get(this.queueKey);
    if (entry !== undefined && --entry.users === 0) {
      QUEUES.delete(this.queueKey);
    }
    // Wait for queued transactions of this store before closing the handle.
    await this.queue.run(async () => undefined);
    this.db.close();
  }

  private readonly sql: Sql = {
    all: async (text: string, params: SqlParam[] = []) =>
        this.prepare(text).all(...params) as Row[],
    run: async (text: string, params: SqlParam[] = []) => {
      const statement = this.prepare(text);
      return statement.reader ? (statement.all(...params), 0) :
                                statement.run(...params).changes;
    },
  };

  private prepare(text: string): Database.Statement {
    let statement = this.statements.get(text);
    if (statement === undefined) {
      statement = this.db.prepare(text);
      this.statements.set(text, statement);
    }
    return statement;
  }
}

/**
 * A copy of `filename` (and its write-ahead log) in a temporary directory
 * when its own directory cannot be written: SQLite reads a database in WAL
 * mode only where it can make the shared-memory file beside it, so a study
 * on a read-only file system (a finished search's archive), or on a full
 * disk, is read from the copy (open removes the directory once it holds the copy open).
 * Undefined where the file can be read in place.
 */
export function readOnlySnapshot(
    filename: string, writable = directoryWritable,
    statfs: (dir: string) => DiskSpace = fs.statfsSync):
    {dir: string, file: string}|undefined {
  const home = path.dirname(path.resolve(filename));
  if (filename === ':memory:' ||
      (writable(home) && diskHasRoom(home, statfs))) {
    return undefined;
  }
  let dir: string|undefined;
  try {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'model_search_db_'));
    const file = path.join(dir, path.basename(filename));
    fs.copyFileSync(filename, file);
    if (fs.existsSync(`${filename}-wal`)) {
      fs.copyFileSync(`${filename}-wal`, `${file}-wal`);
    }
    return {dir, file};
  } catch (e) {
    if (dir !== undefined) fs.rmSync(dir, {recursive: true, force: true});
    throw new ValueError(`sqlite:${filename}: its directory is read-only ` +
                         'and a copy to read could not be made in ' +
                         `${os.tmpdir()} (${(e as Error).message})`);
  }
}

/** `device:inode` of `file`, or undefined when it is not there. */
function fileIdentity(file: string): string|undefined {
  try {
    const stat = fs.statSync(file, {bigint: true});
    return `${stat.dev}:${stat.ino}`;
  } catch {
    return undefined;
  }
}

/**
 * Whether the disk holding `dir` has room for SQLite's shared-memory file
 * (32 KB at a time) and an inode for it; true when statfs cannot tell.
 */
function diskHasRoom(
    dir: string, statfs: (dir: string) => DiskSpace): boolean {
  try {
    const space = statfs(dir);
    return space.bavail * space.bsize >= (1 << 20) && space.ffree > 0;
  } catch {
    return true;
  }
}

/** Whether files can be made in `dir` (false on a read-only mount). */
function directoryWritable(dir: string): boolean {
  try {
    fs.accessSync(dir, fs.constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/** What statfs tells of a file system (fs.statfsSync's fields used here). */
export declare interface DiskSpace {
  bavail: number;
  bsize: number;
  ffree: number;
}

/**
 * What to do about a damaged SQLite file, said however the damage is found
 * (opening it, or a later read of a damaged page).
 */
const DAMAGED_DATABASE_NOTE = '; SQLite\'s `.recover` command may save ' +
    'its rows into a new file. The trial directories beside it ' +
    '(evaluation.json, architecture.json) and study_summary.json keep ' +
    'every completed trial\'s results either way';

/**
 * For an I/O or full-disk error code of SQLite, a note saying whether the
 * disk holding `filename` is full ('' otherwise, or when it is not).
 */
export function diskSpaceNote(
    code: string|undefined, filename: string,
    statfs: (dir: string) => DiskSpace = fs.statfsSync): string {
  // CANTOPEN: the file (or its journal) could not be made, which a disk
  // out of inodes refuses too.
  if (filename === ':memory:' ||
      !(code === 'SQLITE_FULL' || code === 'SQLITE_CANTOPEN' ||
        code?.startsWith('SQLITE_IOERR'))) {
    return '';
  }
  const dir = path.dirname(path.resolve(filename));
  let space: DiskSpace;
  try {
    space = statfs(dir);
  } catch {
    return '';
  }
  const freeBytes = space.bavail * space.bsize;
  // SQLite grows its files by pages and its shared memory by 32 KB.
  if (freeBytes >= (1 << 20) && space.ffree > 0) return '';
  const what = space.ffree === 0 ?
      'no free inodes' :
      `${Math.floor(freeBytes / 1024)} KB free`;
  return `; the disk holding ${dir} is full (${what}): free space there, ` +
      'or give --metadata_db a database on another disk';
}
