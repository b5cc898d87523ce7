/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/** Trial bookkeeping: trials as data, the store interface and its three
 * implementations (SQLite, PostgreSQL, MySQL), and how to open one. */

export * from './trial';
export * from './store';
export * from './create_store';
export * from './flags';
export {MysqlStore, keyCollationFor} from './mysql_store';
export type {MysqlConnection, MysqlStoreOptions} from './mysql_store';
export {PostgresStore} from './postgres_store';
export type {PostgresConnection, PostgresStoreOptions} from './postgres_store';
export {Redactor, redactUrl} from './redact';
export {DEFAULT_RETRY, StoreError} from './retry';
export type {Logger, RetryOptions} from './retry';
export {LATEST_SCHEMA_VERSION, MIGRATIONS} from './schema';
export {describeSpecDifference} from './spec_diff';
export {LEASE_LOST_PREFIX, SqlStore} from './sql_store';
export type {SqlStoreOptions, StoreHooks} from './sql_store';
export {SqliteStore} from './sqlite_store';
export type {SqliteStoreOptions} from './sqlite_store';
