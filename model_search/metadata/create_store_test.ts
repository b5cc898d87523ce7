/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

import * as assert from 'node:assert/strict';

import {UsageError} from '../errors';
import {FlagSet} from '../flags';

import {ConnectionTarget, StoreOptions, createStore, resolveConnection} from './create_store';
import {defineMetadataFlags, leaseSecondsFromFlags, storeOptionsFromFlags} from './flags';
import {StoreError} from './retry';

const NO_ENV = {env: {}};

describe('resolveConnection', () => {
  const cases: Array<{name: string, options: StoreOptions,
                      want: ConnectionTarget}> = [
    {
      name: 'sqlite file',
      options: {url: 'sqlite:/tmp/metadata.db'},
      want: {dialect: 'sqlite', filename: '/tmp/metadata.db',
             display: 'sqlite:/tmp/metadata.db'},
    },
    {
      name: 'sqlite URL with three slashes',
      options: {url: 'sqlite:///tmp/m.db'},
      want: {dialect: 'sqlite', filename: '/tmp/m.db',
             display: 'sqlite:/tmp/m.db'},
    },
    {
      name: 'sqlite in memory',
      options: {url: 'sqlite::memory:'},
      want: {dialect: 'sqlite', filename: ':memory:',
             display: 'sqlite::memory:'},
    },
    {
      name: 'postgres with password',
      options: {url: 'postgres://ann:p%40ss@127.0.0.1:5433/search'},
      want: {
        dialect: 'postgres',
        connection: {host: '127.0.0.1', port: 5433, database: 'search',
                     user: 'ann', password: 'p@ss'},
        display: 'postgres://ann:***@127.0.0.1:5433/search',
      },
    },
    {
      name: 'postgres asking for no TLS',
      options: {url: 'postgres://ann@127.0.0.1/search?sslmode=disable'},
      want: {
        dialect: 'postgres',
        connection: {host: '127.0.0.1', port: 5432, database: 'search',
                     user: 'ann', password: undefined},
        display: 'postgres://ann@127.0.0.1:5432/search?sslmode=disable',
      },
    },
    {
      name: 'postgresql scheme, default port, socket directory',
      options: {url: 'postgresql://ann@localhost/db?host=/run/postgresql'},
      want: {
        dialect: 'postgres',
        connection: {host: '/run/postgresql', port: 5432, database: 'db',
                     user: 'ann', password: undefined},
        display: 'postgres' +
            'ql://ann@localhost:5432/db?host=/run/postgresql',
      },
    },
    {
      name: 'mysql',
      options: {url: 'mysql://root@127.0.0.1/test'},
      want: {
        dialect: 'mysql',
        connection: {host: '127.0.0.1', port: 3306, socketPath: undefined,
                     database: 'test', user: 'root', password: undefined},
        display: 'mysql://root@127.0.0.1:3306/test',
      },
    },
    {
      name: 'the original\'s sqlite flag',
      options: {mlmdDefaultSqlliteFilename: '/tmp/filedb-1'},
      want: {dialect: 'sqlite', filename: '/tmp/filedb-1',
             display: 'sqlite:/tmp/filedb-1'},
    },
    {
      name: 'the original\'s mysql socket flags',
      options: {mlmdSocket: '/run/mysqld/mysqld.sock', mlmdDatabase: 'db',
                mlmdUser: 'u', mlmdPassword: 'secret'},
      want: {
        dialect: 'mysql',
        connection: {socketPath: '/run/mysqld/mysqld.sock', database: 'db',
                     user: 'u', password: 'secret'},
        display: 'mysql://u:***@localhost/db?socket=/run/mysqld/mysqld.sock',
      },
    },
    {
      name: 'mlmd_socket as host:port',
      options: {mlmdSocket: '127.0.0.1:3307', mlmdDatabase: 'db',
                mlmdUser: 'u'},
      want: {
        dialect: 'mysql',
        connection: {host: '127.0.0.1', port: 3307, database: 'db',
                     user: 'u', password: undefined},
        display: 'mysql://u@127.0.0.1:3307/db',
      },
    },
  ];
  for (const c of cases) {
    it(`resolves ${c.name}`, () => {
      assert.deepEqual(resolveConnection({...c.options, ...NO_ENV}), c.want);
    });
  }

  it('takes the password from the environment when none is given', () => {
    const target = resolveConnection({
      url: 'postgres://ann@127.0.0.1/db',
      env: {MODEL_SEARCH_DB_PASSWORD: 'from-env'},
    });

    assert.equal(target.dialect, 'postgres');
    assert.equal((target as {connection: {password?: string}})
                     .connection.password, 'from-env');
    assert.equal(target.display, 'postgres://ann@127.0.0.1:5432/db');
  });

  it('prefers a password given explicitly over the environment', () => {
    const target = resolveConnection({
      mlmdSocket: 'db:3306', mlmdDatabase: 'd', mlmdUser: 'u',
      mlmdPassword: 'flag', env: {MODEL_SEARCH_DB_PASSWORD: 'env'},
    });

    assert.equal((target as {connection: {password?: string}})
                     .connection.password, 'flag');
  });

  const errors: Array<{name: string, options: StoreOptions, want: RegExp}> = [
    {
      name: 'nothing given',
      options: {},
      want: /no metadata database given: set --metadata_db \(sqlite:/,
    },
    {
      name: 'URL and mlmd flags',
      options: {url: 'postgres://u:topsecret@h/d', mlmdSocket: '/s'},
      want: /^both --metadata_db=postgres:\/\/u:\*\*\*@h\/d and --mlmd_\*/,
    },
    {
      name: 'both mlmd databases',
      options: {mlmdDefaultSqlliteFilename: 'a.db', mlmdSocket: '/s'},
      want: /both --mlmd_default_sqllite_filename=a.db and --mlmd_socket=\/s/,
    },
    {
      name: 'incomplete MySQL flags',
      options: {mlmdSocket: '/s', mlmdUser: 'u'},
      want: /the MySQL flags go together: --mlmd_database missing/,
    },
    {
      name: 'MySQL flags without socket',
      options: {mlmdDatabase: 'd'},
      want: /--mlmd_socket, --mlmd_user missing/,
    },
    {
      name: 'unknown scheme',
      options: {url: 'oracle://u:topsecret@h/d'},
      want: /=oracle:\/\/u:\*\*\*@h\/d: unsupported database; use sqlite:/,
    },
    {
      name: 'bad port',
      options: {url: 'postgres://u:topsecret@h:notaport/d'},
      want: /=postgres:\/\/u:\*\*\*@h:notaport\/d is not a valid URL/,
    },
    {
      name: 'no database',
      options: {url: 'mysql://u:topsecret@h:3306'},
      want: /no database; add it as the path: mysql:\/\/user@host\/DATABASE/,
    },
    {
      name: 'unknown parameter',
      options: {url: 'postgres://u:topsecret@h/d?sslmode=require'},
      want: /unknown parameter "sslmode"; supported: host \(connections are not encrypted: there is no TLS; reach a database on another network through an SSH tunnel or a VPN\)$/,
    },
    {
      name: 'a % that starts no percent-encoding',
      options: {url: 'postgres://u:pa%zztopsecret@h/d'},
      want: /^--metadata_db=postgres:\/\/u:\*\*\*@h\/d: the password holds a % that starts no percent-encoding; a user, password or database name holding @ : \/ \? # % is written percent-encoded, e\.g\. p%40ss for p@ss and p%2Fss for p\/ss/,
    },
    {
      name: 'a / in the password',
      options: {url: 'mysql://u:top@secret:/pw@127.0.0.1:3306/d'},
      want: /is not a valid URL \(an @ after the host\); a user, password or database name holding @ : \/ \? # % is written percent-encoded/,
    },
    {
      name: 'empty sqlite file',
      options: {url: 'sqlite:'},
      want: /--metadata_db=sqlite: names no file/,
    },
  ];
  for (const c of errors) {
    it(`refuses ${c.name}, password masked`, () => {
      assert.throws(() => resolveConnection({...c.options, ...NO_ENV}),
                    (err) => err instanceof UsageError &&
                        c.want.test(err.message) &&
                        !err.message.includes('topsecret'));
    });
  }
});

describe('createStore', () => {
  it('opens an in-memory SQLite store', async () => {
    const store = await createStore({url: 'sqlite::memory:'});
    try {
      const {studyId} = await store.openStudy(
          {experimentName: 'm', experimentOwner: 'o'}, 'spec');
      const result = await store.startTrial(studyId, 1, 'w', 60);

      assert.equal(result.status, 'started');
      assert.deepEqual(await store.schemaVersions(), [1, 2, 3]);
    } finally {
      await store.close();
    }
  });

  for (const scheme of ['postgres', 'mysql']) {
    it(`gives up on a refused ${scheme} connection, password masked`,
       async () => {
         const lines: string[] = [];
         const started = Date.now();

         await assert.rejects(
             createStore({
               url: `${scheme}://u:topsecret@127.0.0.1:1/db`,
               logger: (line) => lines.push(line),
               retry: {maxElapsedMs: 300, initialDelayMs: 20},
               ...NO_ENV,
             }),
             (err) => err instanceof StoreError &&
                 err.code === 'ECONNREFUSED' &&
                 new RegExp(`^${scheme}://u:\\*\\*\\*@127\\.0\\.0\\.1:1/db: ` +
                            '.* failed after \\d+ attempts over .*ECONNREFUSED')
                     .test(err.message) &&
                 !`${err.message}${err.stack}`.includes('topsecret'));

         assert.ok(Date.now() - started < 3000);
         assert.ok(lines.length > 0);
         for (const line of lines) {
           assert.match(line, /hit ECONNREFUSED \(attempt \d+\); retrying/);
           assert.ok(!line.includes('topsecret'), line);
         }
       });
  }
});

describe('defineMetadataFlags', () => {
  it('declares the original\'s flag names once', () => {
    const flags = new FlagSet();

    defineMetadataFlags(flags);
    defineMetadataFlags(flags);

    for (const name of ['metadata_db', 'mlmd_default_sqllite_filename',
                        'mlmd_socket', 'mlmd_database', 'mlmd_user',
                        'mlmd_password', 'metadata_retry_seconds',
                        'metadata_lease_seconds']) {
      assert.ok(flags.has(name), name);
    }
    assert.match(flags.helpText(), /^metadata:/);
  });

  it('turns parsed flags into store options', () => {
    const flags = new FlagSet();
    defineMetadataFlags(flags);

    flags.parse(['--mlmd_socket=/run/mysqld/mysqld.sock',
                 '--mlmd_database=db', '--mlmd_user=u',
                 '--metadata_retry_seconds=5']);

    assert.deepEqual(storeOptionsFromFlags('/m', flags), {
      url: undefined,
      mlmdDefaultSqlliteFilename: undefined,
      mlmdSocket: '/run/mysqld/mysqld.sock',
      mlmdDatabase: 'db',
      mlmdUser: 'u',
      mlmdPassword: undefined,
      retry: {maxElapsedMs: 5000},
    });
  });

  it('falls back to a SQLite file in the model dir when no flag is set', () => {
    const flags = new FlagSet();
    defineMetadataFlags(flags);
    flags.parse([]);

    const options = storeOptionsFromFlags('/m', flags);

    assert.equal(options.mlmdDefaultSqlliteFilename, '/m/model_search.db');
    assert.deepEqual(resolveConnection(options),
                     {dialect: 'sqlite', filename: '/m/model_search.db',
                      display: 'sqlite:/m/model_search.db'});
  });

  it('reads the lease, 600 s by default', () => {
    const flags = new FlagSet();
    defineMetadataFlags(flags);

    flags.parse([]);
    const byDefault = leaseSecondsFromFlags(flags);
    flags.parse(['--metadata_lease_seconds=2.5']);

    assert.equal(byDefault, 600);
    assert.equal(leaseSecondsFromFlags(flags), 2.5);
  });

  for (const value of ['0', '-3', '0.9', 'Infinity', '31536001', '1e13']) {
    it(`refuses --metadata_lease_seconds=${value}`, () => {
      const flags = new FlagSet();
      defineMetadataFlags(flags);
      flags.parse([`--metadata_lease_seconds=${value}`]);

      assert.throws(() => leaseSecondsFromFlags(flags), {
        name: 'UsageError',
        message: `--metadata_lease_seconds=${Number(value)}: the lease must ` +
            'be a number of seconds from 1 to 31536000 (a year); the ' +
            'default is 600',
      });
    });
  }
});
