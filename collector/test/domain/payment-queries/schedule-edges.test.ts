// The query schedule's edges, one plan at a time: the settling answers, a provider that said
// not_found or is still answering, the ceilings met within one plan, the order a scarce budget is
// spent in, the earliest wake, and the provider health and budget arithmetic behind them.
import { describe, expect, it } from 'vitest';
import {
  type AwaitingOrder,
  type PlanInput,
  planQueries,
} from '../../../src/domain/payment-queries/plan-queries.ts';
import {
  defaultQueryPolicy,
  QUERIED_PROVIDERS,
  type QueriedProvider,
} from '../../../src/domain/payment-queries/policy.ts';
import {
  type AttemptOutcome,
  providerHealth,
  type QueryAttempt,
  settled,
  startBudget,
} from '../../../src/domain/payment-queries/provider-health.ts';

const MINUTE = 60_000;
const T0 = Date.parse('2026-11-11T02:00:00Z');
const policy = defaultQueryPolicy();
const wechatOnly = new Set<QueriedProvider>(['wechatpay']);
const both = new Set<QueriedProvider>(['wechatpay', 'alipay']);

const order = (orderId: string, createdAt = T0, provider?: AwaitingOrder['provider']): AwaitingOrder => ({
  orderId,
  storeId: 'S001',
  createdAt,
  ...(provider !== undefined ? { provider } : { provider: 'wechatpay' as const }),
});
const anyProvider = (orderId: string, createdAt = T0): AwaitingOrder => ({
  orderId,
  storeId: 'S001',
  createdAt,
});

const answered = (
  orderId: string,
  provider: QueriedProvider,
  at: number,
  outcome: AttemptOutcome,
): QueryAttempt => ({
  orderId,
  provider,
  startedAt: at,
  finishedAt: at,
  outcome,
});

const plan = (
  now: number,
  orders: AwaitingOrder[],
  attempts: QueryAttempt[] = [],
  extra: Partial<PlanInput> = {},
  p = policy,
) => planQueries({ now, orders, attempts, configured: wechatOnly, silentSince: new Map(), ...extra }, p);

describe('which orders and providers are asked', () => {
  it('asks nothing more about an order a provider called paid, refunded or closed, even if it is still listed', () => {
    for (const outcome of ['paid', 'refunded', 'closed'] as const) {
      const attempts = [answered('A', 'wechatpay', T0 + 2 * MINUTE, outcome)];
      expect(plan(T0 + 60 * MINUTE, [order('A')], attempts), outcome).toEqual({ due: [], wakeAt: undefined });
    }
    const notPaid = [answered('A', 'wechatpay', T0 + 2 * MINUTE, 'not_paid')];
    expect(plan(T0 + 60 * MINUTE, [order('A')], notPaid).due).toHaveLength(1);
  });

  it('stops asking a provider that answered not_found', () => {
    const attempts = [answered('A', 'wechatpay', T0 + 2 * MINUTE, 'not_found')];
    expect(plan(T0 + 60 * MINUTE, [order('A')], attempts)).toEqual({ due: [], wakeAt: undefined });
  });

  it('plans no follow-up while the provider is still answering the last query', () => {
    const inFlight: QueryAttempt = { orderId: 'A', provider: 'wechatpay', startedAt: T0 + 2 * MINUTE };
    expect(plan(T0 + 2 * MINUTE + 30_000, [order('A')], [inFlight])).toEqual({ due: [], wakeAt: undefined });
  });

  it('asks a provider at most once more than it has follow-up gaps, even under a higher ceiling', () => {
    const oneGap = { ...policy, followUpGapsMs: [3 * MINUTE], maxQueriesPerOrder: 10 };
    const attempts = [
      answered('A', 'wechatpay', T0 + 2 * MINUTE, 'not_paid'),
      answered('A', 'wechatpay', T0 + 5 * MINUTE, 'not_paid'),
    ];
    expect(plan(T0 + 60 * MINUTE, [order('A')], attempts, {}, oneGap)).toEqual({
      due: [],
      wakeAt: undefined,
    });
    expect(plan(T0 + 60 * MINUTE, [order('A')], attempts.slice(0, 1), {}, oneGap).due).toHaveLength(1);
  });

  it('still asks about an order created exactly the lookback ago', () => {
    const now = T0 + policy.lookbackMs;
    expect(plan(now, [order('A')]).due).toEqual([
      { orderId: 'A', storeId: 'S001', provider: 'wechatpay', attempt: 1 },
    ]);
    expect(plan(now + 1, [order('A')]).due).toEqual([]);
  });

  it('plans no wake for an order that has had its three queries, whatever provider could still be asked', () => {
    const attempts = [
      answered('A', 'wechatpay', T0 + 2 * MINUTE, 'not_paid'),
      answered('A', 'wechatpay', T0 + 5 * MINUTE, 'not_paid'),
      answered('A', 'alipay', T0 + 6 * MINUTE, 'not_paid'),
    ];
    expect(plan(T0 + 7 * MINUTE, [anyProvider('A')], attempts, { configured: both })).toEqual({
      due: [],
      wakeAt: undefined,
    });
  });

  it('counts the queries planned in the same pass against the ceiling of three', () => {
    const attempts = [
      answered('A', 'wechatpay', T0 + 2 * MINUTE, 'not_paid'),
      answered('A', 'alipay', T0 + 2 * MINUTE, 'not_paid'),
    ];
    const { due } = plan(T0 + 60 * MINUTE, [anyProvider('A')], attempts, { configured: both });
    expect(due).toHaveLength(1);
    expect(due[0]).toMatchObject({ orderId: 'A', attempt: 3 });
  });
});

describe('the order a scarce budget is spent in', () => {
  const oneASecond = {
    ...policy,
    limits: { wechatpay: { ratePerSecond: 1, concurrency: 4 }, alipay: { ratePerSecond: 1, concurrency: 4 } },
  };
  const first = (now: number, orders: AwaitingOrder[], attempts: QueryAttempt[] = [], extra = {}) =>
    plan(now, orders, attempts, extra, oneASecond).due.map((d) => d.orderId);

  it('serves the query due longest ago first, not the oldest order', () => {
    // A's follow-up fell due at +5 m; B, created a minute later, had its first query due at +3 m.
    const attempts = [answered('A', 'wechatpay', T0 + 2 * MINUTE, 'not_paid')];
    const orders = [order('A'), order('B', T0 + MINUTE)];
    expect(first(T0 + 6 * MINUTE, orders, attempts)).toEqual(['B']);
    expect(first(T0 + 6 * MINUTE, orders.toReversed(), attempts)).toEqual(['B']);
  });

  it('at the same due time, serves the older order, then the smaller id', () => {
    // During an outage both fall due when it became known.
    const silent = { silentSince: new Map([['wechatpay' as const, T0 + MINUTE]]) };
    const orders = [order('A', T0 + 10_000), order('B')];
    expect(first(T0 + MINUTE, orders, [], silent)).toEqual(['B']);
    expect(first(T0 + MINUTE, orders.toReversed(), [], silent)).toEqual(['B']);
    expect(first(T0 + 2 * MINUTE, [order('Z'), order('Y')])).toEqual(['Y']);
    expect(first(T0 + 2 * MINUTE, [order('Y'), order('Z')])).toEqual(['Y']);
  });
});

describe('when to plan again', () => {
  it('wakes at the earliest future due time, whatever order the orders come in', () => {
    const orders = [order('A'), order('B', T0 + MINUTE)];
    expect(plan(T0, orders).wakeAt).toBe(T0 + 2 * MINUTE);
    expect(plan(T0, orders.toReversed()).wakeAt).toBe(T0 + 2 * MINUTE);
  });
});

describe('settled', () => {
  it('counts a query without an answer as failed once the in-flight timeout has passed since it started', () => {
    const inFlight: QueryAttempt = { orderId: 'A', provider: 'wechatpay', startedAt: T0 };
    expect(settled(inFlight, T0 + policy.inFlightTimeoutMs - 1, policy)).toBe(inFlight);
    expect(settled(inFlight, T0 + policy.inFlightTimeoutMs, policy)).toEqual({
      ...inFlight,
      outcome: 'error',
      finishedAt: T0 + policy.inFlightTimeoutMs,
    });
  });
});

describe('providerHealth', () => {
  it('counts the errors at the end by when the queries finished, not by how they are listed', () => {
    const attempts = [
      answered('A', 'wechatpay', T0 + 10, 'error'),
      answered('B', 'wechatpay', T0 + 5, 'not_paid'),
      answered('C', 'alipay', T0 + 20, 'not_paid'),
    ];
    const health = providerHealth(attempts, 'wechatpay', T0 + 100, policy);
    expect(health.consecutiveErrors).toBe(1);
    expect(health.pausedUntil).toBe(T0 + 10 + policy.backoff.baseMs);
  });

  it('leaves a query still in flight out of the run of errors', () => {
    const attempts: QueryAttempt[] = [
      answered('A', 'wechatpay', T0 + 10, 'error'),
      { orderId: 'B', provider: 'wechatpay', startedAt: T0 + 20 },
    ];
    const health = providerHealth(attempts, 'wechatpay', T0 + 100, policy);
    expect(health).toMatchObject({ inFlight: 1, consecutiveErrors: 1 });
  });

  it('lists the starts of the last second, oldest first, leaving out the one a second old', () => {
    const now = T0 + 5000;
    const attempts = [now, now - 999, now - 1000, now + 1].map((at, i) =>
      answered(`O${i}`, 'wechatpay', at, 'not_paid'),
    );
    expect(providerHealth(attempts, 'wechatpay', now, policy).recentStarts).toEqual([now - 999, now]);
  });
});

describe('startBudget', () => {
  const limits = { ratePerSecond: 10, concurrency: 4 };
  const healthy = { inFlight: 0, recentStarts: [] as number[], consecutiveErrors: 0, pausedUntil: undefined };

  it('after errors, allows no probe while one is already in flight', () => {
    expect(
      startBudget({ ...healthy, inFlight: 1, consecutiveErrors: 2, pausedUntil: T0 - 1 }, limits, T0),
    ).toEqual({
      count: 0,
      retryAt: undefined,
    });
    expect(startBudget({ ...healthy, consecutiveErrors: 2, pausedUntil: T0 }, limits, T0)).toEqual({
      count: 1,
      retryAt: undefined,
    });
  });

  it('gives a retry time only when the rate window is what is full', () => {
    expect(startBudget({ ...healthy, recentStarts: [T0 - 500] }, limits, T0)).toEqual({
      count: 4,
      retryAt: undefined,
    });
    expect(startBudget({ ...healthy, inFlight: 4, recentStarts: [T0 - 500] }, limits, T0)).toEqual({
      count: 0,
      retryAt: undefined,
    });
    const tenStarts = Array.from({ length: 10 }, (_, i) => T0 - 900 + i);
    expect(startBudget({ ...healthy, recentStarts: tenStarts }, limits, T0)).toEqual({
      count: 0,
      retryAt: T0 + 100,
    });
  });
});

describe('QUERIED_PROVIDERS', () => {
  it('are the two providers that can be asked', () => {
    expect(QUERIED_PROVIDERS).toEqual(['wechatpay', 'alipay']);
  });
});
