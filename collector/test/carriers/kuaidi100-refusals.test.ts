// Every refusal on POST /v1/notify/kuaidi100, over real HTTP, answers in Kuaidi100's documented
// failure shape (its retry logic reads `result`/`returnCode`), keeps a sensible HTTP status, and
// leaves a dead letter (except a rate-limited push).
import rateLimit from '@fastify/rate-limit';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.ts';
import { carriersPlugin } from '../../src/http/routes/carriers/index.ts';
import { kuaidi100PushSign } from '../../src/ingest/kuaidi100/sign.ts';
import { buildTestApp } from '../support/test-app.ts';
import { openTestDatabase, STORE_KINDS, type TestDatabase } from '../support/test-database.ts';

const SALT = 'refusal-salt-for-tests';
const PARAM =
  '{"status":"polling","message":"","lastResult":{"message":"ok","state":"0","status":"200","ischeck":"0","com":"yuantong","nu":"YTREFUSE1","data":[{"context":"在途","time":"2024-06-02 08:10:00","ftime":"2024-06-02 08:10:00"}]}}';

async function listen(server: FastifyInstance): Promise<string> {
  await server.listen({ port: 0, host: '127.0.0.1' });
  const address = server.server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return `http://127.0.0.1:${address.port}`;
}

const post = (base: string, body: string) =>
  fetch(`${base}/v1/notify/kuaidi100`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded;charset=UTF-8' },
    body,
  });

const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();

function expectKuaidi100Failure(body: unknown, error: string): void {
  expect(body).toEqual({ result: false, returnCode: '500', message: expect.any(String), error });
}

describe.each(STORE_KINDS)('kuaidi100 refusals over HTTP on %s', (kind) => {
  let store: TestDatabase;
  let app: App;
  let unconfigured: App;
  let base: string;
  let unconfiguredBase: string;

  beforeAll(async () => {
    store = await openTestDatabase(kind);
    app = await buildTestApp(store.db, { ORDERPULSE_KUAIDI100_SALT: SALT });
    unconfigured = await buildTestApp(store.db);
    base = await listen(app.server);
    unconfiguredBase = await listen(unconfigured.server);
  });
  afterAll(async () => {
    await app.server.close();
    await unconfigured.server.close();
    await store.dispose();
  });

  const deadLetterReasons = async () =>
    (
      await store.db.query<{ reason: string }>(
        "SELECT reason FROM dead_letters WHERE endpoint = '/v1/notify/kuaidi100' ORDER BY id",
      )
    ).rows.map((r) => r.reason);

  it('accepts a signed push with the success shape', async () => {
    const res = await post(base, form({ param: PARAM, sign: kuaidi100PushSign(PARAM, SALT) }));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ result: true, returnCode: '200', message: '成功' });
  });

  it('answers a wrong or missing sign with 401 in the Kuaidi100 shape', async () => {
    const wrong = await post(base, form({ param: PARAM, sign: '0'.repeat(32) }));
    expect(wrong.status).toBe(401);
    expectKuaidi100Failure(await wrong.json(), 'sign_invalid');
    const missing = await post(base, form({ param: PARAM }));
    expect(missing.status).toBe(401);
    expectKuaidi100Failure(await missing.json(), 'sign_missing');
  });

  it('answers a signed param that is not JSON, or not a push, with 400 in the Kuaidi100 shape', async () => {
    for (const param of ['{"status":', '[1,2]', '{"status":"polling","surprise":1}']) {
      const res = await post(base, form({ param, sign: kuaidi100PushSign(param, SALT) }));
      expect(res.status, param).toBe(400);
      expectKuaidi100Failure(await res.json(), 'malformed');
    }
    const empty = await post(base, '');
    expect(empty.status).toBe(400);
    expectKuaidi100Failure(await empty.json(), 'malformed');
  });

  it('answers an oversize body with 413 in the Kuaidi100 shape and records it', async () => {
    const res = await post(base, form({ param: 'x'.repeat(1024 * 1024 + 10), sign: 'A' }));
    expect(res.status).toBe(413);
    expectKuaidi100Failure(await res.json(), 'payload_too_large');
  });

  it('answers 503 in the Kuaidi100 shape while the salt is not configured, keeping the push', async () => {
    const res = await post(unconfiguredBase, form({ param: PARAM, sign: kuaidi100PushSign(PARAM, SALT) }));
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('60');
    expectKuaidi100Failure(await res.json(), 'not_configured');
  });

  it('kept every refusal above as a dead letter', async () => {
    expect(await deadLetterReasons()).toEqual([
      'sign_invalid',
      'sign_missing',
      'malformed',
      'malformed',
      'malformed',
      'malformed',
      'payload_too_large',
      'not_configured',
    ]);
  });

  it('answers a rate-limited push with 429, Retry-After and the Kuaidi100 shape', async () => {
    // The route plugin behind a real @fastify/rate-limit, as a deployment limits provider callbacks.
    const limited = Fastify({ logger: false });
    await limited.register(rateLimit, { max: 1, timeWindow: 60_000 });
    await limited.register(carriersPlugin, { ctx: app.ctx, carriers: app.core.carriers });
    const limitedBase = await listen(limited);
    try {
      const before = (await deadLetterReasons()).length;
      const signed = form({ param: PARAM, sign: kuaidi100PushSign(PARAM, SALT) });
      expect((await post(limitedBase, signed)).status).toBe(200);
      const res = await post(limitedBase, signed);
      expect(res.status).toBe(429);
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
      expectKuaidi100Failure(await res.json(), 'rate_limited');
      expect((await deadLetterReasons()).length).toBe(before);
    } finally {
      await limited.close();
    }
  });
});
