// Events committed together are judged by their net outcome: history that is already over raises nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.ts';
import { orderStatus } from '../support/events.ts';
import { auth, buildTestApp } from '../support/test-app.ts';
import { openTestDatabase, type TestDatabase } from '../support/test-database.ts';

describe('a batch carrying an order past its deadline and on', () => {
  let store: TestDatabase;
  let app: App;
  beforeAll(async () => {
    store = await openTestDatabase('pglite');
    app = await buildTestApp(store.db);
  });
  afterAll(async () => {
    await app.server.close();
    await store.dispose();
  });

  const alertsOf = async (status: string) =>
    (
      await app.server.inject({ method: 'GET', url: `/v1/alerts?status=${status}`, headers: auth('viewer') })
    ).json().alerts as { rule: string; entity_id: string }[];

  it('raises no order_stalled alert, open or resolved, when the order moved on in the same batch', async () => {
    const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString();
    const res = await app.server.inject({
      method: 'POST',
      url: '/v1/events',
      headers: { 'content-type': 'application/json', ...auth('ingest') },
      // Sent newest first: the collector must still apply them by event time.
      payload: JSON.stringify([
        orderStatus({ order: 'NET-1', status: 'picking', at: minutesAgo(1), id: 'net-b-picking' }),
        orderStatus({ order: 'NET-1', status: 'paid', at: minutesAgo(10), id: 'net-a-paid' }),
        orderStatus({ order: 'NET-2', status: 'paid', at: minutesAgo(10) }),
      ]),
    });
    expect(res.statusCode).toBe(202);
    // NET-2 really is stalled: it proves the rule ran on this batch.
    await expect
      .poll(async () =>
        (await alertsOf('firing')).filter((a) => a.rule === 'order_stalled').map((a) => a.entity_id),
      )
      .toEqual(['NET-2']);
    const everything = [...(await alertsOf('firing')), ...(await alertsOf('resolved'))];
    expect(everything.filter((a) => a.entity_id === 'NET-1')).toEqual([]);
  });
});
