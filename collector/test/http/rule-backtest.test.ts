// POST /v1/rules/backtest over HTTP on both stores: a draft is checked like `rules check`, then the
// window's stored events are replayed through it; counts per store are exact against a seeded
// history computed here independently, the window is bounded, the sample capped.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RuleBacktestReply } from '../../src/wire/rule-backtest.ts';
import { ev, type Harness, HOUR, iso, MINUTE, startHarness } from '../alerting/alerting-harness.ts';
import { auth } from '../support/test-app.ts';
import { openTestDatabase, STORE_KINDS, type TestDatabase } from '../support/test-database.ts';

const ADMIN = 'admin-secret-1';
const REMOTE = ['西藏', '新疆', '青海'];
const REGIONS = [...REMOTE, '北京', '上海'];
const STORES = ['S1', 'S2', 'S3', 'S4'];

const DRAFT = `rules:
  - name: remote_paid_draft
    enabled: false
    when: type == "order.status" and status == "paid" and amount_fen > 50000 and region in ["西藏", "新疆", "青海"]
    severity: warning
    tags: [priority]
    route: supervisor
`;

interface Seeded {
  order: string;
  store: string;
  region: string;
  amount: number;
  createdAt: number;
  paidAt: number;
}

describe.each(STORE_KINDS)('rule backtest over HTTP (%s)', (kind) => {
  let store: TestDatabase;
  let h: Harness;
  const orders: Seeded[] = [];
  let eventCount = 0;
  const eventTimes: number[] = [];

  beforeAll(async () => {
    store = await openTestDatabase(kind);
    h = await startHarness(store.db, { env: { ORDERPULSE_ADMIN_TOKENS: `alice=${ADMIN}` } });
    const t = h.clock.now;
    // 400 orders over the last 40 hours (so some start before a 24 h window), deterministic.
    let seed = 11;
    const rand = (n: number) => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed % n;
    };
    const events: unknown[] = [];
    for (let i = 0; i < 400; i++) {
      const createdAt = t - 40 * HOUR + Math.floor((i * 40 * HOUR) / 400) + rand(MINUTE);
      const o: Seeded = {
        order: `BT-${i}`,
        store: STORES[rand(STORES.length)]!,
        region: REGIONS[rand(REGIONS.length)]!,
        amount: 40_000 + rand(70_000),
        createdAt,
        paidAt: createdAt + 10 * MINUTE,
      };
      orders.push(o);
      // The region and amount come only with `created`: the replay must carry them to `paid`.
      events.push(
        ev.order(o.order, 'created', o.createdAt, {
          store_id: o.store,
          region: o.region,
          amount_fen: o.amount,
        }),
        ev.order(o.order, 'paid', o.paidAt, { store_id: o.store }),
      );
      eventTimes.push(o.createdAt, o.paidAt);
    }
    for (let i = 0; i < events.length; i += 400) await h.post(events.slice(i, i + 400));
    eventCount = events.length;
  }, 180_000);
  afterAll(async () => {
    await h?.close();
    await store?.dispose();
  });

  const backtest = (body: unknown, token = ADMIN) =>
    h.app.server.inject({
      method: 'POST',
      url: '/v1/rules/backtest',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      payload: JSON.stringify(body),
    });

  /** What the draft must find, computed from the seeded orders without the replay. */
  function expected(from: number, to: number) {
    const perStore = new Map<string, number>();
    for (const o of orders) {
      if (o.paidAt < from || o.paidAt >= to || o.amount <= 50_000 || !REMOTE.includes(o.region)) continue;
      perStore.set(o.store, (perStore.get(o.store) ?? 0) + 1);
    }
    const byStore = [...perStore]
      .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
      .map(([store_id, count]) => ({ store_id, count }));
    return { byStore, fired: [...perStore.values()].reduce((a, b) => a + b, 0) };
  }

  it('counts the firings per store exactly, with facts from before the window, for a draft not switched on', async () => {
    const res = await backtest({ yaml: DRAFT, window: '24h' });
    expect(res.statusCode, res.body).toBe(200);
    const body: RuleBacktestReply = res.json();
    const to = h.clock.now;
    const from = to - 24 * HOUR;
    const want = expected(from, to);
    expect(want.fired).toBeGreaterThan(100);
    expect(body.window).toEqual({ from: iso(from), to: iso(to) });
    expect(body.fired).toBe(want.fired);
    expect(body.by_store).toEqual(want.byStore);
    expect(body.by_rule).toEqual([{ rule: 'remote_paid_draft', count: want.fired }]);
    expect(body.events_scanned).toBe(eventTimes.filter((at) => at >= from && at < to).length);
    // The sample is capped at 100 of the firings, the first ones by event time.
    expect(body.sample).toHaveLength(100);
    expect(body.truncated).toBe(true);
    const times = body.sample.map((s) => Date.parse(s.at));
    expect(times).toEqual([...times].sort((a, b) => a - b));
    const first = orders.find((o) => o.order === body.sample[0]!.order_id)!;
    expect(body.sample[0]).toEqual({
      order_id: first.order,
      store_id: first.store,
      at: iso(first.paidAt),
      rule: 'remote_paid_draft',
    });
    expect(body.scanned_to).toBe(iso(to));
  });

  it('takes a window up to 7 days ending at `to`, and refuses a longer one', async () => {
    const to = h.clock.now - 20 * HOUR;
    const res = await backtest({ yaml: DRAFT, window: '7d', to: iso(to) });
    expect(res.statusCode, res.body).toBe(200);
    const body: RuleBacktestReply = res.json();
    expect(body.fired).toBe(expected(to - 7 * 24 * HOUR, to).fired);
    expect(body.events_scanned).toBe(eventTimes.filter((at) => at < to).length);
    expect(body.events_scanned).toBeLessThan(eventCount);

    for (const window of ['8d', '169h', '0h', 'week']) {
      const refused = await backtest({ yaml: DRAFT, window });
      expect(refused.statusCode, window).toBe(400);
    }
  });

  it('takes one rule as an object', async () => {
    const res = await backtest({
      rule: {
        name: 'big_remote',
        when: 'status == "paid" and amount_fen > 100000 and region == "西藏"',
        severity: 'info',
      },
      window: '24h',
    });
    expect(res.statusCode, res.body).toBe(200);
    const to = h.clock.now;
    const want = orders.filter(
      (o) => o.paidAt >= to - 24 * HOUR && o.paidAt < to && o.amount > 100_000 && o.region === '西藏',
    ).length;
    expect(res.json().fired).toBe(want);
  });

  it('refuses an invalid draft with the checker’s errors and positions', async () => {
    const bad = `rules:
  - name: typo_rule
    when: type == "order.status" and amount_fenn > 5
    severity: warning
  - name: unrouted
    when: status == "paid"
    severity: info
    route: nobody
`;
    const res = await backtest({ yaml: bad, window: '24h' });
    expect(res.statusCode).toBe(400);
    const details = res.json().details as Array<Record<string, unknown>>;
    expect(details).toEqual([
      expect.objectContaining({ file: 'custom/draft.yaml', rule: 'typo_rule', field: 'when', line: 3 }),
      expect.objectContaining({ file: 'custom/draft.yaml', rule: 'unrouted', field: 'route', line: 8 }),
    ]);
    expect(String(details[0]!.message)).toContain('amount_fenn');
    expect(String(details[1]!.message)).toContain('supervisor');

    const broken = await backtest({ yaml: 'rules: [', window: '24h' });
    expect(broken.statusCode).toBe(400);
    expect(broken.json().details[0]).toMatchObject({ file: 'custom/draft.yaml', line: 1 });
    expect((await backtest({ window: '24h' })).statusCode).toBe(400);
    expect((await backtest({ yaml: DRAFT, rule: { name: 'x' }, window: '24h' })).statusCode).toBe(400);
  });

  it('is for admins only', async () => {
    const operator = await h.app.server.inject({
      method: 'POST',
      url: '/v1/rules/backtest',
      headers: { ...auth('operator'), 'content-type': 'application/json' },
      payload: JSON.stringify({ yaml: DRAFT, window: '24h' }),
    });
    expect(operator.statusCode).toBe(403);
    expect((await backtest({ yaml: DRAFT, window: '24h' }, 'nope')).statusCode).toBe(401);
  });
});
