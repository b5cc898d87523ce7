/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

import * as assert from 'node:assert/strict';
import * as net from 'node:net';

import {UsageError} from '../errors';
import {FlagSet} from '../flags';

import {ConnectionTarget, StoreOptions, createStore, resolveConnection} from './create_store';
import {defineMetadataFlags, leaseSecondsFromFlags, storeOptionsFromFlags} from './flags';
import {StoreError} from './retry';

const NO_ENV = {env: {}};

/** A message of PostgreSQL's protocol: type byte, length, body. */
function pgMessage(type: string, body: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head.write(type);
  head.writeInt32BE(4 + body.length, 1);
  return Buffer.concat([head, body]);
}

/**
 * A loopback server that answers a PostgreSQL client's start-up as a
 * server wanting a password does: SCRAM-SHA-256 ('sasl': its first
 * challenge after the client's first message), or MD5, and then refuses
 * whatever comes (28P01). Resolves to its port and a closer.
 */
async function passwordWantingServer(kind: 'sasl'|'md5'):
    Promise<{port: number, close: () => Promise<void>}> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    let pending = Buffer.alloc(0);
    let started = false;
    let challenged = false;
    socket.on('data', (data) => {
      pending = Buffer.concat([pending, data]);
      for (;;) {
        if (!started) {
          if (pending.length < 8 || pending.length < pending.readInt32BE(0)) {
            return;
          }
          const code = pending.readInt32BE(4);
          pending = pending.subarray(pending.readInt32BE(0));
          if (code === 80877103) {  // a request for TLS: declined
            socket.write('N');
            continue;
          }
          started = true;
          const auth = Buffer.alloc(kind === 'sasl' ? 4 : 8);
          auth.writeInt32BE(kind === 'sasl' ? 10 : 5, 0);
          socket.write(pgMessage('R', kind === 'sasl' ?
              Buffer.concat([auth, Buffer.from('SCRAM-SHA-256\0\0')]) : auth));
          continue;
        }
        if (pending.length < 5 || pending.length < 1 + pending.readInt32BE(1)) {
          return;
        }
        const body = pending.subarray(5, 1 + pending.readInt32BE(1));
        pending = pending.subarray(1 + pending.readInt32BE(1));
        if (kind === 'sasl' && !challenged) {
          challenged = true;
          const nonce = /r=([^,]+)/.exec(body.toString())?.[1] ?? 'n';
          const head = Buffer.alloc(4);
          head.writeInt32BE(11, 0);
          socket.write(pgMessage('R', Buffer.concat([head, Buffer.from(
              `r=${nonce}server,s=${Buffer.from('salt').toString('base64')}` +
              ',i=4096')])));
          continue;
        }
        socket.end(pgMessage('E', Buffer.from(
            'SFATAL\0C28P01\0Mpassword authentication failed for user ' +
            '"u"\0\0')));
        return;
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () => new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    }),
  };
}

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
      name: 'postgres by a socket directory, no host (as the README writes)',
      options: {url: 'postgres://ann@/db?host=/run/postgresql'},
      want: {
        dialect: 'postgres',
        connection: {host: '/run/postgresql', port: 5432, database: 'db',
                     user: 'ann', password: undefined},
        display: 'postgres://ann@/db?host=/run/postgresql',
      },
    },
    {
      name: 'mysql by a socket, no host (as the README writes)',
      options: {url: 'mysql://root:pw@/db?socket=/run/mysqld/mysqld.sock'},
      want: {
        dialect: 'mysql',
        connection: {host: 'localhost', port: 3306,
                     socketPath: '/run/mysqld/mysqld.sock', database: 'db',
                     user: 'root', password: 'pw'},
        display: 'mysql://root:***@/db?socket=/run/mysqld/mysqld.sock',
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

  it('asks for the directory of a PostgreSQL socket, not the file', () => {
    assert.throws(
        () => resolveConnection({
          url: 'postgres://ann@/db?host=/run/postgresql/.s.PGSQL.5432',
          ...NO_ENV,
        }),
        new UsageError(
            '--metadata_db=postgres://ann@/db?host=/run/postgresql/' +
            '.s.PGSQL.5432: host= names the socket file; give its ' +
            'directory, host=/run/postgresql'));
  });

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

  it('says a PostgreSQL server wanting a SCRAM password was given none',
     async () => {
       const server = await passwordWantingServer('sasl');
       try {
         const url = `postgres://u@127.0.0.1:${server.port}/db`;
         const byUrl = await createStore({url, ...NO_ENV}).then(
             () => assert.fail('opened'), (e: Error) => e);
         assert.ok(byUrl instanceof UsageError, String(byUrl));
         assert.equal(byUrl.message, `${url}: the server asks for a password ` +
                      'and none was given; give it in ' +
                      '$MODEL_SEARCH_DB_PASSWORD (or in the URL, ' +
                      'user:password@host)');
         // With a password, the server's refusal is passed on as it is.
         const given = await createStore({
           url: `postgres://u:wrong@127.0.0.1:${server.port}/db`, ...NO_ENV,
         }).then(() => assert.fail('opened'), (e: Error) => e);
         assert.ok(given instanceof UsageError, String(given));
         assert.match(given.message, /password authentication failed/);
         assert.doesNotMatch(given.message, /no password was given/);
       } finally {
         await server.close();
       }
     });

  it('adds that no password was given to an MD5 refusal', async () => {
    const server = await passwordWantingServer('md5');
    try {
      const err = await createStore({
        url: `postgres://u@127.0.0.1:${server.port}/db`, ...NO_ENV,
      }).then(() => assert.fail('opened'), (e: Error) => e);
      assert.ok(err instanceof UsageError, String(err));
      assert.match(err.message, /28P01: password authentication failed for user "u" \(no password was given\); check the user in the URL/);
    } finally {
      await server.close();
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
