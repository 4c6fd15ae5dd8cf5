// After a takeover two processors may plan the same alert group: the one that took the planning
// over starts with no memory of what was sent. The store has the last word (notification claims):
// two planners racing on one change queue one outbox row and the receiver, a real HTTP server, is
// paged once; an unchanged group is not paged again before its repeat interval, whoever plans it;
// a change and a repeat after the interval still go out, once.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NotificationDispatcher } from '../../src/alerting/notification-dispatcher.ts';
import type { Alert } from '../../src/domain/alerts/alert.ts';
import { Outbox } from '../../src/notify/outbox/outbox.ts';
import { OutboxWorker } from '../../src/notify/outbox/outbox-worker.ts';
import { buildReceivers } from '../../src/notify/receivers.ts';
import { parseRuleFiles, type RuleSet } from '../../src/rules-config/rule-set.ts';
import { openTestDatabase, STORE_KINDS, type TestDatabase } from '../support/test-database.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

const ROUTES = `route:
  receiver: pager
  group_by: [rule, store_id]
  group_wait: 30s
  group_interval: 5m
  repeat_interval: 4h
receivers:
  - name: pager
    primary:
      - kind: webhook
        url_env: PAGER_URL
`;

function ruleSetOf(): RuleSet {
  const parsed = parseRuleFiles({ 'routes.yaml': ROUTES, 'rules.yaml': 'rules: {}\n' });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return parsed.ruleSet;
}

const stalled = (id: string, at: number): Alert => ({
  id,
  rule: 'order_stalled',
  severity: 'warning',
  status: 'firing',
  entityType: 'order',
  entityId: `order-${id}`,
  storeId: 'S1',
  summary: { zh: '订单停滞', en: 'order stalled' },
  labels: {},
  startedAt: at,
  firingAt: at,
  updatedAt: at,
  resolvedAt: undefined,
  acknowledgedAt: undefined,
  acknowledgedBy: undefined,
  ackNote: undefined,
  reopenCount: 0,
});

/** One processor's notification side: its own planner, outbox and delivery worker over the shared store. */
function processor(db: TestDatabase['db'], ruleSet: RuleSet, url: string, clock: { now: number }) {
  const receivers = buildReceivers(Object.values(ruleSet.routing.receivers), { env: { PAGER_URL: url } });
  const outbox = new Outbox({ db, receivers, now: () => clock.now });
  const dispatcher = new NotificationDispatcher(outbox, { dashboardBaseUrl: 'https://op.example' });
  const worker = new OutboxWorker({ db, receivers, now: () => clock.now });
  return { dispatcher, worker };
}

describe.each(STORE_KINDS)('notification de-duplication across processors (%s)', (kind) => {
  let db: TestDatabase;
  let server: http.Server;
  let url: string;
  const pages: { groupKey: string; status: string; alerts: number }[] = [];

  beforeAll(async () => {
    db = await openTestDatabase(kind);
    server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => {
        body += chunk.toString('utf8');
      });
      req.on('end', () => {
        const payload = JSON.parse(body) as { groupKey: string; status: string; alerts: unknown[] };
        pages.push({ groupKey: payload.groupKey, status: payload.status, alerts: payload.alerts.length });
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    await db?.dispose();
  });

  const outboxRows = async () =>
    (await db.db.query<{ n: number }>('SELECT count(*)::int AS n FROM notification_outbox')).rows[0]!.n;

  it('two planners on one change page once; a takeover repeats nothing; a change and a repeat go out once', async () => {
    const ruleSet = ruleSetOf();
    const clock = { now: Date.parse('2026-11-11T02:00:00Z') };
    const a = processor(db.db, ruleSet, url, clock);
    const b = processor(db.db, ruleSet, url, clock);
    const t0 = clock.now;
    const alerts = [stalled('a1', t0), stalled('a2', t0)];
    const input = () => ({ alerts, silences: [], ruleSet });

    // Both see the group first now and plan it after its group wait, at the same moment.
    await Promise.all([a.dispatcher.dispatch(input(), t0), b.dispatcher.dispatch(input(), t0)]);
    clock.now = t0 + 31_000;
    const [sentA, sentB] = await Promise.all([
      a.dispatcher.dispatch(input(), clock.now),
      b.dispatcher.dispatch(input(), clock.now),
    ]);
    expect(sentA.length + sentB.length).toBe(1);
    expect(await outboxRows()).toBe(1);
    // Both processors' workers deliver.
    await Promise.all([a.worker.runOnce(), b.worker.runOnce()]);
    await Promise.all([a.worker.runOnce(), b.worker.runOnce()]);
    expect(pages).toEqual([{ groupKey: expect.any(String), status: 'firing', alerts: 2 }]);

    // A third processor takes the planning over (no memory): after its group wait it plans the
    // group afresh; the receiver was told exactly this 10 minutes ago, so nothing is queued.
    const c = processor(db.db, ruleSet, url, clock);
    clock.now = t0 + 10 * MINUTE;
    await c.dispatcher.dispatch(input(), clock.now);
    clock.now += 31_000;
    expect(await c.dispatcher.dispatch(input(), clock.now)).toEqual([]);
    expect(await outboxRows()).toBe(1);

    // The group changes: a new alert is news, sent once though both planners see it.
    alerts.push(stalled('a3', clock.now));
    clock.now += 5 * MINUTE;
    const changed = await Promise.all([
      a.dispatcher.dispatch(input(), clock.now),
      c.dispatcher.dispatch(input(), clock.now),
    ]);
    expect(changed.flat()).toHaveLength(1);
    expect(await outboxRows()).toBe(2);

    // Unchanged for the repeat interval: repeated, once.
    clock.now += 4 * HOUR;
    const repeated = await Promise.all([
      a.dispatcher.dispatch(input(), clock.now),
      c.dispatcher.dispatch(input(), clock.now),
    ]);
    expect(repeated.flat()).toHaveLength(1);
    expect(await outboxRows()).toBe(3);

    await Promise.all([a.worker.runOnce(), b.worker.runOnce(), c.worker.runOnce()]);
    await Promise.all([a.worker.runOnce(), b.worker.runOnce(), c.worker.runOnce()]);
    expect(pages.map((p) => p.alerts)).toEqual([2, 3, 3]);
    const { rows } = await db.db.query<{ status: string; n: number }>(
      'SELECT status, count(*)::int AS n FROM notification_outbox GROUP BY status',
    );
    expect(rows).toEqual([{ status: 'delivered', n: 3 }]);
  });
});
