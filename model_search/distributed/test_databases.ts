/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * A fresh bookkeeping database per test on the local servers the other
 * tests use (PostgreSQL at 127.0.0.1:5432, user postgres; MariaDB at
 * 127.0.0.1:3306, user root; $MS_PG_URL and $MS_MYSQL_URL override them),
 * or a SQLite file. Each is created for one test and dropped after it; a
 * connection of its own runs statements outside the store.
 */

import Database from 'better-sqlite3';
import * as mysql from 'mysql2/promise';
import * as path from 'node:path';
import {Client} from 'pg';

import {numberPlaceholders} from '../metadata/postgres_store';

export type Dialect = 'sqlite'|'postgres'|'mysql';
export type Param = string|number|null;
export type Row = Record<string, unknown>;

/** Set to 1 to skip (instead of failing) the tests that need a server. */
export const SKIP_SERVERS = process.env['MS_SKIP_DB_SERVERS'] === '1';

const POSTGRES_ADMIN =
    process.env['MS_PG_URL'] || 'postgres://postgres@127.0.0.1:5432/test';
const MYSQL_ADMIN =
    process.env['MS_MYSQL_URL'] || 'mysql://root@127.0.0.1:3306/test';

/** Statements outside any store, with `?` placeholders in every dialect. */
export declare interface RawSql {
  all(sql: string, params?: Param[]): Promise<Row[]>;
  /** Returns the number of rows changed. */
  run(sql: string, params?: Param[]): Promise<number>;
}

export declare interface TestDatabase extends RawSql {
  readonly dialect: Dialect;
  /** What the workers get as --metadata_db. */
  readonly url: string;
  /** Drops the database (idempotent). */
  drop(): Promise<void>;
}

let counter = 0;

/** A database name no other run of any test uses. */
function uniqueName(): string {
  return `ms_dist_${process.pid}_${Math.random().toString(36).slice(2, 8)}_${
      ++counter}`;
}

function unreachable(what: string, err: unknown): Error {
  const code = (err as {code?: string}).code ?? (err as Error).message;
  return new Error(`${what} did not answer (${code}); CI starts it (` +
                   '.ci/start_databases), or set MS_SKIP_DB_SERVERS=1 to ' +
                   'skip the tests that need it');
}

/**
 * A new, empty database of `dialect`. For SQLite, `sqliteFile` is the file
 * (the workers' default is model_search.db inside model_dir).
 */
export async function createTestDatabase(
    dialect: Dialect, sqliteFile: string): Promise<TestDatabase> {
  switch (dialect) {
    case 'sqlite':
      return sqliteDatabase(sqliteFile);
    case 'postgres':
      return postgresDatabase(POSTGRES_ADMIN);
    case 'mysql':
      return mysqlDatabase(MYSQL_ADMIN);
    default:
      throw new Error(`unknown dialect ${String(dialect)}`);
  }
}

function sqliteDatabase(file: string): TestDatabase {
  const open = () => new Database(path.resolve(file), {timeout: 10_000});
  return {
    dialect: 'sqlite',
    url: `sqlite:${path.resolve(file)}`,
    async all(sql, params = []) {
      const db = open();
      try {
        return db.prepare(sql).all(...params) as Row[];
      } finally {
        db.close();
      }
    },
    async run(sql, params = []) {
      const db = open();
      try {
        return db.prepare(sql).run(...params).changes;
      } finally {
        db.close();
      }
    },
    async drop() {},
  };
}

async function postgresDatabase(adminUrl: string): Promise<TestDatabase> {
  const admin = new Client({
    connectionString: adminUrl,
    connectionTimeoutMillis: 5000,
  });
  try {
    await admin.connect();
  } catch (err) {
    throw unreachable(`PostgreSQL at ${adminUrl}`, err);
  }
  admin.on('error', () => undefined);
  const name = uniqueName();
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const query = async (sql: string, params: Param[]) => {
    const client = new Client({connectionString: url.toString()});
    await client.connect();
    try {
      return await client.query(numberPlaceholders(sql), params);
    } finally {
      await client.end();
    }
  };
  let dropped = false;
  return {
    dialect: 'postgres',
    url: url.toString(),
    all: async (sql, params = []) => (await query(sql, params)).rows as Row[],
    run: async (sql, params = []) => (await query(sql, params)).rowCount ?? 0,
    async drop() {
      if (dropped) return;
      dropped = true;
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    },
  };
}

async function mysqlDatabase(adminUrl: string): Promise<TestDatabase> {
  let admin: mysql.Connection;
  try {
    admin = await mysql.createConnection({uri: adminUrl, connectTimeout: 5000});
  } catch (err) {
    throw unreachable(`MariaDB at ${adminUrl}`, err);
  }
  const name = uniqueName();
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const execute = async (sql: string, params: Param[]) => {
    const conn = await mysql.createConnection({uri: url.toString()});
    try {
      return (await conn.execute(sql, params))[0];
    } finally {
      await conn.end();
    }
  };
  let dropped = false;
  return {
    dialect: 'mysql',
    url: url.toString(),
    all: async (sql, params = []) => (await execute(sql, params)) as Row[],
    run: async (sql, params = []) =>
        ((await execute(sql, params)) as mysql.ResultSetHeader).affectedRows,
    async drop() {
      if (dropped) return;
      dropped = true;
      await admin.query(`DROP DATABASE IF EXISTS ${name}`);
      await admin.end();
    },
  };
}

/**
 * The --metadata_lease_seconds of the tests that kill a worker: a dead
 * worker's trial is freed this long after its last heartbeat. Live workers
 * beat every fifth of it, so even a loaded machine keeps their leases.
 */
export const SHORT_LEASE_SECONDS = 4;
