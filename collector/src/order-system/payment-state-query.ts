// Whether a confirmed payment still needs the order system, read when its webhook is due: the
// order may have moved on meanwhile (the real callback got through, or someone applied it by hand).
import type { Queryable } from '../store/database.ts';
import type { PaymentConfirmedWebhook } from '../wire/order-system-webhook.ts';

/**
 * `unapplied`: stored and the order still `created` with no paid report: send it. `applied`: the
 * order reported `paid` or any later status (cancelled and closed included: the order system has
 * decided). `not_stored`: the payment is queued before it is stored, so its commit may still be
 * under way, or failed and waits for the next query.
 */
export type PaymentState = 'unapplied' | 'applied' | 'not_stored';

export async function paymentState(q: Queryable, webhook: PaymentConfirmedWebhook): Promise<PaymentState> {
  const { rows } = await q.query<{ applied: boolean; stored: boolean }>(
    `SELECT (o.status <> 'created' OR o.paid_at IS NOT NULL) AS applied,
            EXISTS (SELECT 1 FROM payments p
                     WHERE p.provider = $2 AND p.transaction_id = $3 AND p.status = 'success') AS stored
       FROM orders o WHERE o.order_id = $1`,
    [webhook.order_id, webhook.provider, webhook.transaction_id],
  );
  const row = rows[0];
  if (row?.applied) return 'applied';
  return row?.stored ? 'unapplied' : 'not_stored';
}
