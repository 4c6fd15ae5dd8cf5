// A real HTTP server on 127.0.0.1 that records every request and answers from a script, standing in for
// chat robots, webhooks and Alertmanager.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface CapturedRequest {
  method: string;
  url: URL;
  headers: IncomingHttpHeaders;
  body: string;
  json: unknown;
  receivedAt: number;
}

export interface ScriptedReply {
  status: number;
  body?: string;
  headers?: Record<string, string>;
  /** Never answer (to exercise client timeouts). */
  hang?: boolean;
}

export interface LoopbackReceiver {
  baseUrl: string;
  requests: CapturedRequest[];
  /** Replies used in order; when exhausted, `fallback` answers. */
  script: ScriptedReply[];
  fallback: ScriptedReply;
  close(): Promise<void>;
}

export async function startReceiver(
  fallback: ScriptedReply = { status: 200, body: 'ok' },
): Promise<LoopbackReceiver> {
  const receiver: Omit<LoopbackReceiver, 'baseUrl' | 'close'> = { requests: [], script: [], fallback };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let json: unknown;
      try {
        json = JSON.parse(body);
      } catch {
        json = undefined;
      }
      receiver.requests.push({
        method: req.method ?? '',
        url: new URL(req.url ?? '/', 'http://127.0.0.1'),
        headers: req.headers,
        body,
        json,
        receivedAt: Date.now(),
      });
      const reply = receiver.script.shift() ?? receiver.fallback;
      if (reply.hang) return;
      res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
      res.end(reply.body ?? '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(receiver, {
    baseUrl: `http://127.0.0.1:${port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  });
}
