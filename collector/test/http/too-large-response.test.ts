// A client that sends its whole body without `Expect: 100-continue` (Node's fetch, most HTTP
// libraries) reads the 413, not a connection reset that it would retry forever. Through the real
// `orderpulse serve` in its own process, where the race between the refusal and the upload is real.
import fs from 'node:fs/promises';
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orderStatus } from '../support/events.ts';
import { templateDataDir } from '../support/pglite-template.ts';
import {
  type RunningCollector,
  SPAWNED_TEST_TIMEOUT_MS,
  spawnCollector,
} from '../support/spawn-collector.ts';
import { auth } from '../support/test-tokens.ts';

const ELEVEN_MIB = 'x'.repeat(11 * 1024 * 1024);

describe('413 as a response', () => {
  let collector: RunningCollector;
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await templateDataDir('orderpulse-413-');
    collector = await spawnCollector({
      ORDERPULSE_DATA_DIR: dataDir,
      ORDERPULSE_KUAIDI100_SALT: 'push-salt-for-tests',
    });
  }, SPAWNED_TEST_TIMEOUT_MS);
  afterAll(async () => {
    collector.child.kill('SIGTERM');
    await collector.exited;
    await fs.rm(dataDir, { recursive: true, force: true });
  });

  for (const target of ['/v1/events', '/v1/notify/alipay', '/v1/notify/wechatpay', '/v1/notify/kuaidi100']) {
    it(`reaches Node's fetch posting 11 MiB to ${target}`, async () => {
      for (let attempt = 0; attempt < 3; attempt++) {
        const res = await fetch(`${collector.url}${target}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...auth('ingest') },
          body: ELEVEN_MIB,
        });
        expect(res.status).toBe(413);
        expect(await res.json()).toMatchObject({ error: 'payload_too_large' });
      }
    });
  }

  // Node's http.request without an agent asks for `Connection: close`: the refusal must still wait
  // for the upload instead of closing the socket under it.
  for (const type of ['application/json', 'application/x-ndjson']) {
    it(`reaches a client that asks to close the connection, posting ${type} with and without a token`, async () => {
      for (let attempt = 0; attempt < 5; attempt++) {
        const refused = await postClosing(`${collector.url}/v1/events`, type, auth('ingest'));
        expect(refused.status).toBe(413);
        expect(JSON.parse(refused.body)).toMatchObject({ error: 'payload_too_large' });
      }
      const unauthenticated = await postClosing(`${collector.url}/v1/events`, type, {});
      expect([401, 429]).toContain(unauthenticated.status);
    });
  }

  it('keeps serving after the refusals', async () => {
    const res = await fetch(`${collector.url}/v1/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...auth('ingest') },
      body: JSON.stringify(orderStatus({ order: 'BIG-1', status: 'created', at: '2026-11-11T10:00:00Z' })),
    });
    expect(res.status).toBe(202);
  });
});

/** Posts 11 MiB on a fresh connection that the client asks to close, and reads the answer. */
function postClosing(
  url: string,
  contentType: string,
  headers: Record<string, string>,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        agent: false,
        headers: { ...headers, 'content-type': contentType, 'content-length': String(ELEVEN_MIB.length) },
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          body += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(ELEVEN_MIB);
  });
}
