// A custom rule's actions through the app on both stores, with the shipped remote_high_value rule
// (alert-rules/custom/priority-orders.yaml): a paid ¥600 order to 西藏 gets the `priority` tag,
// listed by GET /v1/orders?tag=; its alert goes to the supervisor receiver through routes.yaml and
// awaits approval; an operator's acknowledgement is the approval, audited under the token's name
// and shown on the order.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlertmanagerWebhookPayload } from '../../src/notify/channels/webhook.ts';
import type { AuditList } from '../../src/wire/audit.ts';
import type { OrderPage } from '../../src/wire/order-list.ts';
import type { OrderDetail } from '../../src/wire/orders.ts';
import { type LoopbackReceiver, startReceiver } from '../notify/loopback-receiver.ts';
import { openTestDatabase, STORE_KINDS, type TestDatabase } from '../support/test-database.ts';
import { byEntity, copyRules, ev, type Harness, MINUTE, SECOND, startHarness } from './alerting-harness.ts';

const ROUTES = `route:
  receiver: others
  group_by: [rule, store_id]
  group_wait: 30s
  group_interval: 5m
  repeat_interval: 4h
  routes:
    - matchers: ['route="payments"']
      receiver: others
    - matchers: ['route="finance"']
      receiver: others
    - matchers: ['route="supervisor"']
      receiver: supervisor
      group_by: [rule]
      group_wait: 1m
receivers:
  - name: others
    primary:
      - kind: webhook
        url_env: ORDERPULSE_TEST_OTHERS_URL
  - name: supervisor
    primary:
      - kind: webhook
        url_env: ORDERPULSE_TEST_SUPERVISOR_URL
`;

const SUPERVISOR = 'operator-secret-1';
const DEPUTY = 'deputy-secret-1';

describe.each(STORE_KINDS)('custom rule actions: tags, route, approval (%s)', (kind) => {
  let db: TestDatabase;
  let h: Harness;
  let hook: LoopbackReceiver;

  beforeAll(async () => {
    db = await openTestDatabase(kind);
    hook = await startReceiver({ status: 200, body: '{}' });
    const rulesDir = copyRules();
    await writeFile(path.join(rulesDir, 'routes.yaml'), ROUTES);
    h = await startHarness(db.db, {
      rulesDir,
      env: {
        ORDERPULSE_OPERATOR_TOKENS: `wang.supervisor=${SUPERVISOR},li.deputy=${DEPUTY}`,
        ORDERPULSE_TEST_OTHERS_URL: `${hook.baseUrl}/others`,
        ORDERPULSE_TEST_SUPERVISOR_URL: `${hook.baseUrl}/supervisor`,
      },
    });
  }, 180_000);
  afterAll(async () => {
    await h?.close();
    await hook?.close();
    await db?.dispose();
  });

  const get = async <T>(url: string): Promise<T> => {
    const res = await h.app.server.inject({
      method: 'GET',
      url,
      headers: { authorization: `Bearer ${SUPERVISOR}` },
    });
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as T;
  };
  const ack = (id: string, token: string) =>
    h.app.server.inject({
      method: 'POST',
      url: `/v1/alerts/${id}/ack`,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      payload: JSON.stringify({ note: 'checked with the customer' }),
    });

  it('tags a paid ¥600 order to 西藏, lists it by ?tag=, and its acknowledgement is the approval', async () => {
    const t = h.clock.now;
    await h.post([
      ev.order('TAG-1', 'paid', t, { amount_fen: 60_000, region: '西藏' }),
      ev.order('TAG-2', 'paid', t, { amount_fen: 60_000, region: '北京' }),
      ev.order('TAG-3', 'paid', t, { amount_fen: 30_000, region: '西藏' }),
    ]);

    const tagged = await get<OrderPage>('/v1/orders?tag=priority');
    expect(tagged.orders.map((o) => o.order_id)).toEqual(['TAG-1']);
    expect(tagged.orders[0]!.tags).toEqual(['priority']);
    const all = await get<OrderPage>('/v1/orders');
    expect(all.orders.find((o) => o.order_id === 'TAG-2')!.tags).toEqual([]);
    expect((await get<OrderPage>('/v1/orders?tag=large')).orders).toEqual([]);

    const alert = byEntity(await h.alerts(), 'remote_high_value').get('TAG-1')!;
    expect(alert).toMatchObject({ status: 'firing', approval: 'awaiting', acknowledged_by: null });
    expect(alert.labels).toMatchObject({ route: 'supervisor', tags: 'priority', requires_approval: 'true' });
    let order = await get<OrderDetail>('/v1/orders/TAG-1');
    expect(order).toMatchObject({
      tags: ['priority'],
      awaiting_approval: true,
      approved_by: null,
      approved_at: null,
    });

    const acked = await ack(alert.id, SUPERVISOR);
    expect(acked.statusCode, acked.body).toBe(200);
    expect(acked.json().alert).toMatchObject({ approval: 'approved', acknowledged_by: 'wang.supervisor' });
    order = await get<OrderDetail>('/v1/orders/TAG-1');
    expect(order).toMatchObject({ awaiting_approval: false, approved_by: 'wang.supervisor' });
    expect(Date.parse(order.approved_at!)).toBe(h.clock.now);

    const audit = await get<AuditList>('/v1/audit?action=alert.approve');
    expect(audit.entries).toHaveLength(1);
    expect(audit.entries[0]).toMatchObject({
      actor: 'wang.supervisor',
      action: 'alert.approve',
      target: `alert/${alert.id}`,
      note: 'checked with the customer',
      details: { rule: 'remote_high_value', order_id: 'TAG-1' },
    });

    // Acknowledging again (another operator, a new note) is no second approval and keeps the approver.
    await h.advance(MINUTE);
    const again = await ack(alert.id, DEPUTY);
    expect(again.statusCode, again.body).toBe(200);
    expect(again.json().alert.acknowledged_by).toBe('wang.supervisor');
    expect((await get<AuditList>('/v1/audit?action=alert.approve')).entries).toHaveLength(1);
    expect((await get<OrderDetail>('/v1/orders/TAG-1')).approved_by).toBe('wang.supervisor');

    // The tag stays on the order once the alert resolves (the order moved on).
    await h.post([ev.order('TAG-1', 'picking', h.clock.now)]);
    expect((await get<OrderDetail>('/v1/orders/TAG-1')).tags).toEqual(['priority']);
  });

  it('tags the order even when one commit fires and clears the condition (no alert opens)', async () => {
    const t = h.clock.now;
    await h.post([
      ev.order('TAG-4', 'paid', t, { amount_fen: 2_500_000, region: '新疆' }),
      ev.order('TAG-4', 'picking', t + SECOND),
    ]);
    expect((await get<OrderDetail>('/v1/orders/TAG-4')).tags).toEqual(['large', 'priority']);
    expect(byEntity(await h.alerts(), 'remote_high_value').has('TAG-4')).toBe(false);
  });

  it('sends the alert to the supervisor receiver of routes.yaml, and no other', async () => {
    await h.post([ev.order('TAG-5', 'paid', h.clock.now, { amount_fen: 88_000, region: '青海' })]);
    await h.advance(SECOND); // the groups are planned
    await h.advance(61 * SECOND); // and sent after the supervisor route's group wait
    const supervisorAlerts = () =>
      hook.requests
        .filter((r) => r.url.pathname === '/supervisor')
        .flatMap((r) => (r.json as AlertmanagerWebhookPayload).alerts);
    await expect.poll(() => supervisorAlerts().some((a) => a.labels.entity_id === 'TAG-5')).toBe(true);
    const sent = supervisorAlerts().find((a) => a.labels.entity_id === 'TAG-5')!;
    expect(sent.labels).toMatchObject({
      rule: 'remote_high_value',
      route: 'supervisor',
      tags: 'priority',
      requires_approval: 'true',
    });
    const elsewhere = hook.requests
      .filter((r) => r.url.pathname !== '/supervisor')
      .flatMap((r) => (r.json as AlertmanagerWebhookPayload).alerts);
    expect(elsewhere.some((a) => a.labels.rule === 'remote_high_value')).toBe(false);
  });
});
