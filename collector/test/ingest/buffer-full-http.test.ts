// A full ingest buffer over real HTTP: while the store cannot take a commit, requests past
// ORDERPULSE_INGEST_QUEUE_LIMIT get 503 ingest_buffer_full with Retry-After, never a silent drop,
// and are taken once the store moves again.
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.ts';
import { auth, buildTestApp } from '../support/test-app.ts';
import { openTestDatabase, type TestDatabase } from '../support/test-database.ts';

const event = (id: string) => ({
  id,
  type: 'order.status',
  occurred_at: new Date().toISOString(),
  order_id: `BF-${id}`,
  store_id: 'S1',
  status: 'created',
});

describe('ingest buffer full over HTTP (embedded store)', () => {
  let store: TestDatabase;
  let app: App;
  let base: string;

  beforeAll(async () => {
    store = await openTestDatabase('pglite');
    app = await buildTestApp(store.db, { ORDERPULSE_INGEST_QUEUE_LIMIT: '3' });
    await app.server.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(app.server.server.address() as AddressInfo).port}`;
  }, 180_000);

  afterAll(async () => {
    await app?.server.close();
    await store?.dispose();
  });

  const post = (events: object[]) =>
    fetch(`${base}/v1/events`, {
      method: 'POST',
      headers: { ...auth('ingest'), 'content-type': 'application/json' },
      body: JSON.stringify(events),
    });

  it('answers 503 ingest_buffer_full with Retry-After past the limit, and takes the events once the store moves', async () => {
    // The embedded store has one connection: a transaction held open stalls every commit behind it.
    let release!: () => void;
    let holding!: () => void;
    const held = new Promise<void>((resolve) => {
      holding = resolve;
    });
    const transaction = store.db.transaction(async () => {
      holding();
      await new Promise<void>((resolve) => {
        release = resolve;
      });
    });
    await held;
    const first = post([event('bf-1'), event('bf-2')]);
    // The first request is queued (it cannot commit): its two events count against the limit of 3.
    await expect.poll(() => app.ctx.writer.queued).toBe(2);
    const refused = await post([event('bf-3'), event('bf-4')]);
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await refused.json()).toMatchObject({ error: 'ingest_buffer_full' });
    release();
    await transaction;
    expect((await first).status).toBe(202);
    const retried = await post([event('bf-3'), event('bf-4')]);
    expect(retried.status).toBe(202);
    expect(await retried.json()).toMatchObject({ accepted: 2, duplicates: 0 });
  });
});
