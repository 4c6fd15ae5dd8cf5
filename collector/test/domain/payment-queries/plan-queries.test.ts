// The query schedule on a virtual clock: when the first query comes, the follow-ups, the ceiling of
// three per order, silence, rate limit, concurrency, back-off and resuming from recorded attempts.
import { describe, expect, it } from 'vitest';
import {
  type AwaitingOrder,
  type PlanInput,
  planQueries,
} from '../../../src/domain/payment-queries/plan-queries.ts';
import { defaultQueryPolicy, type QueriedProvider } from '../../../src/domain/payment-queries/policy.ts';
import type { AttemptOutcome, QueryAttempt } from '../../../src/domain/payment-queries/provider-health.ts';

const MINUTE = 60_000;
const T0 = Date.parse('2026-11-11T02:00:00Z');
const policy = defaultQueryPolicy();
const both = new Set<QueriedProvider>(['wechatpay', 'alipay']);
const wechatOnly = new Set<QueriedProvider>(['wechatpay']);

const order = (
  orderId: string,
  createdAt = T0,
  provider: AwaitingOrder['provider'] = 'wechatpay',
): AwaitingOrder => ({
  orderId,
  storeId: 'S001',
  createdAt,
  provider,
});

const input = (
  now: number,
  orders: AwaitingOrder[],
  attempts: QueryAttempt[] = [],
  extra: Partial<PlanInput> = {},
): PlanInput => ({
  now,
  orders,
  attempts,
  configured: wechatOnly,
  silentSince: new Map(),
  ...extra,
});

const done = (
  orderId: string,
  provider: QueriedProvider,
  at: number,
  outcome: AttemptOutcome,
  retryAfterMs?: number,
): QueryAttempt => ({
  orderId,
  provider,
  startedAt: at,
  finishedAt: at,
  outcome,
  ...(retryAfterMs !== undefined && { retryAfterMs }),
});

type Answer = (orderId: string, provider: QueriedProvider, at: number) => AttemptOutcome;

/** Runs the plan like the collector will: queries answer at once; the clock jumps to wakeAt. */
function drive(
  orders: AwaitingOrder[],
  answer: Answer,
  until: number,
  extra: Partial<PlanInput> = {},
  from = T0,
): QueryAttempt[] {
  const attempts: QueryAttempt[] = [];
  let now = from;
  for (let guard = 0; guard < 100_000; guard++) {
    const paid = new Set(attempts.filter((a) => a.outcome === 'paid').map((a) => a.orderId));
    const plan = planQueries(
      input(
        now,
        orders.filter((o) => !paid.has(o.orderId)),
        attempts,
        extra,
      ),
      policy,
    );
    for (const query of plan.due)
      attempts.push(done(query.orderId, query.provider, now, answer(query.orderId, query.provider, now)));
    if (plan.due.length > 0) continue;
    if (plan.wakeAt === undefined || plan.wakeAt > until) return attempts;
    now = plan.wakeAt;
  }
  throw new Error('the plan never settled');
}

describe('when an order is asked about', () => {
  it('first at created + ORDERPULSE_PAYMENT_QUERY_AFTER, and says when that is', () => {
    expect(planQueries(input(T0 + 2 * MINUTE - 1, [order('A1')]), policy)).toEqual({
      due: [],
      wakeAt: T0 + 2 * MINUTE,
    });
    expect(planQueries(input(T0 + 2 * MINUTE, [order('A1')]), policy).due).toEqual([
      { orderId: 'A1', storeId: 'S001', provider: 'wechatpay', attempt: 1 },
    ]);
    const later = defaultQueryPolicy(10 * MINUTE);
    expect(planQueries(input(T0 + 5 * MINUTE, [order('A1')]), later)).toEqual({
      due: [],
      wakeAt: T0 + 10 * MINUTE,
    });
  });

  it('then at + 5 m and + 15 m while it stays unpaid, and never a fourth time', () => {
    const attempts = drive([order('A1')], () => 'not_paid', T0 + 24 * 60 * MINUTE);
    expect(attempts.map((a) => (a.startedAt - T0) / MINUTE)).toEqual([2, 5, 15]);
  });

  it('stops once a provider says paid, refunded or closed', () => {
    for (const settling of ['paid', 'refunded', 'closed'] as const) {
      const attempts = drive(
        [order('A1')],
        (_, __, at) => (at >= T0 + 5 * MINUTE ? settling : 'not_paid'),
        T0 + 60 * MINUTE,
      );
      expect(attempts.map((a) => a.outcome)).toEqual(['not_paid', settling]);
    }
  });

  it('asks every configured provider when the order does not say which, three queries in all', () => {
    const attempts = drive(
      [{ ...order('A1'), provider: undefined }],
      (_, provider) => (provider === 'wechatpay' ? 'not_found' : 'not_paid'),
      T0 + 60 * MINUTE,
      {
        configured: both,
      },
    );
    expect(attempts.map((a) => [a.provider, (a.startedAt - T0) / MINUTE, a.outcome])).toEqual([
      ['wechatpay', 2, 'not_found'],
      ['alipay', 2, 'not_paid'],
      ['alipay', 5, 'not_paid'],
    ]);
  });

  it('does not ask about orders paid through another provider, a provider not configured, or orders past the lookback', () => {
    const now = T0 + 10 * MINUTE;
    expect(planQueries(input(now, [order('O1', T0, 'other'), order('O2', T0, 'alipay')]), policy)).toEqual({
      due: [],
      wakeAt: undefined,
    });
    expect(planQueries(input(T0 + 25 * 60 * MINUTE, [order('O3')]), policy).due).toEqual([]);
  });

  it('asks within 30 s of creation, or at once for older orders, while the provider’s callbacks are silent', () => {
    const silence = { silentSince: new Map([['wechatpay' as const, T0 + 10_000]]) };
    expect(planQueries(input(T0 + 29_999, [order('A1')], [], silence), policy)).toEqual({
      due: [],
      wakeAt: T0 + 30_000,
    });
    expect(planQueries(input(T0 + 30_000, [order('A1')], [], silence), policy).due).toHaveLength(1);
    const fresh = order('A2', T0 + 50_000);
    expect(planQueries(input(T0 + 60_000, [fresh], [], silence), policy).wakeAt).toBe(T0 + 80_000);
  });

  it('resumes from the recorded attempts: the same record gives the same plan, and a query lost mid-flight counts', () => {
    const recorded = [done('A1', 'wechatpay', T0 + 2 * MINUTE, 'not_paid')];
    const first = planQueries(input(T0 + 5 * MINUTE, [order('A1')], recorded), policy);
    expect(planQueries(input(T0 + 5 * MINUTE, [order('A1')], [...recorded]), policy)).toEqual(first);
    expect(first.due).toEqual([{ orderId: 'A1', storeId: 'S001', provider: 'wechatpay', attempt: 2 }]);
    const lost: QueryAttempt = { orderId: 'A1', provider: 'wechatpay', startedAt: T0 + 5 * MINUTE };
    expect(
      planQueries(input(T0 + 5 * MINUTE + 30_000, [order('A1')], [...recorded, lost]), policy).due,
    ).toEqual([]);
    expect(planQueries(input(T0 + 15 * MINUTE, [order('A1')], [...recorded, lost]), policy).due).toEqual([
      { orderId: 'A1', storeId: 'S001', provider: 'wechatpay', attempt: 3 },
    ]);
  });
});

describe('how hard a provider is pushed', () => {
  const many = (n: number) => Array.from({ length: n }, (_, i) => order(`A${String(i).padStart(3, '0')}`));

  it('starts at most its concurrency at once and its rate per second', () => {
    const now = T0 + 2 * MINUTE;
    const plan = planQueries(input(now, many(30)), policy);
    expect(plan.due.map((q) => q.orderId)).toEqual(['A000', 'A001', 'A002', 'A003']);
    const inFlight = plan.due.map(
      (q): QueryAttempt => ({ orderId: q.orderId, provider: 'wechatpay', startedAt: now }),
    );
    expect(planQueries(input(now, many(30), inFlight), policy).due).toEqual([]);
    const answered = inFlight.map((a) => ({ ...a, outcome: 'not_paid' as const, finishedAt: now }));
    const second = planQueries(
      input(now, many(30), [...answered, ...answered.map((a) => ({ ...a, orderId: `${a.orderId}x` }))]),
      policy,
    );
    expect(second.due).toHaveLength(2);
    const tenStarted = [
      ...answered,
      ...answered.map((a) => ({ ...a, orderId: `${a.orderId}x` })),
      ...answered.slice(0, 2).map((a) => ({ ...a, orderId: `${a.orderId}y` })),
    ];
    expect(planQueries(input(now + 999, many(30), tenStarted), policy)).toMatchObject({
      due: [],
      wakeAt: now + 1000,
    });
  });

  it('drains a backlog of 800 orders at 10 queries a second, three queries per order at most', () => {
    // 47 minutes of orders nobody asked about (the collector was down), then the collector starts.
    const orders = Array.from({ length: 800 }, (_, i) => order(`W${i}`, T0 + i * 3_500));
    const start = T0 + 47 * MINUTE;
    const attempts = drive(
      orders,
      (id) => (Number(id.slice(1)) % 4 === 0 ? 'not_paid' : 'paid'),
      start + 60 * MINUTE,
      {},
      start,
    );
    const perOrder = new Map<string, number>();
    for (const a of attempts) perOrder.set(a.orderId, (perOrder.get(a.orderId) ?? 0) + 1);
    expect(Math.max(...perOrder.values())).toBe(3);
    const paid = attempts.filter((a) => a.outcome === 'paid');
    expect(paid).toHaveLength(600);
    expect(Math.max(...paid.map((a) => a.startedAt)) - start).toBeLessThanOrEqual(2 * MINUTE);
    const perSecond = new Map<number, number>();
    for (const a of attempts)
      perSecond.set(Math.floor(a.startedAt / 1000), (perSecond.get(Math.floor(a.startedAt / 1000)) ?? 0) + 1);
    expect(Math.max(...perSecond.values())).toBe(10);
  });

  it('backs off after errors, doubling, then probes with one query before the rest', () => {
    const now = T0 + 10 * MINUTE;
    const orders = many(10);
    const errors = [
      done('A000', 'wechatpay', now - 40_000, 'error'),
      done('A001', 'wechatpay', now - 10_000, 'error'),
    ];
    expect(planQueries(input(now, orders, errors), policy)).toEqual({
      due: [],
      wakeAt: now - 10_000 + 60_000,
    });
    const probe = planQueries(input(now + 50_000, orders, errors), policy);
    expect(probe.due).toHaveLength(1);
    const recovered = [...errors, done(probe.due[0]!.orderId, 'wechatpay', now + 50_000, 'not_paid')];
    expect(planQueries(input(now + 51_000, orders, recovered), policy).due).toHaveLength(4);
  });

  it('waits as long as a rate-limited answer asks when that is longer than the back-off', () => {
    const now = T0 + 10 * MINUTE;
    const limited = [done('A000', 'wechatpay', now, 'error', 5 * MINUTE)];
    expect(planQueries(input(now + MINUTE, many(3), limited), policy)).toEqual({
      due: [],
      wakeAt: now + 5 * MINUTE,
    });
  });

  it('keeps each provider’s limits to itself', () => {
    const now = T0 + 10 * MINUTE;
    const orders = [...many(3), order('B1', T0, 'alipay')];
    const wechatDown = [done('A000', 'wechatpay', now, 'error')];
    const plan = planQueries(input(now + 1000, orders, wechatDown, { configured: both }), policy);
    expect(plan.due.map((q) => q.provider)).toEqual(['alipay']);
  });
});
