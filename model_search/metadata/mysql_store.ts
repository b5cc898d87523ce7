/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * The MySQL / MariaDB store for distributed searches. Each write is a READ
 * COMMITTED InnoDB transaction (so that a read after a lock sees what other
 * workers committed); trial hand-out locks the study row with SELECT ...
 * FOR UPDATE. DDL commits implicitly in MySQL, so migrations are serialized
 * by a named lock (GET_LOCK) instead of a transaction.
 *
 * TODO: a migration interrupted between two of its DDL statements (server
 * lost mid-way) leaves a half-applied version that the next open trips
 * over (e.g. "Duplicate column name"); finishing it needs a hand-run
 * statement. PostgreSQL and SQLite roll such a migration back whole.
 */

import * as mysql from 'mysql2/promise';

import {Redactor} from './redact';
import {UsageError} from '../errors';
import {errorCode, SOCKET_ERROR_CODES, StoreError} from './retry';
import {identifyServer, serverKindName} from './server_kind';
import {mysqlTypes} from './schema';
import {QUERY_TIMEOUT_MS, SqlStore, Sql, SqlParam, SqlStoreOptions, TransactionMode} from './sql_store';
import type {Row} from './trial_rows';

export declare interface MysqlConnection {
  /** TCP host; ignored when socketPath is set. */
  host?: string;
  port?: number;
  /** A unix socket (the original's --mlmd_socket). */
  socketPath?: string;
  database: string;
  user: string;
  password?: string;
}

export declare interface MysqlStoreOptions extends SqlStoreOptions {
  connection: MysqlConnection;
  /** The database as shown in messages (password masked). */
  target: string;
  /** Connections kept per store. Default 4. */
  poolSize?: number;
  /** Give up one connection attempt after this long. Default 10000. */
  connectTimeoutMs?: number;
  /** Give up waiting for one statement's answer after this long. Default 30000. */
  queryTimeoutMs?: number;
}

/** The URL names a MySQL server where another kind of server answers. */
class WrongServerError extends UsageError {}

/**
 * Closes the connections of `pool` still waiting for the server's
 * greeting, which pool.end() would wait out (their connect timeout): a
 * PostgreSQL server never sends one. mysql2 lists a pool's connections
 * only in a field of its own (`_allConnections`, version 3), read here
 * with care: should it go, pool.end() waits as before.
 */
function closeUngreeted(pool: mysql.Pool): void {
  const all = (pool.pool as unknown as
               {_allConnections?: {toArray?: () => unknown[]}})
                  ._allConnections?.toArray?.() ?? [];
  for (const conn of all) (conn as {destroy?: () => void}).destroy?.();
}

/**
 * A MySQL server greets a new connection at once; after this long without
 * a greeting, the server at the port is asked what it is.
 */
const SILENT_SERVER_MS = 1500;

/**
 * Settles as `pending`, the first statement of a new pool, unless that
 * waits SILENT_SERVER_MS without an answer and the server at host:port
 * answers as PostgreSQL does: then rejects with `wrongServer()` at once,
 * rather than after the connect timeout (10 s by default) mysql2 waits
 * for a greeting PostgreSQL never sends. A MySQL server so slow to greet
 * is asked too, an abandoned handshake it counts (max_connect_errors),
 * as identifyServer says.
 */
function unlessPostgres<T>(
    pending: Promise<T>, host: string, port: number,
    wrongServer: () => Error): Promise<T> {
  let timer: NodeJS.Timeout|undefined;
  const asked = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      void identifyServer(host, port).then((kind) => {
        if (kind === 'postgres') reject(wrongServer());
      });
    }, SILENT_SERVER_MS);
  });
  // The statement's own failure, once the pool is ended, is not wanted.
  pending.catch(() => undefined);
  return Promise.race([pending, asked]).finally(() => clearTimeout(timer));
}

/** Seconds to wait for another worker migrating the schema. */
const SCHEMA_LOCK_SECONDS = 60;

/**
 * Error codes worth retrying: deadlock, lock wait timeout, the server
 * shutting down or going away, the connection killed or lost, too many
 * connections.
 */
const TRANSIENT_CODES = new Set([
  'ER_LOCK_DEADLOCK', 'ER_LOCK_WAIT_TIMEOUT', 'ER_SERVER_SHUTDOWN',
  'ER_CON_COUNT_ERROR', 'ER_TOO_MANY_USER_CONNECTIONS', 'ER_CONNECTION_KILLED',
  'ER_SERVER_GONE_ERROR', 'ER_SERVER_LOST', 'ER_CLIENT_INTERACTION_TIMEOUT',
  'PROTOCOL_CONNECTION_LOST', 'PROTOCOL_SEQUENCE_TIMEOUT',
]);
const TRANSIENT_ERRNOS = new Set([1205, 1213, 1053, 1040, 1203, 1927, 2006,
                                  2013, 4031]);
const TRANSIENT_MESSAGES = [
  /connection is in closed state/i,
  /connection lost/i,
];

/** What MySQL says of a table, column or index made already. */
const ALREADY_THERE = new Set([
  'ER_TABLE_EXISTS_ERROR',  // CREATE TABLE
  'ER_DUP_FIELDNAME',       // ALTER TABLE ... ADD COLUMN
  'ER_DUP_KEYNAME',         // CREATE INDEX
]);

export class MysqlStore extends SqlStore {
  protected readonly forUpdate = ' FOR UPDATE';
  protected readonly insertStudySql =
      'INSERT INTO studies (experiment_name, experiment_owner, spec_text, ' +
      'created_at) VALUES (?, ?, ?, ?) ON DUPLICATE KEY UPDATE id = id';
  protected readonly schemaVersionExistsSql =
      'SELECT table_name FROM information_schema.tables WHERE ' +
      'table_schema = DATABASE() AND table_name = \'schema_version\'';
  private readonly schemaLockName: string;
  private readonly queryTimeoutMs: number;

  private constructor(
      private readonly pool: mysql.Pool, keyCollation: string,
      options: MysqlStoreOptions) {
    super(mysqlTypes(keyCollation), options.target,
          new Redactor([options.connection.password]), options);
    // GET_LOCK names are server-wide: one lock per database, at most 64
    // characters.
    this.schemaLockName =
        `model_search_schema.${options.connection.database}`.slice(0, 64);
    this.queryTimeoutMs = options.queryTimeoutMs ?? QUERY_TIMEOUT_MS;
  }

  /**
   * A statement on `conn` that fails (PROTOCOL_SEQUENCE_TIMEOUT, retried)
   * when the server has not answered within queryTimeoutMs: a lock held
   * elsewhere or a stalled network would otherwise hold the worker
   * silently (MySQL waits for a table lock a year by default).
   */
  private query(conn: mysql.PoolConnection, sql: string,
                values?: SqlParam[], timeout = this.queryTimeoutMs):
      Promise<[unknown, unknown]> {
    return conn.query({sql, values, timeout});
  }

  /** Connects (retrying while the server is not up) and migrates. */
  static async open(options: MysqlStoreOptions): Promise<MysqlStore> {
    const c = options.connection;
    const pool = mysql.createPool({
      host: c.socketPath === undefined ? c.host : undefined,
      port: c.socketPath === undefined ? c.port : undefined,
      socketPath: c.socketPath,
      database: c.database,
      user: c.user,
      password: c.password,
      connectionLimit: options.poolSize ?? 4,
      connectTimeout: options.connectTimeoutMs ?? 10_000,
      waitForConnections: true,
      charset: 'utf8mb4',
      supportBigNumbers: true,
      // affectedRows counts changed rows, not matched ones: an INSERT ...
      // ON DUPLICATE KEY UPDATE id = id that found the study reports 0.
      flags: ['-FOUND_ROWS'],
    });
    // The server gives up on a lock (LOCK TABLES elsewhere, a row lock)
    // after the statement timeout too, rather than its default of a year:
    // the statement fails, and is retried, even where the client's timer
    // could not end it.
    const lockSeconds = Math.max(
        1, Math.ceil((options.queryTimeoutMs ?? QUERY_TIMEOUT_MS) / 1000));
    pool.pool.on('connection', (conn) => {
      conn.query(
          `SET SESSION lock_wait_timeout = ${lockSeconds}, ` +
              `innodb_lock_wait_timeout = ${lockSeconds}`,
          () => {});
    });
    // Probe once, with retries, to pick the collation for this server.
    const probe = new MysqlStore(pool, 'utf8mb4_bin', options);
    let store = probe;
    try {
      const host = c.host ?? 'localhost';
      const port = c.port ?? 3306;
      const wrongServer = () => new WrongServerError(
          `${options.target}: the server at ${host}:${port} is ` +
          `${serverKindName('postgres')}, not MySQL or MariaDB; give ` +
          'a postgres:// URL, or the port of the MySQL server');
      const version = await probe.retrying('connect', async () => {
        const query = pool.query('SELECT VERSION() AS v');
        try {
          const [rows] = c.socketPath === undefined ?
              await unlessPostgres(query, host, port, wrongServer) :
              await query;
          return String((rows as Row[])[0]['v']);
        } catch (err) {
          // No greeting in time: perhaps no MySQL server at all.
          if (errorCode(err) === 'ETIMEDOUT' && c.socketPath === undefined &&
              await identifyServer(host, port) === 'postgres') {
            throw wrongServer();
          }
          throw err;
        }
      });
      store = new MysqlStore(pool, keyCollationFor(version), options);
      await store.migrate();
    } catch (err) {
      if (err instanceof WrongServerError) closeUngreeted(pool);
      await pool.end().catch(() => undefined);
      throw err;
    }
    return store;
  }

  protected override async transaction<T>(
      mode: TransactionMode, fn: (sql: Sql) => Promise<T>): Promise<T> {
    const conn = await this.pool.getConnection();
    let broken = false;
    try {
      if (mode === 'schema') return await this.underSchemaLock(conn, fn);
      await this.query(conn, 'SET TRANSACTION ISOLATION LEVEL READ COMMITTED');
      await this.query(conn, mode === 'read' ? 'START TRANSACTION READ ONLY' :
                                               'START TRANSACTION');
      const result = await fn(this.executor(conn));
      await this.query(conn, 'COMMIT');
      return result;
    } catch (err) {
      if ((err as {code?: unknown}|null)?.code === 'PROTOCOL_SEQUENCE_TIMEOUT') {
        // The connection still waits for the statement that timed out: a
        // ROLLBACK would queue behind it, as long as the lock is held.
        // Closed instead, the server rolls the transaction back.
        broken = true;
        throw err;
      }
      try {
        await this.query(conn, 'ROLLBACK');
      } catch {
        broken = true;
      }
      if (this.transientReason(err) !== undefined) broken = true;
      throw err;
    } finally {
      if (broken) {
        conn.destroy();
      } else {
        conn.release();
      }
    }
  }

  /**
   * MySQL and MariaDB commit each CREATE and ALTER at once: a worker
   * stopped in the middle of a migration leaves its first statements
   * applied and the migration unrecorded. The next worker's migration
   * (under the schema lock, alone) then finds a table, column or index
   * there already, and goes on.
   */
  protected override appliedBefore(err: unknown): boolean {
    return ALREADY_THERE.has(errorCode(err) ?? '');
  }

  protected override transientReason(err: unknown): string|undefined {
    const e = err as {code?: unknown, errno?: unknown}|null;
    if (e?.code === 'PROTOCOL_SEQUENCE_TIMEOUT') {
      return 'no answer from the server in time (a lock held elsewhere, ' +
          'or the network)';
    }
    if (typeof e?.code === 'string' &&
        (TRANSIENT_CODES.has(e.code) || SOCKET_ERROR_CODES.has(e.code))) {
      return e.code;
    }
    if (typeof e?.errno === 'number' && TRANSIENT_ERRNOS.has(e.errno)) {
      return `errno ${e.errno}`;
    }
    const message = err instanceof Error ? err.message : '';
    if (TRANSIENT_MESSAGES.some((pattern) => pattern.test(message))) {
      return 'connection lost';
    }
    return undefined;
  }

  protected override async closeConnections(): Promise<void> {
    await this.pool.end();
  }

  private async underSchemaLock<T>(
      conn: mysql.PoolConnection, fn: (sql: Sql) => Promise<T>): Promise<T> {
    const [rows] = await this.query(
        conn, 'SELECT GET_LOCK(?, ?) AS got',
        [this.schemaLockName, SCHEMA_LOCK_SECONDS],
        SCHEMA_LOCK_SECONDS * 1000 + this.queryTimeoutMs);
    if (Number((rows as Row[])[0]['got']) !== 1) {
      throw new StoreError(`${this.target}: another worker held the schema ` +
                           `lock ${this.schemaLockName} for more than ${
                           SCHEMA_LOCK_SECONDS} s; is a migration stuck?`);
    }
    try {
      return await fn(this.executor(conn));
    } finally {
      // A connection that died released its lock with it.
      await this.query(conn, 'SELECT RELEASE_LOCK(?)', [this.schemaLockName])
          .catch(() => undefined);
    }
  }

  private executor(conn: mysql.PoolConnection): Sql {
    return {
      all: async (text: string, params: SqlParam[] = []) => {
        const [rows] = await conn.execute(
            {sql: text, values: params, timeout: this.queryTimeoutMs});
        return rows as Row[];
      },
      run: async (text: string, params: SqlParam[] = []) => {
        const [result] = params.length === 0 ?
            await this.query(conn, text) :
            await conn.execute(
                {sql: text, values: params, timeout: this.queryTimeoutMs});
        return (result as mysql.ResultSetHeader).affectedRows ?? 0;
      },
    };
  }
}

/**
 * A binary NO PAD collation, so that names compare exactly as in SQLite and
 * PostgreSQL ('x', 'X' and 'x ' are three studies).
 */
export function keyCollationFor(version: string): string {
  if (/mariadb/i.test(version)) return 'utf8mb4_nopad_bin';
  const major = Number.parseInt(version, 10);
  // TODO: MySQL 5.7 has no NO PAD binary collation; there names differing
  // only in trailing spaces are one study.
  return major >= 8 ? 'utf8mb4_0900_bin' : 'utf8mb4_bin';
}
