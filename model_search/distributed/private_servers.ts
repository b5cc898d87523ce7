/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * Database servers of a test's own: a PostgreSQL cluster (initdb, pg_ctl)
 * or a MariaDB server (mariadb-install-db, mariadbd), each with its data in
 * a fresh directory and listening on a free port of 127.0.0.1 only. A test
 * may stop and start them at will without disturbing the shared servers
 * other tests use. They are built for speed, not durability (no fsync).
 *
 * Both servers refuse to run as root: as root, the data directory is
 * handed to the servers' system users (postgres, mysql) and the servers run
 * as them; it then lives under /tmp, since the test's own temporary
 * directory sits below a home directory those users cannot enter.
 *
 * $MS_PG_BINDIR (the directory of initdb and pg_ctl) and $MS_MARIADBD (the
 * server binary) override where the programs are looked for.
 *
 * A test killed before it destroys its servers (a Bazel timeout) leaves
 * them running; each directory names the process that owns it, and the
 * next start stops and removes the servers of owners that are gone.
 */

import {ChildProcess, execFile, spawn} from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import * as mysql from 'mysql2/promise';
import {Client} from 'pg';

import {sleep} from './search_workers';

/** The database each server creates for the test. */
const DATABASE = 'ms_restart';

/** How long a server may take to answer after a start. */
const START_TIMEOUT_MS = 30_000;

export declare interface PrivateServer {
  readonly dialect: 'postgres'|'mysql';
  readonly port: number;
  /** Its directory: data, log, socket and the owner's pid. */
  readonly dir: string;
  /** The test's database on the server, for --metadata_db. */
  readonly url: string;
  /** Shuts the server down cleanly; resolves once it has exited. */
  stop(): Promise<void>;
  /** Starts it again on the same port and data; resolves once it answers. */
  start(): Promise<void>;
  /** Stops the server if it runs and removes its directory. Idempotent. */
  destroy(): Promise<void>;
  /** The end of the server's log, for failure messages. */
  logTail(): string;
}

const isRoot = () => process.getuid?.() === 0;

/** Runs a program, as `user` when this process is root. */
function run(program: string, args: string[], user: string,
             timeoutMs = 60_000): Promise<string> {
  const [file, argv] = isRoot() ?
      ['runuser', ['-u', user, '--', program, ...args]] :
      [program, args];
  return new Promise((resolve, reject) => {
    execFile(file, argv, {timeout: timeoutMs}, (err, stdout, stderr) => {
      if (err) {
        reject(new Error(`${program} ${args.join(' ')} failed: ${
            err.message}\n${stdout}${stderr}`));
        return;
      }
      resolve(stdout + stderr);
    });
  });
}

/** A port on 127.0.0.1 that nothing listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

/** Prefixes of the servers' directories, by dialect. */
const PREFIXES = {postgres: 'ms-pg-', mysql: 'ms-mariadb-'} as const;
/** In a server's directory: the pid of the process that started it. */
const OWNER_FILE = 'owner.pid';

/** Where the servers' directories are made. */
function serversRoot(): string {
  return isRoot() ? '/tmp' : os.tmpdir();
}

/** A new directory the server's user `owner` may write. */
function serverDirectory(prefix: string, owner: string): string {
  const dir = fs.mkdtempSync(path.join(serversRoot(), prefix));
  fs.writeFileSync(path.join(dir, OWNER_FILE), `${process.pid}\n`);
  if (isRoot()) {
    try {
      const {uid, gid} = userIds(owner);
      fs.chownSync(dir, uid, gid);
    } catch (err) {
      fs.rmSync(dir, {recursive: true, force: true});
      throw new Error(`cannot give ${dir} to user ${owner} (${
          (err as Error).message}); in a sandbox whose user namespace maps ` +
          'root alone, run the test outside it (Bazel tag "no-sandbox")');
    }
  }
  return dir;
}

/** Whether a process of this pid runs (or exists, owned by another user). */
function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Stops the private servers whose owning process is gone and removes their
 * directories; returns those directories. Servers of live owners (other
 * tests running now) are left alone.
 */
export async function removeOrphanedServers(): Promise<string[]> {
  const root = serversRoot();
  const removed: string[] = [];
  for (const name of fs.readdirSync(root)) {
    const dialect = name.startsWith(PREFIXES.postgres) ? 'postgres' :
        name.startsWith(PREFIXES.mysql) ? 'mysql' : undefined;
    if (dialect === undefined) continue;
    const dir = path.join(root, name);
    let owner: number;
    try {
      owner = Number(fs.readFileSync(path.join(dir, OWNER_FILE), 'utf8'));
    } catch {
      continue;  // not ours, or still being made
    }
    if (!Number.isInteger(owner) || owner <= 0 || processExists(owner)) {
      continue;
    }
    if (dialect === 'postgres') {
      const data = path.join(dir, 'data');
      if (fs.existsSync(path.join(data, 'postmaster.pid'))) {
        await run(path.join(postgresBinDir(), 'pg_ctl'),
                  ['-D', data, '-m', 'immediate', '-w', 'stop'], 'postgres')
            .catch(() => undefined);
      }
    } else {
      const pidFile = path.join(dir, 'mysqld.pid');
      const pid = fs.existsSync(pidFile) ?
          Number(fs.readFileSync(pidFile, 'utf8')) : NaN;
      if (Number.isInteger(pid) && pid > 0 && processExists(pid)) {
        process.kill(pid, 'SIGKILL');
        // The signal is delivered later: until the process is gone its
        // port still answers and its files are still open.
        const deadline = Date.now() + START_TIMEOUT_MS;
        while (processExists(pid) && Date.now() < deadline) await sleep(50);
      }
    }
    fs.rmSync(dir, {recursive: true, force: true});
    removed.push(dir);
  }
  return removed;
}

/** uid and gid of a system user, from /etc/passwd. */
function userIds(user: string): {uid: number, gid: number} {
  for (const line of fs.readFileSync('/etc/passwd', 'utf8').split('\n')) {
    const fields = line.split(':');
    if (fields[0] === user) {
      return {uid: Number(fields[2]), gid: Number(fields[3])};
    }
  }
  throw new Error(`no user ${user} in /etc/passwd: the database server ` +
                  'package creates it; install the server');
}

function tail(file: string, lines = 20): string {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n')
        .slice(-lines).join('\n');
  } catch (err) {
    return `(no log: ${(err as Error).message})`;
  }
}

/** Polls `answers` until it resolves true or the timeout passes. */
async function waitUntil(
    what: string, answers: () => Promise<boolean>, log: () => string):
    Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (await answers()) return;
    await sleep(100);
  }
  throw new Error(`${what} did not answer within ${
      START_TIMEOUT_MS / 1000} s; its log ends:\n${log()}`);
}

/** The directory of PostgreSQL's server programs (initdb, pg_ctl). */
function postgresBinDir(): string {
  const override = process.env['MS_PG_BINDIR'];
  if (override) return override;
  const root = '/usr/lib/postgresql';
  const versions = fs.existsSync(root) ?
      fs.readdirSync(root)
          .filter((v) => fs.existsSync(path.join(root, v, 'bin', 'initdb')))
          .sort((a, b) => Number(b) - Number(a)) :
      [];
  if (versions.length === 0) {
    throw new Error(`no ${root}/<version>/bin/initdb: install Debian's ` +
                    'postgresql package, or set MS_PG_BINDIR to the ' +
                    'directory of initdb and pg_ctl');
  }
  return path.join(root, versions[0], 'bin');
}

/**
 * Where a new server lives: its directory (data, log) owned by the
 * server's system user, and a free port; servers of killed tests are
 * removed first.
 */
async function newServerPlace(dialect: 'postgres'|'mysql'):
    Promise<{dir: string, data: string, logFile: string, port: number}> {
  await removeOrphanedServers();
  // Debian's server packages name their system users as the dialects.
  const dir = serverDirectory(PREFIXES[dialect], dialect);
  return {
    dir,
    data: path.join(dir, 'data'),
    logFile: path.join(dir, 'server.log'),
    port: await freePort(),
  };
}

/** A PostgreSQL cluster of its own, started, with DATABASE created. */
export async function startPrivatePostgres(): Promise<PrivateServer> {
  const bin = postgresBinDir();
  const {dir, data, logFile, port} = await newServerPlace('postgres');
  const pgCtl = (...args: string[]) =>
      run(path.join(bin, 'pg_ctl'), ['-D', data, ...args], 'postgres');
  let running = false;
  let destroyed = false;

  const answers = async () => {
    const client = new Client({
      host: '127.0.0.1', port, user: 'postgres', database: 'postgres',
      connectionTimeoutMillis: 1000,
    });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.query('SELECT 1');
      return true;
    } catch {
      return false;
    } finally {
      await client.end().catch(() => undefined);
    }
  };
  const server: PrivateServer = {
    dialect: 'postgres',
    port,
    dir,
    url: `postgres://postgres@127.0.0.1:${port}/${DATABASE}`,
    async start() {
      // The socket goes into the cluster's own directory, not the shared
      // server's /var/run/postgresql.
      await pgCtl('-l', logFile, '-w', '-t', '30', '-o',
                  `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 ` +
                      '-c fsync=off -c full_page_writes=off',
                  'start');
      running = true;
      await waitUntil(`PostgreSQL on 127.0.0.1:${port}`, answers,
                      () => tail(logFile));
    },
    async stop() {
      // Fast: open transactions are rolled back, sessions cut, as when an
      // administrator restarts the server under running workers.
      await pgCtl('-m', 'fast', '-w', '-t', '30', 'stop');
      running = false;
    },
    async destroy() {
      if (destroyed) return;
      destroyed = true;
      if (running) await server.stop().catch(() => undefined);
      fs.rmSync(dir, {recursive: true, force: true});
    },
    logTail: () => tail(logFile),
  };
  try {
    await run(path.join(bin, 'initdb'),
              ['-D', data, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8',
               '--no-sync'],
              'postgres');
    await server.start();
    const admin = new Client({host: '127.0.0.1', port, user: 'postgres',
                              database: 'postgres'});
    await admin.connect();
    await admin.query(`CREATE DATABASE ${DATABASE}`);
    await admin.end();
  } catch (err) {
    await server.destroy();
    throw err;
  }
  return server;
}

function mariadbBinary(): string {
  const override = process.env['MS_MARIADBD'];
  if (override) return override;
  for (const file of ['/usr/sbin/mariadbd', '/usr/sbin/mysqld']) {
    if (fs.existsSync(file)) return file;
  }
  throw new Error('no /usr/sbin/mariadbd: install Debian\'s mariadb-server ' +
                  'package, or set MS_MARIADBD to the server binary');
}

/** A MariaDB server of its own, started, with DATABASE created. */
export async function startPrivateMariadb(): Promise<PrivateServer> {
  const mariadbd = mariadbBinary();
  const {dir, data, logFile, port} = await newServerPlace('mysql');
  let child: ChildProcess|undefined;
  let exited: Promise<void> = Promise.resolve();
  let destroyed = false;

  const connect = () => mysql.createConnection({
    host: '127.0.0.1', port, user: 'root', connectTimeout: 1000,
  });
  const answers = async () => {
    try {
      const conn = await connect();
      await conn.end();
      return true;
    } catch {
      return false;
    }
  };
  const server: PrivateServer = {
    dialect: 'mysql',
    port,
    dir,
    url: `mysql://root@127.0.0.1:${port}/${DATABASE}`,
    async start() {
      // --no-defaults: none of the shared server's /etc/mysql settings
      // (its port, socket, data directory) apply.
      const args = [
        '--no-defaults',
        ...(isRoot() ? ['--user=mysql'] : []),
        `--datadir=${data}`,
        `--port=${port}`,
        '--bind-address=127.0.0.1',
        `--socket=${path.join(dir, 'mysqld.sock')}`,
        `--pid-file=${path.join(dir, 'mysqld.pid')}`,
        `--log-error=${logFile}`,
        '--skip-name-resolve',
        '--innodb-buffer-pool-size=32M',
        '--innodb-flush-log-at-trx-commit=2',
      ];
      const proc = spawn(mariadbd, args, {stdio: 'ignore'});
      child = proc;
      exited = new Promise((resolve) => proc.on('exit', () => resolve()));
      await waitUntil(`MariaDB on 127.0.0.1:${port}`, async () => {
        if (proc.exitCode !== null) {
          throw new Error(`${mariadbd} exited with code ${
              proc.exitCode}; its log ends:\n${tail(logFile)}`);
        }
        return answers();
      }, () => tail(logFile));
    },
    async stop() {
      // The SQL form of `mysqladmin shutdown`: a clean shutdown over TCP.
      const conn = await connect();
      await conn.query('SHUTDOWN').catch(() => undefined);
      await conn.end().catch(() => undefined);
      const timer = setTimeout(() => child?.kill('SIGKILL'), START_TIMEOUT_MS);
      await exited;
      clearTimeout(timer);
      child = undefined;
    },
    async destroy() {
      if (destroyed) return;
      destroyed = true;
      if (child !== undefined && child.exitCode === null) {
        await server.stop().catch(() => {
          child?.kill('SIGKILL');
        });
        await exited;
      }
      fs.rmSync(dir, {recursive: true, force: true});
    },
    logTail: () => tail(logFile),
  };
  try {
    // mariadb-install-db runs as root and hands the files to --user.
    const installDb = fs.existsSync('/usr/bin/mariadb-install-db') ?
        '/usr/bin/mariadb-install-db' :
        'mysql_install_db';
    await new Promise<void>((resolve, reject) => {
      execFile(installDb, [
        '--no-defaults', ...(isRoot() ? ['--user=mysql'] : []),
        `--datadir=${data}`, '--auth-root-authentication-method=normal',
        '--skip-test-db',
      ], {timeout: 60_000}, (err, stdout, stderr) => err ?
          reject(new Error(`${installDb} failed: ${err.message}\n${stdout}${
              stderr}`)) :
          resolve());
    });
    await server.start();
    const admin = await connect();
    await admin.query(`CREATE DATABASE ${DATABASE}`);
    await admin.end();
  } catch (err) {
    await server.destroy();
    throw err;
  }
  return server;
}
