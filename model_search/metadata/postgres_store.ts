/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * The PostgreSQL store for distributed searches. Each write is a READ
 * COMMITTED transaction; trial hand-out locks the study row with SELECT ...
 * FOR UPDATE, and schema changes run under a transaction-scoped advisory
 * lock, so that workers creating the tables at the same time queue instead
 * of failing.
 */

import {Pool, PoolClient} from 'pg';

import {Redactor} from './redact';
import {UsageError, ValueError} from '../errors';
import {errorCode, SOCKET_ERROR_CODES} from './retry';
import {identifyServer, serverKindName} from './server_kind';
import {POSTGRES_TYPES} from './schema';
import {QUERY_TIMEOUT_MS, SqlStore, Sql, SqlParam, SqlStoreOptions, TransactionMode} from './sql_store';
import type {Row} from './trial_rows';

export declare interface PostgresConnection {
  /** A host name, or the directory of the server's unix socket. */
  host: string;
  port: number;
  database: string;
  user: string;
  password?: string;
}

export declare interface PostgresStoreOptions extends SqlStoreOptions {
  connection: PostgresConnection;
  /** The database as shown in messages (password masked). */
  target: string;
  /** Connections kept per store. Default 4. */
  poolSize?: number;
  /** Give up one connection attempt after this long. Default 10000. */
  connectTimeoutMs?: number;
  /** Give up waiting for one statement's answer after this long. Default 30000. */
  queryTimeoutMs?: number;
}

/** Key of the advisory lock held while the schema is migrated. */
const SCHEMA_LOCK_KEY = 0x6d735f73;  // 'ms_s'

/**
 * SQLSTATEs worth retrying: serialization failure, deadlock, lock not
 * available, server shutting down or starting, too many connections, and
 * the connection-exception class 08. 55000 is retried only with the
 * message of a database closed to connections (ALTER DATABASE ...
 * ALLOW_CONNECTIONS false, as during maintenance); the state covers
 * lasting errors too.
 */
const TRANSIENT_STATES = new Set([
  '40001', '40P01', '55P03', '57P01', '57P02', '57P03', '53300', '08000',
  '08001', '08003', '08004', '08006', '08007',
]);

/** The message of 55000 that is worth retrying (see TRANSIENT_STATES). */
const CLOSED_DATABASE = /is not currently accepting connections/i;

const TRANSIENT_MESSAGES = [
  /connection terminated/i,
  /connection error and is not queryable/i,
  /timeout exceeded when trying to connect/i,
  /server closed the connection unexpectedly/i,
];

/** `?` placeholders as `$1, $2, ...`, leaving quoted text alone. */
export function numberPlaceholders(sql: string): string {
  let n = 0;
  let quote: string|undefined;
  let out = '';
  for (const ch of sql) {
    if (quote !== undefined) {
      if (ch === quote) quote = undefined;
      out += ch;
    } else if (ch === '\'' || ch === '"') {
      quote = ch;
      out += ch;
    } else {
      out += ch === '?' ? `$${++n}` : ch;
    }
  }
  return out;
}

export class PostgresStore extends SqlStore {
  protected readonly forUpdate = ' FOR UPDATE';
  protected readonly insertStudySql =
      'INSERT INTO studies (experiment_name, experiment_owner, spec_text, ' +
      'created_at) VALUES (?, ?, ?, ?) ' +
      'ON CONFLICT (experiment_name, experiment_owner) DO NOTHING';
  protected readonly schemaVersionExistsSql =
      'SELECT 1 AS present WHERE to_regclass(\'schema_version\') IS NOT NULL';
  private readonly pool: Pool;

  private constructor(options: PostgresStoreOptions) {
    super(POSTGRES_TYPES, options.target,
          new Redactor([options.connection.password]), options);
    const c = options.connection;
    this.pool = new Pool({
      host: c.host,
      port: c.port,
      database: c.database,
      user: c.user,
      password: c.password,
      max: options.poolSize ?? 4,
      connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
      // Client side, so that a stalled network counts as well as a lock:
      // the call fails, its connection is dropped and it is retried.
      query_timeout: options.queryTimeoutMs ?? QUERY_TIMEOUT_MS,
      idleTimeoutMillis: 30_000,
      // Idle connections do not keep the process alive (runMain reports a
      // search with nothing left to run).
      allowExitOnIdle: true,
      application_name: 'model_search',
    });
    // An idle connection that the server closed: the pool drops it and the
    // next transaction opens a new one. Without a listener node would stop.
    this.pool.on('error', (err) => {
      this.logger(`metadata: ${this.target}: idle connection lost (${
          this.describeError(err)}); it will be reopened`);
    });
  }

  /** Connects (retrying while the server is not up) and migrates. */
  static async open(options: PostgresStoreOptions): Promise<PostgresStore> {
    const store = new PostgresStore(options);
    try {
      await store.migrate();
    } catch (err) {
      await store.close();
      // Not a server's error (those carry a SQLSTATE) nor the network's:
      // perhaps the server is not PostgreSQL at all.
      const code = errorCode(err);
      const c = options.connection;
      if ((code === undefined || !/^[0-9A-Z]{5}$/.test(code)) &&
          !(err instanceof ValueError) && !c.host.startsWith('/') &&
          await identifyServer(c.host, c.port) === 'mysql') {
        throw new UsageError(
            `${options.target}: the server at ${c.host}:${c.port} is ${
                serverKindName('mysql')}, not PostgreSQL; give a mysql:// ` +
            'URL, or the port of the PostgreSQL server');
      }
      throw err;
    }
    return store;
  }

  protected override async transaction<T>(
      mode: TransactionMode, fn: (sql: Sql) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    // A checked-out client has no listener of its own: without one, a
    // connection dropped between two queries would stop the process.
    const ignore = () => undefined;
    client.on('error', ignore);
    let broken: Error|undefined;
    try {
      await client.query(mode === 'read' ? 'BEGIN READ ONLY' : 'BEGIN');
      if (mode === 'schema') {
        await client.query('SELECT pg_advisory_xact_lock($1)',
                           [SCHEMA_LOCK_KEY]);
      }
      const result = await fn(this.executor(client));
      await client.query('COMMIT');
      return result;
    } catch (err) {
      const transient = this.transientReason(err) !== undefined;
      const code = errorCode(err);
      if (transient && (code === undefined || !/^[0-9A-Z]{5}$/.test(code))) {
        // No answer in time, or the connection lost: a ROLLBACK would wait
        // as long again. The connection is dropped instead, which ends
        // the transaction on the server.
        broken = err as Error;
        throw err;
      }
      try {
        await client.query('ROLLBACK');
      } catch (rollbackError) {
        broken = rollbackError as Error;
      }
      if (transient) broken ??= err as Error;
      throw err;
    } finally {
      client.removeListener('error', ignore);
      client.release(broken);
    }
  }

  protected override transientReason(err: unknown): string|undefined {
    const code = (err as {code?: unknown}|null)?.code;
    if (typeof code === 'string' &&
        (TRANSIENT_STATES.has(code) || SOCKET_ERROR_CODES.has(code))) {
      return code;
    }
    const message = err instanceof Error ? err.message : '';
    if (/^Query read timeout$/.test(message)) {
      return 'no answer from the server in time (a lock held elsewhere, ' +
          'or the network)';
    }
    if (code === '55000' && CLOSED_DATABASE.test(message)) {
      return '55000: the database is not accepting connections';
    }
    if (TRANSIENT_MESSAGES.some((pattern) => pattern.test(message))) {
      return 'connection lost';
    }
    return undefined;
  }

  protected override async closeConnections(): Promise<void> {
    await this.pool.end();
  }

  private executor(client: PoolClient): Sql {
    return {
      all: async (text: string, params: SqlParam[] = []) =>
          (await client.query(numberPlaceholders(text), params)).rows as Row[],
      run: async (text: string, params: SqlParam[] = []) =>
          (await client.query(numberPlaceholders(text), params)).rowCount ?? 0,
    };
  }
}
