// The embedded store going away under a running collector (PGlite closed, as after a WASM abort):
// every caller gets 503 store_unavailable with Retry-After, never a 500 and never a 202, and
// /readyz says the store is not there.
import type { AddressInfo } from 'node:net';
import type { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.ts';
import type { Database } from '../../src/store/database.ts';
import { embeddedDatabase } from '../../src/store/open-database.ts';
import { orderStatus } from '../support/events.ts';
import { createTemplateLite } from '../support/pglite-template.ts';
import { auth, buildTestApp } from '../support/test-app.ts';

describe('store unavailable over HTTP (embedded store)', () => {
  let lite: PGlite;
  let db: Database;
  let app: App;
  let base: string;

  beforeAll(async () => {
    lite = await createTemplateLite();
    db = await embeddedDatabase(lite, 'orderpulse');
    app = await buildTestApp(db);
    await app.server.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(app.server.server.address() as AddressInfo).port}`;
  }, 180_000);

  afterAll(async () => {
    await app?.server.close();
    await db?.close();
  });

  const post = (events: object[]) =>
    fetch(`${base}/v1/events`, {
      method: 'POST',
      headers: { ...auth('ingest'), 'content-type': 'application/json' },
      body: JSON.stringify(events),
    });

  const expectStoreUnavailable = async (response: Response) => {
    expect(response.status).toBe(503);
    expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await response.json()).toMatchObject({ error: 'store_unavailable' });
  };

  it('answers 503 store_unavailable with Retry-After to ingest and reads once PGlite is closed', async () => {
    const before = await post([
      orderStatus({ order: 'SU-1', status: 'created', at: new Date().toISOString() }),
    ]);
    expect(before.status).toBe(202);
    expect((await fetch(`${base}/readyz`)).status).toBe(200);

    await lite.close();

    await expectStoreUnavailable(
      await post([orderStatus({ order: 'SU-2', status: 'created', at: new Date().toISOString() })]),
    );
    await expectStoreUnavailable(await fetch(`${base}/v1/alerts`, { headers: auth('viewer') }));
    await expectStoreUnavailable(await fetch(`${base}/v1/orders/SU-1`, { headers: auth('viewer') }));
    expect((await fetch(`${base}/readyz`)).status).toBe(503);
  });
});
