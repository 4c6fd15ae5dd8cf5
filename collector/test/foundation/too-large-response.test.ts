// A client that sends its whole body without `Expect: 100-continue` (Node's fetch, most HTTP
// libraries) reads the 413, not a connection reset that it would retry forever. Through the real
// `orderpulse serve` in its own process, where the race between the refusal and the upload is real.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orderStatus } from '../support/events.ts';
import { type RunningCollector, spawnCollector } from '../support/spawn-collector.ts';
import { auth } from '../support/test-app.ts';

const ELEVEN_MIB = 'x'.repeat(11 * 1024 * 1024);

describe('413 as a response', () => {
  let collector: RunningCollector;
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'orderpulse-413-'));
    collector = await spawnCollector({
      ORDERPULSE_DATA_DIR: dataDir,
      ORDERPULSE_KUAIDI100_SALT: 'push-salt-for-tests',
    });
  });
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

  it('keeps serving after the refusals', async () => {
    const res = await fetch(`${collector.url}/v1/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...auth('ingest') },
      body: JSON.stringify(orderStatus({ order: 'BIG-1', status: 'created', at: '2026-11-11T10:00:00Z' })),
    });
    expect(res.status).toBe(202);
  });
});
