// The store side of the query schedule: the orders still awaiting payment and the queries recorded
// for them. Times go in and come out as epoch milliseconds.
import type { PaymentProvider } from '../domain/events.ts';
import type { AwaitingOrder } from '../domain/payment-queries/plan-queries.ts';
import type { QueriedProvider } from '../domain/payment-queries/policy.ts';
import type { AttemptOutcome, QueryAttempt } from '../domain/payment-queries/provider-health.ts';
import type { Queryable } from '../store/database.ts';

const iso = (ms: number) => new Date(ms).toISOString();
const epochMs = (column: string) => `(extract(epoch FROM ${column}) * 1000)::float8`;

/**
 * Orders created since `createdSince` that are still `created` and have no successful payment
 * stored, oldest first. A payment the order system has not applied yet (payment_unapplied) is
 * already known, so its order is not asked about.
 */
export async function awaitingOrders(
  q: Queryable,
  createdSince: number,
  limit: number,
): Promise<AwaitingOrder[]> {
  const { rows } = await q.query<{
    order_id: string;
    store_id: string;
    created_at: number;
    provider: PaymentProvider | null;
  }>(
    `SELECT o.order_id, o.store_id, ${epochMs('o.created_at')} AS created_at, o.provider FROM orders o
     WHERE o.status = 'created' AND o.created_at >= $1
       AND NOT EXISTS (SELECT 1 FROM payments p WHERE p.order_id = o.order_id AND p.status = 'success')
     ORDER BY o.created_at, o.order_id LIMIT $2`,
    [iso(createdSince), limit],
  );
  return rows.map((r) => ({
    orderId: r.order_id,
    storeId: r.store_id,
    createdAt: r.created_at,
    ...(r.provider !== null && { provider: r.provider }),
  }));
}

/** The recorded queries of these orders, and every query started since `startedSince` (for the limits and back-off). */
export async function recordedAttempts(
  q: Queryable,
  orderIds: readonly string[],
  startedSince: number,
): Promise<QueryAttempt[]> {
  const { rows } = await q.query<{
    order_id: string;
    provider: QueriedProvider;
    started_at: number;
    finished_at: number | null;
    outcome: AttemptOutcome | null;
    retry_after_ms: number | null;
  }>(
    `SELECT order_id, provider, ${epochMs('started_at')} AS started_at, ${epochMs('finished_at')} AS finished_at,
            outcome, retry_after_ms
     FROM payment_query_attempts WHERE order_id = ANY($1::text[]) OR started_at >= $2`,
    [orderIds, iso(startedSince)],
  );
  return rows.map((r) => ({
    orderId: r.order_id,
    provider: r.provider,
    startedAt: r.started_at,
    ...(r.outcome !== null && { outcome: r.outcome }),
    ...(r.finished_at !== null && { finishedAt: r.finished_at }),
    ...(r.retry_after_ms !== null && { retryAfterMs: r.retry_after_ms }),
  }));
}

/** Records a query about to be sent; false when that attempt of the order is already recorded. */
export async function recordQueryStart(
  q: Queryable,
  attempt: { orderId: string; attempt: number; provider: QueriedProvider; startedAt: number },
): Promise<boolean> {
  const { rows } = await q.query(
    `INSERT INTO payment_query_attempts (order_id, attempt, provider, started_at) VALUES ($1, $2, $3, $4)
     ON CONFLICT DO NOTHING RETURNING order_id`,
    [attempt.orderId, attempt.attempt, attempt.provider, iso(attempt.startedAt)],
  );
  return rows.length > 0;
}

export async function recordQueryOutcome(
  q: Queryable,
  attempt: { orderId: string; attempt: number },
  result: { outcome: AttemptOutcome; finishedAt: number; retryAfterMs?: number | undefined },
): Promise<void> {
  await q.query(
    `UPDATE payment_query_attempts SET outcome = $3, finished_at = $4, retry_after_ms = $5
     WHERE order_id = $1 AND attempt = $2`,
    [attempt.orderId, attempt.attempt, result.outcome, iso(result.finishedAt), result.retryAfterMs ?? null],
  );
}
