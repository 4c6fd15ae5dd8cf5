// The alert → webhook path through the app's own notification wiring: a routes.yaml whose only
// receiver is a generic webhook, its URL and bearer token given through the channel variables of
// the app's configuration, a loopback HTTP server behind it. An order stalls on the virtual clock;
// the webhook gets Alertmanager's version-4 JSON carrying the alert as GET /v1/alerts shows it,
// then the resolution.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlertmanagerWebhookPayload } from '../../src/notify/channels/webhook.ts';
import { type LoopbackReceiver, startReceiver } from '../notify/loopback-receiver.ts';
import { openTestDatabase, STORE_KINDS, type TestDatabase } from '../support/test-database.ts';
import { byEntity, copyRules, ev, type Harness, MINUTE, SECOND, startHarness } from './alerting-harness.ts';

const ROUTES = `route:
  receiver: hooks
  group_by: [rule, store_id]
  group_wait: 30s
  group_interval: 5m
  repeat_interval: 4h
  # The shipped rules.yaml names these routes; everything goes to the one webhook.
  routes:
    - matchers: ['route="payments"']
      receiver: hooks
    - matchers: ['route="finance"']
      receiver: hooks
    - matchers: ['route="supervisor"']
      receiver: hooks
receivers:
  - name: hooks
    primary:
      - kind: webhook
        url_env: ORDERPULSE_TEST_HOOK_URL
        bearer_token_env: ORDERPULSE_TEST_HOOK_TOKEN
`;

const HOOK_TOKEN = 'hook-bearer-secret';

describe('alert to webhook through the app', () => {
  let db: TestDatabase;
  let h: Harness;
  let hook: LoopbackReceiver;

  beforeAll(async () => {
    db = await openTestDatabase(STORE_KINDS.includes('postgres') ? 'postgres' : 'pglite');
    hook = await startReceiver({ status: 200, body: '{}' });
    const rulesDir = copyRules();
    await writeFile(path.join(rulesDir, 'routes.yaml'), ROUTES);
    h = await startHarness(db.db, {
      rulesDir,
      env: {
        ORDERPULSE_TEST_HOOK_URL: `${hook.baseUrl}/hooks/orderpulse`,
        ORDERPULSE_TEST_HOOK_TOKEN: HOOK_TOKEN,
      },
    });
  }, 180_000);
  afterAll(async () => {
    await h?.close();
    await hook?.close();
    await db?.dispose();
  });

  const payloads = () => hook.requests.map((r) => r.json as AlertmanagerWebhookPayload);

  it('posts the stalled order alert to the webhook, then its resolution', async () => {
    const t = h.clock.now;
    await h.post([ev.order('HOOK-1', 'paid', t, { store_id: 'S-HOOK' })]);
    await h.advance(2 * MINUTE + SECOND);
    const alert = byEntity(await h.alerts(), 'order_stalled').get('HOOK-1');
    expect(alert?.status).toBe('firing');

    await h.advance(SECOND); // the group is planned
    await h.advance(31 * SECOND); // and sent after the group wait
    await expect.poll(() => hook.requests.length).toBe(1);
    const [request] = hook.requests;
    expect(request!.method).toBe('POST');
    expect(request!.url.pathname).toBe('/hooks/orderpulse');
    expect(request!.headers.authorization).toBe(`Bearer ${HOOK_TOKEN}`);
    const firing = payloads()[0]!;
    expect(firing).toMatchObject({
      version: '4',
      status: 'firing',
      receiver: 'hooks',
      groupLabels: { rule: 'order_stalled', store_id: 'S-HOOK' },
      truncatedAlerts: 0,
    });
    expect(firing.alerts).toHaveLength(1);
    expect(firing.alerts[0]).toMatchObject({
      status: 'firing',
      fingerprint: alert!.id,
      startsAt: alert!.started_at,
      endsAt: '0001-01-01T00:00:00Z',
      labels: {
        alertname: 'order_stalled',
        rule: 'order_stalled',
        severity: alert!.severity,
        store_id: 'S-HOOK',
        entity_type: 'order',
        entity_id: 'HOOK-1',
        status: 'paid',
      },
      // Alertmanager's annotation is English; the API's summary is the reader's language, Chinese by default.
      annotations: { summary: 'Order HOOK-1 has been paid for more than 2 min', summary_zh: alert!.summary },
    });

    await h.post([ev.order('HOOK-1', 'picking', h.clock.now, { store_id: 'S-HOOK' })]);
    const resolved = byEntity(await h.alerts('?status=resolved'), 'order_stalled').get('HOOK-1');
    expect(resolved?.resolved_at).toBeTruthy();
    await h.advance(SECOND);
    await h.advance(5 * MINUTE + SECOND); // the group's next notification, after its interval
    await expect.poll(() => hook.requests.length).toBe(2);
    const done = payloads()[1]!;
    expect(done).toMatchObject({ version: '4', status: 'resolved', receiver: 'hooks' });
    expect(done.alerts[0]).toMatchObject({
      status: 'resolved',
      fingerprint: alert!.id,
      endsAt: resolved!.resolved_at,
    });
  });
});
