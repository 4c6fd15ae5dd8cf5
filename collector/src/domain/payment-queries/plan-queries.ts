// Which provider queries are due now: pure, clock given. The caller keeps the attempts (so a
// restart resumes the schedule where it stood), runs the due queries, records their outcomes, and
// plans again when an answer comes or at `wakeAt`.
import type { PaymentProvider } from '../events.ts';
import type { QueriedProvider, QueryPolicy } from './policy.ts';
import { providerHealth, type QueryAttempt, settled, startBudget } from './provider-health.ts';

export interface AwaitingOrder {
  orderId: string;
  storeId: string;
  createdAt: number;
  /** From `order.status`; undefined: ask every configured provider; `other`: nobody to ask. */
  provider?: PaymentProvider | undefined;
}

export interface PlanInput {
  now: number;
  /** Orders still awaiting payment (no payment recorded for them). */
  orders: readonly AwaitingOrder[];
  /** Every recorded query of these orders, and at least those of the last second and the last error run. */
  attempts: readonly QueryAttempt[];
  configured: ReadonlySet<QueriedProvider>;
  /** Providers whose `callback_silent` fires, with the time it started. */
  silentSince: ReadonlyMap<QueriedProvider, number>;
}

export interface DueQuery {
  orderId: string;
  storeId: string;
  provider: QueriedProvider;
  /** 1-based: the how-many-th query of this order, over all providers. */
  attempt: number;
}

export interface QueryPlan {
  due: DueQuery[];
  /** When planning again could start something new; undefined: only an answer or a new order can. */
  wakeAt: number | undefined;
}

/** Answers after which the order needs no more queries, whoever gave them. */
const SETTLING = new Set(['paid', 'refunded', 'closed']);

interface Candidate extends DueQuery {
  dueAt: number;
  createdAt: number;
}

/** When the next query of `order` at `provider` falls due, or undefined when there is none to make. */
function nextDueAt(
  order: AwaitingOrder,
  provider: QueriedProvider,
  ownAttempts: readonly QueryAttempt[],
  input: PlanInput,
  policy: QueryPolicy,
): number | undefined {
  const atProvider = ownAttempts.filter((a) => a.provider === provider);
  if (atProvider.some((a) => a.outcome === 'not_found' || a.outcome === undefined)) return undefined;
  if (atProvider.length > policy.followUpGapsMs.length) return undefined;
  if (atProvider.length === 0) {
    const silentSince = input.silentSince.get(provider);
    const normal = order.createdAt + policy.queryAfterMs;
    // During an outage, the orders it caught are asked about as soon as it is known, not after it.
    return silentSince === undefined
      ? normal
      : Math.min(normal, Math.max(order.createdAt + policy.silentQueryAfterMs, silentSince));
  }
  const last = Math.max(...atProvider.map((a) => a.startedAt));
  return last + policy.followUpGapsMs[atProvider.length - 1]!;
}

export function planQueries(input: PlanInput, policy: QueryPolicy): QueryPlan {
  const { now } = input;
  const byOrder = new Map<string, QueryAttempt[]>();
  for (const attempt of input.attempts) {
    const list = byOrder.get(attempt.orderId) ?? [];
    list.push(settled(attempt, now, policy));
    byOrder.set(attempt.orderId, list);
  }

  const budgets = new Map<
    QueriedProvider,
    { count: number; retryAt: number | undefined; pausedUntil: number }
  >();
  for (const provider of input.configured) {
    const health = providerHealth(input.attempts, provider, now, policy);
    budgets.set(provider, {
      ...startBudget(health, policy.limits[provider], now),
      pausedUntil: health.pausedUntil ?? now,
    });
  }
  const candidates: Candidate[] = [];
  const wakes: number[] = [];
  for (const order of input.orders) {
    if (order.createdAt < now - policy.lookbackMs) continue;
    const own = byOrder.get(order.orderId) ?? [];
    if (own.some((a) => a.outcome !== undefined && SETTLING.has(a.outcome))) continue;
    if (own.length >= policy.maxQueriesPerOrder) continue;
    const providers =
      order.provider === undefined
        ? [...input.configured]
        : order.provider !== 'other' && input.configured.has(order.provider)
          ? [order.provider]
          : [];
    for (const provider of providers) {
      const dueAt = nextDueAt(order, provider, own, input, policy);
      if (dueAt === undefined) continue;
      // A query that falls due while its provider is paused can only start once the pause is over.
      if (dueAt > now) wakes.push(Math.max(dueAt, budgets.get(provider)!.pausedUntil));
      else {
        candidates.push({
          orderId: order.orderId,
          storeId: order.storeId,
          provider,
          attempt: 0,
          dueAt,
          createdAt: order.createdAt,
        });
      }
    }
  }

  // Longest overdue first, so a backlog drains in the order it built up.
  candidates.sort(
    (a, b) => a.dueAt - b.dueAt || a.createdAt - b.createdAt || a.orderId.localeCompare(b.orderId),
  );
  const used = new Map<string, number>();
  const due: DueQuery[] = [];
  for (const candidate of candidates) {
    const budget = budgets.get(candidate.provider)!;
    const sofar = used.get(candidate.orderId) ?? byOrder.get(candidate.orderId)?.length ?? 0;
    if (sofar >= policy.maxQueriesPerOrder) continue;
    if (budget.count <= 0) {
      if (budget.retryAt !== undefined) wakes.push(budget.retryAt);
      continue;
    }
    budget.count--;
    used.set(candidate.orderId, sofar + 1);
    due.push({
      orderId: candidate.orderId,
      storeId: candidate.storeId,
      provider: candidate.provider,
      attempt: sofar + 1,
    });
  }
  const future = wakes.filter((at) => at > now);
  return {
    due,
    wakeAt: future.reduce<number | undefined>(
      (min, at) => (min === undefined || at < min ? at : min),
      undefined,
    ),
  };
}
