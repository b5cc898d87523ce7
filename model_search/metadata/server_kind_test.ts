/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

import * as assert from 'node:assert/strict';
import * as net from 'node:net';

import {identifyServer} from './server_kind';

/** A loopback server answering each connection with `onConnection`. */
async function fakeServer(onConnection: (socket: net.Socket) => void):
    Promise<{port: number, close: () => Promise<void>}> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    onConnection(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () => new Promise<void>((resolve) => {
      sockets.forEach((s) => s.destroy());
      server.close(() => resolve());
    }),
  };
}

describe('identifyServer', () => {
  it('knows a server that greets with protocol 10 for MySQL', async () => {
    // Length 5, sequence 0, protocol 10, then the version string.
    const server = await fakeServer((s) => s.write(
        Buffer.concat([Buffer.from([5, 0, 0, 0, 10]), Buffer.from('10.11')])));
    try {
      assert.equal(await identifyServer('127.0.0.1', server.port, 500),
                   'mysql');
    } finally {
      await server.close();
    }
  });

  it('knows a silent server that answers an SSLRequest for PostgreSQL',
     async () => {
       const asked: Buffer[] = [];
       const server = await fakeServer((s) => s.on('data', (d: Buffer) => {
         asked.push(d);
         s.write('N');
       }));
       try {
         assert.equal(await identifyServer('127.0.0.1', server.port, 200),
                      'postgres');
         assert.deepEqual([...Buffer.concat(asked)],
                          [0, 0, 0, 8, 4, 210, 22, 47]);
       } finally {
         await server.close();
       }
     });

  it('says unknown for a server that never answers, or other talk',
     async () => {
       const silent = await fakeServer(() => {});
       const http = await fakeServer((s) => s.on('data', () => s.write(
           'HTTP/1.1 400 Bad Request\r\n\r\n')));
       try {
         assert.equal(await identifyServer('127.0.0.1', silent.port, 100),
                      'unknown');
         assert.equal(await identifyServer('127.0.0.1', http.port, 100),
                      'unknown');
       } finally {
         await silent.close();
         await http.close();
       }
     });

  it('says unknown where nothing listens', async () => {
    const server = await fakeServer(() => {});
    const port = server.port;
    await server.close();
    assert.equal(await identifyServer('127.0.0.1', port, 100), 'unknown');
  });
});
