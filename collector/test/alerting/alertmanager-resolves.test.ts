// A resolve reaches a real Alertmanager, and through it the team's webhook, even when the collector
// learns of it late (the `paid` event is dated minutes back, past the rule's cool-down) or when the
// route's group interval is longer than the cool-down: the resolved alert stays in the collector until
// every route that reported it firing has queued its resolve.
//
// The collector runs on a hand-moved clock set two hours back, so every time it sends is in
// Alertmanager's past (a resolve's endsAt ends the alert at once); Alertmanager and the outbox worker
// run on the wall clock with short intervals, and the test waits for what reaches the webhook.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, type RunningAlertmanager, startAlertmanager } from '../deploy/alertmanager-server.ts';
import { type CapturedRequest, type LoopbackReceiver, startReceiver } from '../notify/loopback-receiver.ts';
import { openTestDatabase, type TestDatabase } from '../support/test-database.ts';
import { ev, type Harness, MINUTE, SECOND, startHarness } from './alerting-harness.ts';

const RULES = `
rules:
  payment_unapplied:
    limit: 2m
    cool_down: 1m
  order_stalled:
    enabled: false
  callback_silent:
    enabled: false
`;

// Store FIN's alerts go through a route with a 30-minute group interval, far past the cool-down.
const ROUTES = `
route:
  receiver: alertmanager
  group_by: [rule, store_id]
  group_wait: 10s
  group_interval: 5m
  repeat_interval: 4h
  routes:
    - matchers: ['store_id="FIN"']
      receiver: alertmanager
      group_interval: 30m
receivers:
  - name: alertmanager
    primary:
      - kind: alertmanager
        url_env: ORDERPULSE_ALERTMANAGER_URL
`;

interface WebhookAlert {
  status: 'firing' | 'resolved';
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

function webhookAlerts(requests: readonly CapturedRequest[]): WebhookAlert[] {
  return requests.flatMap((r) => (r.json as { alerts?: WebhookAlert[] } | undefined)?.alerts ?? []);
}

describe('late and slow resolves reach a real Alertmanager', () => {
  let db: TestDatabase;
  let hook: LoopbackReceiver;
  let alertmanager: RunningAlertmanager;
  let h: Harness;

  beforeAll(async () => {
    hook = await startReceiver();
    alertmanager = await startAlertmanager(`
route:
  receiver: hook
  group_by: ['...']
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: hook
    webhook_configs:
      - url: '${hook.baseUrl}/hook'
        send_resolved: true
`);
    const rulesDir = fs.mkdtempSync(path.join(os.tmpdir(), 'op-am-rules-'));
    fs.writeFileSync(path.join(rulesDir, 'rules.yaml'), RULES);
    fs.writeFileSync(path.join(rulesDir, 'routes.yaml'), ROUTES);
    db = await openTestDatabase('pglite');
    h = await startHarness(db.db, {
      rulesDir,
      env: { ORDERPULSE_ALERTMANAGER_URL: alertmanager.url },
      now: Math.floor(Date.now() / SECOND) * SECOND - 120 * MINUTE,
    });
  }, 60_000);

  afterAll(async () => {
    await h?.close();
    await db?.dispose();
    await alertmanager?.stop();
    await hook?.close();
  });

  /** Moves the collector's clock in steps (each a tick: pruning and planning run as they would). */
  async function run(ms: number, step = 10 * SECOND): Promise<void> {
    for (let done = 0; done < ms; done += step) await h.advance(Math.min(step, ms - done));
  }

  const alertsOf = (store: string, status: WebhookAlert['status']) =>
    webhookAlerts(hook.requests).filter((a) => a.labels.store_id === store && a.status === status);

  /** A payment whose order is not paid: payment_unapplied fires and reaches the webhook. */
  async function firing(store: string, order: string): Promise<number> {
    const paidAt = h.clock.now;
    await h.post([ev.payment(order, paidAt, { store_id: store })]);
    await run(2 * MINUTE + 15 * SECOND);
    const [alert] = await eventually(
      `a firing ${order} at the webhook`,
      () => alertsOf(store, 'firing'),
      (a) => a.length > 0,
    );
    expect(alert?.labels).toMatchObject({ alertname: 'payment_unapplied', severity: 'critical' });
    expect(alert?.annotations.entity).toBe(`order/${order}`);
    return paidAt;
  }

  it('a paid event dated two minutes back resolves the alert in Alertmanager', async () => {
    await firing('LATE', 'L1');
    await run(MINUTE);
    // the order system reports the payment applied two minutes ago: past the 1-minute cool-down
    await h.post([ev.order('L1', 'paid', h.clock.now - 2 * MINUTE, { store_id: 'LATE' })]);
    await run(6 * MINUTE);
    const [resolved] = await eventually(
      'the resolve of L1 at the webhook',
      () => alertsOf('LATE', 'resolved'),
      (a) => a.length > 0,
    );
    expect(resolved?.annotations.entity).toBe('order/L1');
    expect(await alertmanager.alerts(['store_id="LATE"'])).toEqual([]);
  }, 90_000);

  it('a route with a group interval longer than the cool-down still sends the resolve', async () => {
    await firing('FIN', 'F1');
    await run(MINUTE);
    await h.post([ev.order('F1', 'paid', h.clock.now, { store_id: 'FIN' })]);
    // the route plans the resolve 30 minutes after its last notification; the cool-down is 1 minute
    await run(31 * MINUTE, 30 * SECOND);
    const [resolved] = await eventually(
      'the resolve of F1 at the webhook',
      () => alertsOf('FIN', 'resolved'),
      (a) => a.length > 0,
    );
    expect(resolved?.annotations.entity).toBe('order/F1');
    expect(await alertmanager.alerts(['store_id="FIN"'])).toEqual([]);
  }, 90_000);

  it('a paid event dated before the alert started, past the cool-down, still resolves it', async () => {
    const paidAt = await firing('EARLY', 'E1');
    // the order was in fact paid a minute after the payment, before the 2-minute limit ran out
    await h.post([ev.order('E1', 'paid', paidAt + MINUTE, { store_id: 'EARLY' })]);
    await run(6 * MINUTE);
    const [resolved] = await eventually(
      'the resolve of E1 at the webhook',
      () => alertsOf('EARLY', 'resolved'),
      (a) => a.length > 0,
    );
    expect(resolved?.annotations.entity).toBe('order/E1');
    expect(await alertmanager.alerts(['store_id="EARLY"'])).toEqual([]);
  }, 90_000);
});
