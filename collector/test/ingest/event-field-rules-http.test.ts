// Every enum and length rule of the event fields (CONTRACT.md, "Ingesting events"), over HTTP, one
// row per rule: a batch carries the bad item at a known index among items that sit exactly on the
// rule's edge from the good side. The reply must name that index and the error code, every edge item
// must be accepted, and the bad item must be kept as a dead letter with that reason and index.
// The values are written out from the contract, not taken from the schema, so a schema that drifts
// from the contract fails here.
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.ts';
import { auth, buildTestApp } from '../support/test-app.ts';
import { openTestDatabase, STORE_KINDS, type TestDatabase } from '../support/test-database.ts';

type EventType = 'order.status' | 'payment.notify' | 'shipment.update';
/** A field's value; `undefined` leaves the field out. */
type Fields = Record<string, unknown>;

const ORDER_STATUSES = [
  'created',
  'paid',
  'picking',
  'packed',
  'shipped',
  'delivered',
  'cancelled',
  'refunded',
  'closed',
];
const PAYMENT_PROVIDERS = ['wechatpay', 'alipay', 'other'];
const PAYMENT_STATUSES = ['success', 'refund', 'closed'];
const SHIPMENT_STATES = [
  'created',
  'collected',
  'in_transit',
  'out_for_delivery',
  'delivered',
  'rejected',
  'returned',
  'exception',
  'stuck',
];

const x = (n: number) => 'x'.repeat(n);

interface Rule {
  name: string;
  type: EventType;
  bad: Fields;
  code: 'invalid_event' | 'unknown_type' | 'invalid_time';
  /** Items that sit on the rule's edge from the good side: each must be accepted. */
  edge: Fields[];
}

const RULES: Rule[] = [
  {
    name: 'id longer than 128',
    type: 'order.status',
    bad: { id: x(129) },
    code: 'invalid_event',
    edge: [{ id: x(128) }, { id: 'i' }],
  },
  { name: 'id empty', type: 'order.status', bad: { id: '' }, code: 'invalid_event', edge: [{ id: 'j' }] },
  { name: 'id missing', type: 'payment.notify', bad: { id: undefined }, code: 'invalid_event', edge: [] },
  { name: 'id not a string', type: 'shipment.update', bad: { id: 42 }, code: 'invalid_event', edge: [] },
  {
    name: 'type unknown',
    type: 'order.status',
    bad: { type: 'order.updated' },
    code: 'unknown_type',
    edge: [],
  },
  { name: 'type missing', type: 'order.status', bad: { type: undefined }, code: 'unknown_type', edge: [] },
  {
    name: 'occurred_at without an offset',
    type: 'order.status',
    bad: { occurred_at: '2026-11-11T10:00:00' },
    code: 'invalid_time',
    edge: [{ occurred_at: '2026-11-11T10:00:00Z' }, { occurred_at: '2026-11-11T10:00:00+08:00' }],
  },
  {
    name: 'occurred_at missing',
    type: 'shipment.update',
    bad: { occurred_at: undefined },
    code: 'invalid_event',
    edge: [],
  },
  {
    name: 'order_id longer than 64',
    type: 'order.status',
    bad: { order_id: x(65) },
    code: 'invalid_event',
    edge: [{ order_id: x(64) }],
  },
  {
    name: 'order_id empty',
    type: 'payment.notify',
    bad: { order_id: '' },
    code: 'invalid_event',
    edge: [{ order_id: 'o' }],
  },
  {
    name: 'order_id missing',
    type: 'shipment.update',
    bad: { order_id: undefined },
    code: 'invalid_event',
    edge: [],
  },
  {
    name: 'store_id longer than 64',
    type: 'order.status',
    bad: { store_id: x(65) },
    code: 'invalid_event',
    edge: [{ store_id: x(64) }],
  },
  {
    name: 'store_id empty',
    type: 'shipment.update',
    bad: { store_id: '' },
    code: 'invalid_event',
    edge: [{ store_id: 's' }],
  },
  {
    name: 'store_id missing',
    type: 'payment.notify',
    bad: { store_id: undefined },
    code: 'invalid_event',
    edge: [],
  },
  {
    name: 'order status outside its enum',
    type: 'order.status',
    bad: { status: 'shipping' },
    code: 'invalid_event',
    edge: ORDER_STATUSES.map((status) => ({ status })),
  },
  {
    name: 'order status missing',
    type: 'order.status',
    bad: { status: undefined },
    code: 'invalid_event',
    edge: [],
  },
  {
    name: 'order status in another case',
    type: 'order.status',
    bad: { status: 'PAID' },
    code: 'invalid_event',
    edge: [],
  },
  {
    name: 'order amount_fen negative',
    type: 'order.status',
    bad: { amount_fen: -1 },
    code: 'invalid_event',
    edge: [{ amount_fen: 0 }],
  },
  {
    name: 'order amount_fen not an integer',
    type: 'order.status',
    bad: { amount_fen: 1.5 },
    code: 'invalid_event',
    edge: [{ amount_fen: 2 }],
  },
  {
    name: 'order amount_fen a string',
    type: 'order.status',
    bad: { amount_fen: '100' },
    code: 'invalid_event',
    edge: [{ amount_fen: undefined }],
  },
  {
    name: 'payment provider outside its enum',
    type: 'payment.notify',
    bad: { provider: 'paypal' },
    code: 'invalid_event',
    edge: PAYMENT_PROVIDERS.map((provider) => ({ provider })),
  },
  {
    name: 'order provider outside its enum',
    type: 'order.status',
    bad: { provider: 'paypal' },
    code: 'invalid_event',
    edge: [...PAYMENT_PROVIDERS.map((provider) => ({ provider })), { provider: undefined }],
  },
  {
    name: 'payment provider missing',
    type: 'payment.notify',
    bad: { provider: undefined },
    code: 'invalid_event',
    edge: [],
  },
  {
    name: 'payment status outside its enum',
    type: 'payment.notify',
    bad: { status: 'pending' },
    code: 'invalid_event',
    edge: PAYMENT_STATUSES.map((status) => ({ status })),
  },
  {
    name: 'payment status of an order',
    type: 'payment.notify',
    bad: { status: 'paid' },
    code: 'invalid_event',
    edge: [],
  },
  {
    name: 'payment transaction_id missing',
    type: 'payment.notify',
    bad: { transaction_id: undefined },
    code: 'invalid_event',
    edge: [],
  },
  {
    name: 'payment amount_fen missing',
    type: 'payment.notify',
    bad: { amount_fen: undefined },
    code: 'invalid_event',
    edge: [{ amount_fen: 0 }],
  },
  {
    name: 'payment amount_fen negative',
    type: 'payment.notify',
    bad: { amount_fen: -5 },
    code: 'invalid_event',
    edge: [],
  },
  {
    name: 'shipment state outside its enum',
    type: 'shipment.update',
    bad: { state: 'lost' },
    code: 'invalid_event',
    edge: SHIPMENT_STATES.map((state) => ({ state })),
  },
  {
    name: 'shipment state of an order',
    type: 'shipment.update',
    bad: { state: 'shipped' },
    code: 'invalid_event',
    edge: [],
  },
  {
    name: 'shipment carrier missing',
    type: 'shipment.update',
    bad: { carrier: undefined },
    code: 'invalid_event',
    edge: [],
  },
  {
    name: 'shipment tracking_no missing',
    type: 'shipment.update',
    bad: { tracking_no: undefined },
    code: 'invalid_event',
    edge: [],
  },
];

let serial = 0;

function eventOf(type: EventType, tag: string, fields: Fields): Fields {
  const n = ++serial;
  const base: Fields = {
    id: `${tag}-${n}`,
    type,
    occurred_at: new Date(Date.now() - 60_000).toISOString(),
    order_id: `${tag}-order-${n}`,
    store_id: 'S-rules',
  };
  const specific: Fields =
    type === 'order.status'
      ? { status: 'created', amount_fen: 100 }
      : type === 'payment.notify'
        ? { provider: 'wechatpay', transaction_id: `${tag}-txn-${n}`, amount_fen: 100, status: 'success' }
        : { carrier: 'SF', tracking_no: `${tag}-track-${n}`, state: 'in_transit' };
  const event: Fields = { ...base, ...specific };
  for (const [field, value] of Object.entries(fields)) {
    if (value === undefined) delete event[field];
    else event[field] = value;
  }
  return event;
}

interface Letter {
  reason: string;
  index: number | null;
  raw: string;
}

describe('event field rules over HTTP', () => {
  let store: TestDatabase;
  let app: App;
  let base: string;

  beforeAll(async () => {
    // The rules are decided before the store; the faster store to open is enough.
    store = await openTestDatabase(STORE_KINDS.includes('postgres') ? 'postgres' : 'pglite');
    app = await buildTestApp(store.db);
    await app.server.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(app.server.server.address() as AddressInfo).port}`;
  }, 180_000);

  afterAll(async () => {
    await app?.server.close();
    await store?.dispose();
  });

  it.each(RULES.map((rule, i) => ({ ...rule, at: i % 3 })))(
    '$name: $code at the bad item, edge items accepted, dead letter kept',
    async ({ type, bad, code, edge, at }) => {
      const tag = `rule${serial}`;
      const good = edge.map((fields) => eventOf(type, tag, fields));
      // Two plain valid items around the bad one, so its index is never simply the first or last.
      const plain = [eventOf(type, tag, {}), eventOf(type, tag, {})];
      const badItem = eventOf(type, tag, bad);
      const batch = [...plain.slice(0, at), badItem, ...plain.slice(at), ...good];
      const res = await fetch(`${base}/v1/events`, {
        method: 'POST',
        headers: { ...auth('ingest'), 'content-type': 'application/json' },
        body: JSON.stringify(batch),
      });
      expect(res.status).toBe(202);
      const reply = (await res.json()) as { accepted: number; rejected: { index: number; error: string }[] };
      expect(reply.rejected).toEqual([{ index: at, error: code, message: expect.any(String) }]);
      expect(reply.accepted).toBe(batch.length - 1);

      const letters = await fetch(`${base}/v1/dead-letters?limit=100&reason=${code}`, {
        headers: auth('viewer'),
      });
      expect(letters.status).toBe(200);
      const { dead_letters } = (await letters.json()) as { dead_letters: Letter[] };
      const kept = dead_letters.filter((l) => {
        try {
          return JSON.stringify(JSON.parse(l.raw)) === JSON.stringify(badItem);
        } catch {
          return false;
        }
      });
      expect(kept).toEqual([expect.objectContaining({ reason: code, index: at })]);
    },
  );
});
