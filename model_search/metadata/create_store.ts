/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * Opens the store a user asked for: a database URL (`--metadata_db`) or the
 * original's `--mlmd_*` flag values. The password may come from the URL,
 * from `mlmdPassword`, or from the environment variable
 * MODEL_SEARCH_DB_PASSWORD (which keeps it off the command line); it never
 * appears in a message.
 *
 * Porting note: the original's `--mlmd_socket` names a MySQL unix socket;
 * here it may also be `host:port` for MySQL over TCP.
 */

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import {UsageError} from '../errors';
import {shellWord} from '../utf8';

import {MysqlConnection, MysqlStore} from './mysql_store';
import {PostgresConnection, PostgresStore} from './postgres_store';
import {redactUrl} from './redact';
import {StoreError} from './retry';
import type {SqlStore, SqlStoreOptions} from './sql_store';
import {SqliteStore} from './sqlite_store';

/** The environment variable read for the password when none is given. */
export const PASSWORD_ENV_VAR = 'MODEL_SEARCH_DB_PASSWORD';

export declare interface StoreOptions extends SqlStoreOptions {
  /**
   * `sqlite:/path/file.db`, `sqlite::memory:`,
   * `postgres://user[:password]@host[:port]/db[?host=/socket/dir]`,
   * `mysql://user[:password]@host[:port]/db[?socket=/path.sock]`.
   */
  url?: string;
  /** The original's --mlmd_default_sqllite_filename: a SQLite file. */
  mlmdDefaultSqlliteFilename?: string;
  /** The original's --mlmd_socket: MySQL unix socket, or host:port. */
  mlmdSocket?: string;
  mlmdDatabase?: string;
  mlmdUser?: string;
  mlmdPassword?: string;
  /** Where to read a password none of the above gave. */
  passwordEnvVar?: string;
  /** The environment to read it from; process.env by default. */
  env?: Record<string, string|undefined>;
  /** Connections per PostgreSQL / MySQL store (default 4). */
  poolSize?: number;
  /** Per connection attempt (default 10000). */
  connectTimeoutMs?: number;
  /**
   * PostgreSQL / MySQL: the longest one statement may wait for the server
   * (a lock held by hand, a stalled network) before the call counts as
   * failed and is retried within the retry budget (default 30000).
   */
  queryTimeoutMs?: number;
  /**
   * SQLite busy timeout per statement (default 5000, or the retry budget
   * when that is shorter, but at least 1000).
   */
  busyTimeoutMs?: number;
}

/** Where a store lives, resolved from StoreOptions. */
export type ConnectionTarget = {
  dialect: 'sqlite',
  filename: string,
  display: string,
}|{
  dialect: 'postgres',
  connection: PostgresConnection,
  display: string,
}|{
  dialect: 'mysql',
  connection: MysqlConnection,
  display: string,
};

const URL_FORMS = 'sqlite:/path/metadata.db, sqlite::memory:, ' +
    'postgres://user@host:5432/database or mysql://user@host:3306/database';

/** Whether any of the `--mlmd_*` flags is set in `options`. */
export function mlmdGiven(options: StoreOptions): boolean {
  return [
    options.mlmdDefaultSqlliteFilename, options.mlmdSocket,
    options.mlmdDatabase, options.mlmdUser, options.mlmdPassword,
  ].some((v) => v !== undefined && v !== '');
}

/**
 * Resolves the options to one database, without connecting (a SQLite
 * file's directory must exist).
 */
export function resolveConnection(options: StoreOptions): ConnectionTarget {
  const mlmd = mlmdGiven(options);
  const urlGiven = options.url !== undefined && options.url !== '';
  if (urlGiven && mlmd) {
    throw new UsageError(
        `both --metadata_db=${redactUrl(options.url!)} and --mlmd_* flags ` +
        'are set; give one of them');
  }
  const target = urlGiven ? fromUrl(options.url!) :
      mlmd ? fromMlmdFlags(options) : undefined;
  if (target === undefined) {
    throw new UsageError(
        'no metadata database given: set --metadata_db (' + URL_FORMS +
        ') or --mlmd_default_sqllite_filename');
  }
  if (target.dialect !== 'sqlite' && target.connection.password === undefined) {
    const name = options.passwordEnvVar ?? PASSWORD_ENV_VAR;
    const fromEnv = (options.env ?? process.env)[name];
    if (fromEnv !== undefined && fromEnv !== '') {
      target.connection.password = fromEnv;
    }
  }
  return target;
}

/** Opens the store the options name, creating or migrating its schema. */
export async function createStore(options: StoreOptions): Promise<SqlStore> {
  const target = resolveConnection(options);
  try {
    switch (target.dialect) {
      case 'sqlite':
        // A lock's wait is no longer than the retry budget either, but a
        // second at least: workers of one file take turns at it.
        return await SqliteStore.open({
          ...options,
          filename: target.filename,
          busyTimeoutMs: options.busyTimeoutMs ??
              Math.max(1000,
                       Math.min(5000, options.retry?.maxElapsedMs ?? 5000)),
        });
      case 'postgres':
        return await PostgresStore.open({
          ...options, connection: target.connection, target: target.display,
        });
      case 'mysql':
        return await MysqlStore.open({
          ...options, connection: target.connection, target: target.display,
        });
      default:
        throw new Error('unreachable');
    }
  } catch (e) {
    const byFlags = options.url === undefined || options.url === '';
    const envVar = `$${options.passwordEnvVar ?? PASSWORD_ENV_VAR}`;
    const noPassword = target.dialect !== 'sqlite' &&
        target.connection.password === undefined;
    if (e instanceof StoreError && noPassword &&
        PASSWORD_WANTED.test(e.message)) {
      // The driver's own words name SCRAM's first message, not the cause.
      throw new UsageError(`${target.display}: the server asks for a ` +
          `password and none was given; give it in ${envVar}${
              byFlags ? ' (or --mlmd_password)' :
                        ' (or in the URL, user:password@host)'}`);
    }
    if (e instanceof StoreError && PRIVILEGE_FAILURES.has(e.code ?? '') &&
        target.dialect !== 'sqlite') {
      // Logged in, but may not make the study's tables there.
      const name = target.connection.database;
      throw new UsageError(`${e.message}: the user may not create or ` +
          `change the tables of database "${name}"; give it the rights (${
              target.dialect === 'postgres' ?
                  `the database's owner has them: ALTER DATABASE ${
                      quotedIdentifier(name, 'postgres')} OWNER TO <user>` :
                  `GRANT ALL PRIVILEGES ON ${
                      quotedIdentifier(name, 'mysql')}.* TO <user>`}), or ` +
          'give a user who has them');
    }
    if (e instanceof StoreError && AUTH_FAILURES.has(e.code ?? '')) {
      // Refused credentials: bad input, not an outage.
      // PostgreSQL's refusal of a password does not say none was given
      // (MySQL's says `using password: NO`).
      const none = noPassword && e.code === '28P01' ?
          ' (no password was given)' : '';
      if (e.code === 'ER_DBACCESS_DENIED_ERROR' &&
          target.dialect !== 'sqlite') {
        // The login worked: the user may not use that database, or none
        // of that name exists (MySQL says the same of both).
        const name = target.connection.database;
        throw new UsageError(`${e.message}: the user logged in, but may not ` +
            `use a database "${name}", or there is none of that name; ${
                byFlags ? 'check --mlmd_database' :
                          'check the database name in the URL'}, or grant ` +
            'the user on it');
      }
      throw new UsageError(e.message + none + (byFlags ?
          `; check --mlmd_user and the password (--mlmd_password, or ` +
              `better ${envVar})` :
          `; check the user in the URL and the password (in the URL, or ` +
              `better in ${envVar})`));
    }
    if (e instanceof StoreError && NO_DATABASE.has(e.code ?? '') &&
        target.dialect !== 'sqlite') {
      const name = target.connection.database;
      const flag = byFlags ? `--mlmd_database=${name}` :
                             `--metadata_db=${target.display}`;
      // A reader (cli trials, report) has no study to look at there: a
      // misspelt name, most likely; a search worker needs it created.
      const said = `${flag}: the server has no database "${name}" (${
          e.code})`;
      const tool = target.dialect === 'postgres' ? 'createdb' :
                                                   'mysqladmin create';
      throw new UsageError(options.readOnly ?
          `${said}; name the database the search wrote to` :
          `${said}; create it first (CREATE DATABASE ${
              quotedIdentifier(name, target.dialect)}; as ${tool} ${
              shellWord(name)} does), or name an existing database`);
    }
    throw e;
  }
}

/**
 * `name` as SQL takes it: as it is when a plain word, else quoted as the
 * dialect quotes identifiers.
 */
function quotedIdentifier(name: string, dialect: string): string {
  // PostgreSQL folds an unquoted name to lower case: H1_Up would make h1_up.
  const plain = dialect === 'postgres' ? /^[a-z_][a-z0-9_]*$/ :
                                         /^[A-Za-z_][A-Za-z0-9_]*$/;
  if (plain.test(name)) return name;
  return dialect === 'mysql' ? `\`${name.replace(/`/g, '``')}\`` :
                               `"${name.replace(/"/g, '""')}"`;
}

/** Error codes of a server that has no database of the name given. */
const NO_DATABASE = new Set([
  '3D000',            // PostgreSQL: invalid_catalog_name
  'ER_BAD_DB_ERROR',  // MySQL, MariaDB
]);

/**
 * What node-postgres says when a server wants a SCRAM password and none
 * was given (it has no code of its own).
 */
const PASSWORD_WANTED = /client password must be a (non-empty )?string/;

/** Error codes of a server that refused the user or the password. */
/**
 * Refusals of a user who logged in to create or change tables: MySQL's
 * (a grant of SELECT only, say), and PostgreSQL's insufficient_privilege
 * (no CREATE on the schema public, the default since PostgreSQL 15).
 */
const PRIVILEGE_FAILURES = new Set([
  'ER_TABLEACCESS_DENIED_ERROR', 'ER_COLUMNACCESS_DENIED_ERROR',
  'ER_SPECIFIC_ACCESS_DENIED_ERROR', '42501',
]);

const AUTH_FAILURES = new Set([
  '28P01', '28000',                                       // PostgreSQL
  'ER_ACCESS_DENIED_ERROR', 'ER_DBACCESS_DENIED_ERROR',   // MySQL
  'ER_ACCESS_DENIED_NO_PASSWORD_ERROR',  // MySQL, a user given no password
]);

function fromUrl(url: string): ConnectionTarget {
  if (url.startsWith('sqlite:')) {
    let filename = url.slice('sqlite:'.length);
    if (filename.startsWith('//')) filename = filename.slice(2);
    if (filename === '') {
      throw new UsageError(`--metadata_db=${url} names no file; use ${
          URL_FORMS}`);
    }
    const dir = path.dirname(filename);
    if (filename !== ':memory:' && !fs.existsSync(dir)) {
      throw new UsageError(`--metadata_db=${url}: the directory ${dir} ` +
                           'does not exist; create it first');
    }
    return {dialect: 'sqlite', filename, display: `sqlite:${filename}`};
  }
  const scheme = url.slice(0, Math.max(0, url.indexOf('://')));
  const dialect = ({
    postgres: 'postgres',
    postgresql: 'postgres',
    mysql: 'mysql',
    mariadb: 'mysql',
  } as Record<string, 'postgres'|'mysql'|undefined>)[scheme];
  if (dialect === undefined) {
    throw new UsageError(`--metadata_db=${redactUrl(url)}: unsupported ` +
                         `database; use ${URL_FORMS}`);
  }
  const hostless = /^[a-z]+:\/\/[^/?#]*@\//i.test(url);
  let parsed: URL;
  try {
    // A user and no host (`mysql://user@/db?socket=...`, as for a unix
    // socket) is no URL to the WHATWG parser: read with the default host,
    // which the socket parameter then replaces.
    parsed = new URL(url.replace(/^([a-z]+:\/\/[^/?#]*@)(?=\/)/i, '$1localhost'));
  } catch {
    // Most often a password holding @, : or /, which end its part of the
    // URL early.
    throw new UsageError(`--metadata_db=${redactUrl(url)} is not a valid ` +
                         `URL; use ${URL_FORMS} (a user or password ` +
                         'holding @ : / ? # % is written percent-encoded, ' +
                         'e.g. p%40ss for p@ss, or the password given in ' +
                         `$${PASSWORD_ENV_VAR} instead)`);
  }
  const shown = redactUrl(url);
  const encodingHint = 'a user, password or database name holding @ : / ? ' +
      '# % is written ' +
      'percent-encoded, e.g. p%40ss for p@ss and p%2Fss for p/ss, or the ' +
      `password given in $${PASSWORD_ENV_VAR} instead`;
  const decoded = (part: string, what: string) => {
    try {
      return decodeURIComponent(part);
    } catch {
      // A % not followed by two hex digits.
      throw new UsageError(`--metadata_db=${shown}: the ${what} holds a % ` +
                           `that starts no percent-encoding; ${encodingHint}`);
    }
  };
  if (parsed.pathname.includes('@')) {
    // The part before the host ended early: a / in the password, say.
    throw new UsageError(`--metadata_db=${shown} is not a valid URL (an @ ` +
                         `after the host); ${encodingHint}`);
  }
  const database = decoded(parsed.pathname.replace(/^\//, ''), 'database');
  if (database === '' || database.includes('/')) {
    throw new UsageError(`--metadata_db=${shown} names no database; add it ` +
                         `as the path: ${scheme}://user@host/DATABASE`);
  }
  const user = parsed.username !== '' ? decoded(parsed.username, 'user') :
                                        os.userInfo().username;
  const password = parsed.password !== '' ?
      decoded(parsed.password, 'password') :
      undefined;
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1') || 'localhost';
  const port = parsed.port === '' ? (dialect === 'postgres' ? 5432 : 3306) :
                                    Number(parsed.port);
  const allowed = dialect === 'postgres' ? ['host'] : ['socket'];
  for (const [key, value] of parsed.searchParams.entries()) {
    // A URL pasted from elsewhere may ask for no TLS, which is all there
    // is (or allow going without it).
    if (dialect === 'postgres' && key === 'sslmode' &&
        ['disable', 'allow', 'prefer'].includes(value)) {
      continue;
    }
    if (!allowed.includes(key)) {
      throw new UsageError(`--metadata_db=${shown}: unknown parameter "${
          key}"; supported: ${allowed.join(', ')}${
          /ssl|tls/i.test(key) ?
              ' (connections are not encrypted: there is no TLS; reach a ' +
                  'database on another network through an SSH tunnel or a ' +
                  'VPN)' :
              ''}`);
    }
  }
  const auth = `${encodeURIComponent(user)}${password ? ':***' : ''}`;
  // Shown as given: a socket URL without a host has no host or port.
  const display = hostless ?
      `${scheme}://${auth}@/${encodeURIComponent(database)}${parsed.search}` :
      `${scheme}://${auth}@${parsed.hostname || host}:${port}/${
          encodeURIComponent(database)}${parsed.search}`;
  if (dialect === 'postgres') {
    const socketDir = parsed.searchParams.get('host');
    if (socketDir !== null && /\/\.s\.PGSQL\.\d+$/.test(socketDir)) {
      // The client adds the file's name to the directory itself.
      throw new UsageError(`--metadata_db=${shown}: host= names the ` +
                           `socket file; give its directory, host=${
                               path.dirname(socketDir)}`);
    }
    return {
      dialect,
      connection: {host: socketDir ?? host, port, database, user, password},
      display,
    };
  }
  const socketPath = parsed.searchParams.get('socket') ?? undefined;
  return {
    dialect,
    connection: {host, port, socketPath, database, user, password},
    display,
  };
}

function fromMlmdFlags(options: StoreOptions): ConnectionTarget {
  const sqlite = options.mlmdDefaultSqlliteFilename ?? '';
  const socket = options.mlmdSocket ?? '';
  if (sqlite !== '' && socket !== '') {
    throw new UsageError(
        `both --mlmd_default_sqllite_filename=${sqlite} and --mlmd_socket=${
            socket} are set; give one (SQLite file or MySQL server)`);
  }
  if (sqlite !== '') {
    return {dialect: 'sqlite', filename: sqlite, display: `sqlite:${sqlite}`};
  }
  const missing: string[] = [];
  if (socket === '') missing.push('--mlmd_socket');
  if (!options.mlmdDatabase) missing.push('--mlmd_database');
  if (!options.mlmdUser) missing.push('--mlmd_user');
  if (missing.length > 0) {
    throw new UsageError(
        `the MySQL flags go together: ${missing.join(', ')} missing ` +
        '(need --mlmd_socket, --mlmd_database and --mlmd_user, and ' +
        `--mlmd_password or $${options.passwordEnvVar ?? PASSWORD_ENV_VAR} ` +
        'when the user has a password)');
  }
  const database = options.mlmdDatabase!;
  const user = options.mlmdUser!;
  const password = options.mlmdPassword || undefined;
  const auth = `${encodeURIComponent(user)}${password ? ':***' : ''}`;
  if (socket.includes('/')) {
    return {
      dialect: 'mysql',
      connection: {socketPath: socket, database, user, password},
      display: `mysql://${auth}@localhost/${
          encodeURIComponent(database)}?socket=${socket}`,
    };
  }
  const match = /^([^:]+|\[[^\]]+\])(?::(\d+))?$/.exec(socket);
  if (match === null) {
    throw new UsageError(`--mlmd_socket=${socket} is neither a unix socket ` +
                         'path (/run/mysqld/mysqld.sock) nor host:port');
  }
  const host = match[1].replace(/^\[(.*)\]$/, '$1');
  const port = match[2] === undefined ? 3306 : Number(match[2]);
  return {
    dialect: 'mysql',
    connection: {host, port, database, user, password},
    display: `mysql://${auth}@${match[1]}:${port}/${
        encodeURIComponent(database)}`,
  };
}
