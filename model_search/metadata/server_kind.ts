/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * Tells a MySQL or MariaDB server from a PostgreSQL one by how it answers
 * a new connection, for the stores' messages when a URL names one kind at
 * the other's port. The drivers report that mistake poorly: mysql2 waits
 * for a greeting PostgreSQL never sends (a connect timeout, retried for a
 * minute as if the server were down), and pg reads MySQL's greeting as a
 * garbled message.
 *
 * A MySQL server speaks first: a packet whose fifth byte is its protocol
 * version, 10 (or 0xff, an error packet such as "host blocked"). A
 * PostgreSQL server waits for the client, and answers an SSLRequest with
 * one byte, 'S' or 'N'. Run only once a connection has failed or waited
 * long for a greeting: an abandoned handshake counts against the client
 * host on a MySQL server (max_connect_errors).
 */

import * as net from 'node:net';

export type ServerKind = 'mysql'|'postgres'|'unknown';

/** PostgreSQL's SSLRequest: length 8, code 80877103. */
const SSL_REQUEST = Buffer.from([0, 0, 0, 8, 4, 210, 22, 47]);

/**
 * What kind of server answers at host:port. Waits up to `greetingMs` for
 * a greeting, then as long for the answer to an SSLRequest; 'unknown'
 * when neither came, or the connection failed.
 */
export function identifyServer(
    host: string, port: number, greetingMs = 1000): Promise<ServerKind> {
  return new Promise((resolve) => {
    const socket = net.connect({host, port});
    let received = Buffer.alloc(0);
    let asked = false;
    let timer: NodeJS.Timeout|undefined;
    const finish = (kind: ServerKind) => {
      if (timer !== undefined) clearTimeout(timer);
      socket.destroy();
      resolve(kind);
    };
    const wait = (then: () => void) => {
      if (timer !== undefined) clearTimeout(timer);
      timer = setTimeout(then, greetingMs);
    };
    socket.on('error', () => finish('unknown'));
    socket.on('close', () => finish('unknown'));
    socket.on('connect', () => wait(() => {
      // Silent so far: a server that waits for the client.
      asked = true;
      socket.write(SSL_REQUEST);
      wait(() => finish('unknown'));
    }));
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      if (asked) {
        const reply = received[0];
        finish(received.length === 1 && (reply === 0x53 || reply === 0x4e) ?
                   'postgres' :
                   'unknown');
      } else if (received.length >= 5) {
        finish(received[4] === 10 || received[4] === 0xff ? 'mysql' :
                                                            'unknown');
      }
    });
  });
}

/** The kind's name as messages give it, with its usual port. */
export function serverKindName(kind: 'mysql'|'postgres'): string {
  return kind === 'mysql' ? 'MySQL or MariaDB (port 3306 by default)' :
                            'PostgreSQL (port 5432 by default)';
}
