// The store side of an outage's recovery: the `callback_silent` episodes, and for each the facts
// domain/payment-queries/outage-recovery.ts counts. Every read is bounded by an index: payments by
// occurred_at, awaiting orders by the open-orders index, query attempts by started_at.

import { type PaymentProvider, querySource } from '../domain/events.ts';
import { PAID_OR_LATER_STATUSES } from '../domain/order-lifecycle.ts';
import type { CallbackOutage, OutageFacts } from '../domain/payment-queries/outage-recovery.ts';
import { QUERIED_PROVIDERS, type QueriedProvider } from '../domain/payment-queries/policy.ts';
import type { AttemptOutcome } from '../domain/payment-queries/provider-health.ts';
import type { Queryable } from '../store/database.ts';

const iso = (ms: number) => new Date(ms).toISOString();

/** `callback_silent` episodes, newest first: those still open and those resolved since `resolvedSince`. */
export async function callbackOutages(
  q: Queryable,
  options: { resolvedSince: number; limit: number; alertId?: string },
): Promise<CallbackOutage[]> {
  const { rows } = await q.query<{
    id: string;
    entity_id: string;
    started_at: Date;
    resolved_at: Date | null;
  }>(
    `SELECT id, entity_id, started_at, resolved_at FROM alerts
     WHERE rule = 'callback_silent' AND status <> 'pending'
       AND (resolved_at IS NULL OR resolved_at >= $1) AND ($3::text IS NULL OR id = $3)
     ORDER BY started_at DESC, id LIMIT $2`,
    [iso(options.resolvedSince), options.limit, options.alertId ?? null],
  );
  const outages: CallbackOutage[] = [];
  for (const r of rows) {
    outages.push({
      alertId: r.id,
      provider: r.entity_id,
      alertStartedAt: r.started_at.getTime(),
      resolvedAt: r.resolved_at?.getTime(),
      lastCallbackAt: await lastCallbackBefore(q, r.entity_id, r.started_at.getTime()),
    });
  }
  return outages;
}

/** The provider's latest callback (not a query's payment) dated up to `at`. */
async function lastCallbackBefore(q: Queryable, provider: string, at: number): Promise<number | undefined> {
  const { rows } = await q.query<{ at: Date | null }>(
    `SELECT max(occurred_at) AS at FROM payments
     WHERE provider = $1 AND source <> $2 AND occurred_at <= $3`,
    [provider, querySource(provider as PaymentProvider), iso(at)],
  );
  return rows[0]?.at?.getTime();
}

/** What the outage's window holds, for the provider of the outage (of `stores`' orders only, if given). */
export async function outageFacts(
  q: Queryable,
  provider: string,
  window: { from: number; to: number },
  stores?: readonly string[],
): Promise<OutageFacts> {
  const from = iso(window.from);
  const to = iso(window.to);
  // Limited to `stores`, a payment whose order is not stored counts for no store.
  const inStores = stores === undefined ? null : [...stores];
  const recovered = await q.query<{ order_id: string; paid_at: Date; applied: boolean }>(
    `SELECT p.order_id, p.occurred_at AS paid_at,
            COALESCE(o.paid_at IS NOT NULL OR o.status = ANY($4::text[]), false) AS applied
     FROM payments p LEFT JOIN orders o ON o.order_id = p.order_id
     WHERE p.provider = $1 AND p.source = $2 AND p.status = 'success'
       AND p.occurred_at >= $3 AND p.occurred_at <= $5
       AND ($6::text[] IS NULL OR o.store_id = ANY($6::text[]))`,
    [provider, querySource(provider as PaymentProvider), from, PAID_OR_LATER_STATUSES, to, inStores],
  );
  // status_at of a `created` order is its creation time.
  const awaiting = await q.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM orders o
     WHERE o.status = 'created' AND o.status_at >= $1 AND o.status_at <= $2
       AND ($3::text[] IS NULL OR o.store_id = ANY($3::text[]))
       AND NOT EXISTS (SELECT 1 FROM payments p WHERE p.order_id = o.order_id AND p.status = 'success')`,
    [from, to, inStores],
  );
  const queries = await q.query<{ outcome: AttemptOutcome | null; n: number }>(
    `SELECT a.outcome, count(*)::int AS n FROM payment_query_attempts a
     JOIN orders o ON o.order_id = a.order_id
     WHERE a.provider = $1 AND a.started_at >= $2
       AND ($5::text[] IS NULL OR o.store_id = ANY($5::text[]))
       AND ((o.created_at >= $2 AND o.created_at <= $3)
            OR EXISTS (SELECT 1 FROM payments p WHERE p.order_id = o.order_id AND p.provider = $1
                       AND p.source = $4 AND p.occurred_at >= $2 AND p.occurred_at <= $3))
     GROUP BY a.outcome`,
    [provider, from, to, querySource(provider as PaymentProvider), inStores],
  );
  return {
    recovered: recovered.rows.map((r) => ({
      orderId: r.order_id,
      paidAt: r.paid_at.getTime(),
      applied: r.applied,
    })),
    stillAwaiting: awaiting.rows[0]?.n ?? 0,
    queryOutcomes: queries.rows.map((r) => ({ outcome: r.outcome ?? undefined, count: r.n })),
  };
}

/** Payments confirmed by query since `since` (by payment time), by provider and whether their order was applied. */
export async function recoveredPaymentCounts(
  q: Queryable,
  since: number,
): Promise<Array<{ provider: QueriedProvider; state: 'applied' | 'unapplied'; n: number }>> {
  const { rows } = await q.query<{ provider: QueriedProvider; applied: boolean; n: number }>(
    `SELECT p.provider, COALESCE(o.paid_at IS NOT NULL OR o.status = ANY($2::text[]), false) AS applied,
            count(DISTINCT p.order_id)::int AS n
     FROM payments p LEFT JOIN orders o ON o.order_id = p.order_id
     WHERE p.occurred_at >= $1 AND p.status = 'success' AND p.source = ANY($3::text[])
     GROUP BY 1, 2`,
    [iso(since), PAID_OR_LATER_STATUSES, QUERIED_PROVIDERS.map(querySource)],
  );
  return rows.map((r) => ({ provider: r.provider, state: r.applied ? 'applied' : 'unapplied', n: r.n }));
}
