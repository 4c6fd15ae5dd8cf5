// What an unauthenticated or careless caller meets at the HTTP edge: authentication before validation and before the body is read, 429 with
// Retry-After, security headers, and nothing internal shown without a token. Over a real listening
// server where sockets matter.
import net from 'node:net';
import { io as connect } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.ts';
import { orderStatus } from '../support/events.ts';
import { auth, buildTestApp, TOKENS } from '../support/test-app.ts';
import { openTestDatabase, STORE_KINDS, type TestDatabase } from '../support/test-database.ts';

// The HTTP edge does not depend on the store: the faster one to open serves.
const FASTER_STORE = STORE_KINDS.includes('postgres') ? 'postgres' : 'pglite';

/** Sends raw bytes, collects what comes back, resolves when the server closes the connection. */
function rawExchange(port: number, head: string, bodyPart: string) {
  const socket = net.connect(port, '127.0.0.1');
  let received = '';
  socket.on('data', (chunk) => {
    received += chunk.toString('latin1');
  });
  socket.on('error', () => {});
  socket.write(head + bodyPart);
  const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
  return { closed, received: () => received, socket };
}

describe('the HTTP edge', () => {
  let store: TestDatabase;
  let app: App;
  let url: string;
  let port: number;
  beforeAll(async () => {
    store = await openTestDatabase(FASTER_STORE);
    app = await buildTestApp(store.db, { ORDERPULSE_KUAIDI100_SALT: 'push-salt-for-tests' });
    url = await app.server.listen({ port: 0, host: '127.0.0.1' });
    port = Number(new URL(url).port);
  });
  afterAll(async () => {
    await app.server.close();
    await store.dispose();
  });

  it('asks for a token before it validates the query', async () => {
    const res = await fetch(`${url}/v1/alerts?limit=abc`);
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error: 'unauthorized' });
    expect(JSON.stringify(await (await fetch(`${url}/v1/alerts?limit=abc`)).json())).not.toContain(
      'schemaPath',
    );
  });

  it('bounds the time to receive headers and a whole request', () => {
    expect(app.server.server.headersTimeout).toBeGreaterThan(0);
    expect(app.server.server.requestTimeout).toBe(300_000);
    expect(app.server.server.headersTimeout).toBeLessThanOrEqual(app.server.server.requestTimeout);
    expect(app.server.server.timeout).toBeGreaterThan(0);
  });

  it('answers a slow body without a token with 401 and closes, without waiting for the body', async () => {
    const exchange = rawExchange(
      port,
      'POST /v1/events HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 100000\r\n\r\n',
      '[{"id":',
    );
    await exchange.closed;
    expect(exchange.received()).toMatch(/^HTTP\/1\.1 401 /);
  });

  it('still takes a well-formed request after the refusals', async () => {
    const res = await fetch(`${url}/v1/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...auth('ingest') },
      body: JSON.stringify(orderStatus({ order: 'EDGE-1', status: 'created', at: '2026-11-11T10:00:00Z' })),
    });
    expect(res.status).toBe(202);
  });

  it('sends nosniff, a CSP and a Referrer-Policy on every response, and refuses framing', async () => {
    const responses = await Promise.all([
      fetch(`${url}/healthz`),
      fetch(`${url}/v1/alerts`),
      fetch(`${url}/v1/alerts`, { headers: auth('viewer') }),
      fetch(`${url}/nowhere`),
      fetch(`${url}/`),
    ]);
    for (const res of responses) {
      await res.arrayBuffer();
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
      expect(res.headers.get('x-frame-options')).toBe('DENY');
    }
  });

  it('says only ready or not on /readyz without a token; a viewer sees the checks', async () => {
    const open = await (await fetch(`${url}/readyz`)).json();
    expect(Object.keys(open).sort()).toEqual(['status']);
    const detailed = await (await fetch(`${url}/readyz`, { headers: auth('viewer') })).json();
    expect(detailed).toMatchObject({ status: expect.any(String), checks: { store: { ok: true } } });
  });

  it('shows the rules directory relative to the working directory', async () => {
    const rules = await (await fetch(`${url}/v1/rules`, { headers: auth('viewer') })).json();
    expect(rules.dir).toBe('alert-rules');
  });
});

describe('rate limits', () => {
  let store: TestDatabase;
  let app: App;
  beforeAll(async () => {
    store = await openTestDatabase(FASTER_STORE);
    app = await buildTestApp(store.db, {
      ORDERPULSE_INGEST_TOKENS: `pos=${TOKENS.ingest},web=ingest-secret-2`,
      ORDERPULSE_KUAIDI100_SALT: 'push-salt-for-tests',
      ORDERPULSE_RATE_LIMIT_AUTH_FAILURES: '5/1m',
      ORDERPULSE_RATE_LIMIT_CALLBACKS: '3/1m',
      ORDERPULSE_RATE_LIMIT_INGEST: '4/1m',
    });
  });
  afterAll(async () => {
    await app.server.close();
    await store.dispose();
  });

  const wrongToken = (remoteAddress: string) =>
    app.server.inject({
      method: 'GET',
      url: '/v1/alerts',
      remoteAddress,
      headers: { authorization: 'Bearer not-a-token-at-all' },
    });

  it('answers 429 with Retry-After to an address that keeps failing authentication', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) statuses.push((await wrongToken('198.51.100.7')).statusCode);
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429, 429]);
    const limited = await wrongToken('198.51.100.7');
    expect(limited.statusCode).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(limited.json()).toMatchObject({ error: 'rate_limited' });
    // Another address, and a valid token from the same address, are not held back.
    expect((await wrongToken('198.51.100.8')).statusCode).toBe(401);
    const valid = await app.server.inject({
      method: 'GET',
      url: '/v1/alerts',
      remoteAddress: '198.51.100.7',
      headers: auth('viewer'),
    });
    expect(valid.statusCode).toBe(200);
  });

  it('counts live-stream handshakes with a wrong token against the same budget', async () => {
    const url = await app.server.listen({ port: 0, host: '127.0.0.1' });
    const refusal = () =>
      new Promise<string>((resolve) => {
        const client = connect(`${url}/live`, {
          auth: { token: 'not-a-token-at-all' },
          transports: ['websocket'],
          reconnection: false,
          forceNew: true,
        });
        client.once('connect_error', (e) => {
          client.disconnect();
          resolve(e.message);
        });
      });
    const seen: string[] = [];
    for (let i = 0; i < 6; i++) seen.push(await refusal());
    expect(seen).toEqual([...Array(5).fill('unauthorized'), 'rate_limited']);
  });

  it('limits provider callbacks per client address', async () => {
    const callback = (remoteAddress: string) =>
      app.server.inject({
        method: 'POST',
        url: '/v1/notify/kuaidi100',
        remoteAddress,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: 'param=%7B%7D&sign=0',
      });
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await callback('203.0.113.1')).statusCode);
    expect(statuses.slice(0, 3)).not.toContain(429);
    const limited = await callback('203.0.113.1');
    expect(limited.statusCode).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect((await callback('203.0.113.2')).statusCode).not.toBe(429);
  });

  it('limits ingest per token', async () => {
    const post = (secret: string, n: number) =>
      app.server.inject({
        method: 'POST',
        url: '/v1/events',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}` },
        payload: JSON.stringify(
          orderStatus({ order: `RL-${secret}-${n}`, status: 'created', at: '2026-11-11T10:00:00Z' }),
        ),
      });
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await post(TOKENS.ingest, i)).statusCode);
    expect(statuses).toEqual([202, 202, 202, 202, 429]);
    const limited = await post(TOKENS.ingest, 9);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect((await post('ingest-secret-2', 0)).statusCode).toBe(202);
  });
});
