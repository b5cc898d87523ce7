/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * The database flags of a search binary: the original's `--mlmd_*` flags
 * (names kept; empty strings stand for its None defaults) and
 * `--metadata_db`, a URL naming any of the three databases.
 */

import * as path from 'node:path';

import {UsageError} from '../errors';
import {FLAGS, FlagSet} from '../flags';

import type {StoreOptions} from './create_store';
import {mlmdGiven, PASSWORD_ENV_VAR} from './create_store';
import {DEFAULT_LEASE_SECONDS} from './store';

const MODULE = 'metadata';

/** A define that leaves a flag already declared as it is. */
function definer(flags: FlagSet) {
  return (name: string, args: Parameters<FlagSet['define']>[1]) => {
    flags.defineOnce(name, {...args, module: MODULE});
  };
}

/**
 * Declares the flags that name the database, `--metadata_db` and the
 * `--mlmd_*` ones, on `flags` (the process flags by default): what the
 * search and the commands that read a study take. Safe to call more than
 * once.
 */
export function defineDatabaseFlags(flags: FlagSet = FLAGS): void {
  const define = definer(flags);
  define('metadata_db', {
    type: 'string',
    default: '',
    help: 'The bookkeeping database shared by the workers of one search: ' +
        'sqlite:/path/metadata.db, postgres://user@host:5432/db or ' +
        'mysql://user@host:3306/db. The password is best given in $' +
        `${PASSWORD_ENV_VAR}. Give this or the --mlmd_* flags, not both.`,
  });
  define('mlmd_default_sqllite_filename', {
    type: 'string',
    default: '',
    help: 'A SQLite file for the bookkeeping (as in the original).',
  });
  define('mlmd_socket', {
    type: 'string',
    default: '',
    help: 'MySQL server: a unix socket path, or host:port. Needs ' +
        '--mlmd_database and --mlmd_user.',
  });
  define('mlmd_database', {
    type: 'string',
    default: '',
    help: 'MySQL database name (with --mlmd_socket).',
  });
  define('mlmd_user', {
    type: 'string',
    default: '',
    help: 'MySQL user (with --mlmd_socket).',
  });
  define('mlmd_password', {
    type: 'string',
    default: '',
    help: 'MySQL password (with --mlmd_socket). Other users of this ' +
        `machine can read command lines: prefer $${PASSWORD_ENV_VAR}.`,
  });
}

/**
 * Declares the database flags and those of a search's workers (retries,
 * the lease) on `flags` (the process flags by default). Safe to call more
 * than once: a flag already declared is left as it is.
 */
export function defineMetadataFlags(flags: FlagSet = FLAGS): void {
  defineDatabaseFlags(flags);
  const define = definer(flags);
  define('metadata_retry_seconds', {
    type: 'float',
    default: 60,
    help: 'How long to keep retrying a database call that fails for a ' +
        'transient reason (connection lost, deadlock, busy) before giving up.',
  });
  define('metadata_lease_seconds', {
    type: 'float',
    default: DEFAULT_LEASE_SECONDS,
    help: 'A worker holds its RUNNING trial on a lease, renewed by a ' +
        'heartbeat every fifth of this time (at least once a minute). ' +
        'When a worker dies, its trial is marked FAILED ("worker lost") by ' +
        'the next worker that asks for a trial once the lease has run out, ' +
        'and a new trial with a new id takes its place (the lost one is ' +
        'not run again). Keep it ' +
        'well above the longest pause of a live worker (a database restart, ' +
        'a slow training step); every worker of a study should use the ' +
        `same value. From ${MIN_LEASE_SECONDS} to ${MAX_LEASE_SECONDS}.`,
  });
}

/**
 * The shortest lease accepted: heartbeats every fifth of it must still get
 * through a loaded machine and a round trip to the database.
 */
export const MIN_LEASE_SECONDS = 1;

/**
 * The longest lease accepted, a year: enough to never take a trial back,
 * while its expiry stays a date the databases store.
 */
export const MAX_LEASE_SECONDS = 365 * 24 * 3600;

/** --metadata_lease_seconds, checked. */
export function leaseSecondsFromFlags(flags: FlagSet = FLAGS): number {
  const seconds = flags.get<number>('metadata_lease_seconds');
  if (!Number.isFinite(seconds) || seconds < MIN_LEASE_SECONDS ||
      seconds > MAX_LEASE_SECONDS) {
    throw new UsageError(
        `--metadata_lease_seconds=${seconds}: the lease must be a number of ` +
        `seconds from ${MIN_LEASE_SECONDS} to ${MAX_LEASE_SECONDS} (a ` +
        `year); the default is ${DEFAULT_LEASE_SECONDS}`);
  }
  return seconds;
}

/** The SQLite file in the model directory used when no flag names one. */
export const DEFAULT_SQLITE_FILENAME = 'model_search.db';

/**
 * StoreOptions from the parsed flags. When no database flag is set and
 * `modelDir` is given, the SQLite file `<modelDir>/model_search.db` is used,
 * which every worker writing to that model directory shares.
 *
 * Porting note: the original fell back to a random /tmp/filedb-N file,
 * which silently kept workers from sharing.
 */
export function storeOptionsFromFlags(
    modelDir?: string, flags: FlagSet = FLAGS): StoreOptions {
  const retrySeconds = flags.get<number>('metadata_retry_seconds');
  if (!(retrySeconds >= 0 && retrySeconds < Infinity)) {
    throw new UsageError(
        `--metadata_retry_seconds=${retrySeconds}: give a number of ` +
        'seconds >= 0 (0: no retries)');
  }
  const options: StoreOptions = {
    ...databaseFromFlags(flags),
    retry: {maxElapsedMs: retrySeconds * 1000},
  };
  if (!databaseGiven(options) && modelDir !== undefined && modelDir !== '') {
    options.mlmdDefaultSqlliteFilename =
        path.join(modelDir, DEFAULT_SQLITE_FILENAME);
  }
  return options;
}

/**
 * The database the flags of defineDatabaseFlags name (empty flags left
 * out), with paths as given: resolveConnection checks the combination.
 */
export function databaseFromFlags(flags: FlagSet = FLAGS): StoreOptions {
  const text = (name: string) => flags.get<string>(name) || undefined;
  return {
    url: text('metadata_db'),
    mlmdDefaultSqlliteFilename: text('mlmd_default_sqllite_filename'),
    mlmdSocket: text('mlmd_socket'),
    mlmdDatabase: text('mlmd_database'),
    mlmdUser: text('mlmd_user'),
    mlmdPassword: text('mlmd_password'),
  };
}

/** Whether `options` name a database at all. */
function databaseGiven(options: StoreOptions): boolean {
  return (options.url !== undefined && options.url !== '') ||
      mlmdGiven(options);
}
