// GET /v1/orders/{id} stays a bounded reply however many events name the order: the latest
// TIMELINE_LIMIT by event time, in event-time order, with the total and a truncation flag.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.ts';
import { TIMELINE_LIMIT } from '../../src/store/orders.ts';
import { orderStatus } from '../support/events.ts';
import { auth, buildTestApp } from '../support/test-app.ts';
import { openTestDatabase, STORE_KINDS, type TestDatabase } from '../support/test-database.ts';

const T0 = Date.parse('2026-11-11T10:00:00Z');
const at = (i: number) => new Date(T0 + i * 1000).toISOString();

describe.each(STORE_KINDS)('order timeline on %s', (kind) => {
  let store: TestDatabase;
  let app: App;
  beforeAll(async () => {
    store = await openTestDatabase(kind);
    app = await buildTestApp(store.db);
  });
  afterAll(async () => {
    await app.server.close();
    await store.dispose();
  });

  const ingest = async (events: object[]) => {
    const res = await app.server.inject({
      method: 'POST',
      url: '/v1/events',
      headers: { 'content-type': 'application/json', ...auth('ingest') },
      payload: JSON.stringify(events),
    });
    expect(res.json()).toMatchObject({ accepted: events.length });
  };
  const order = async (id: string) =>
    (await app.server.inject({ method: 'GET', url: `/v1/orders/${id}`, headers: auth('viewer') })).json();

  it('keeps the latest events by event time when an order has more than the limit', async () => {
    const extra = 37;
    const total = TIMELINE_LIMIT + extra;
    // Sent newest first, so arrival order cannot stand in for event time.
    const events = Array.from({ length: total }, (_, i) =>
      orderStatus({ order: 'LOUD-1', status: 'created', at: at(total - 1 - i), id: `loud-${total - 1 - i}` }),
    );
    await ingest(events);
    const body = await order('LOUD-1');
    expect(body.timeline).toHaveLength(TIMELINE_LIMIT);
    expect(body.timeline_total).toBe(total);
    expect(body.timeline_truncated).toBe(true);
    expect(body.timeline[0].id).toBe(`loud-${extra}`);
    expect(body.timeline.at(-1).id).toBe(`loud-${total - 1}`);
    const times = body.timeline.map((e: { occurred_at: string }) => Date.parse(e.occurred_at));
    expect(times).toEqual([...times].sort((a, b) => a - b));
  });

  it('shows every event of an ordinary order, untruncated', async () => {
    await ingest([
      orderStatus({ order: 'QUIET-1', status: 'paid', at: at(60) }),
      orderStatus({ order: 'QUIET-1', status: 'created', at: at(0) }),
    ]);
    const body = await order('QUIET-1');
    expect(body.timeline.map((e: { status: string }) => e.status)).toEqual(['created', 'paid']);
    expect(body.timeline_total).toBe(2);
    expect(body.timeline_truncated).toBe(false);
  });
});
