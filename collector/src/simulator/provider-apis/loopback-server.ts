// An HTTP server on 127.0.0.1 with an ephemeral port that closes its open connections on close,
// so a test or a demo run never waits on a keep-alive socket.
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export type Handler = (request: http.IncomingMessage, body: Buffer, response: http.ServerResponse) => void;

export class LoopbackServer {
  readonly #server: http.Server;
  readonly #sockets = new Set<Socket>();
  baseUrl = '';

  constructor(handler: Handler) {
    this.#server = http.createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => handler(request, Buffer.concat(chunks), response));
    });
    // Providers' front ends keep idle connections for about a minute (nginx's default is 75 s). Node's
    // 5 s equals the query driver's pass interval: a connection reused by the next pass raced the
    // server closing it, and under load the query failed with `fetch failed`.
    this.#server.keepAliveTimeout = 75_000;
    this.#server.on('connection', (socket) => {
      this.#sockets.add(socket);
      socket.on('close', () => this.#sockets.delete(socket));
    });
  }

  async listen(port = 0): Promise<string> {
    await new Promise<void>((resolve) => this.#server.listen(port, '127.0.0.1', resolve));
    this.baseUrl = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
    return this.baseUrl;
  }

  async close(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}
