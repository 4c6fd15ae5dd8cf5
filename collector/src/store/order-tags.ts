// Tags on orders (order_tags, 0017): written with the alerts of the rules that put them, read by the
// order list and the drill-down.
import type { OrderTagging } from '../domain/rules/order-tagging.ts';
import type { Queryable } from './database.ts';

/** One statement for all; a tag an order already has keeps the rule and time it first got it. */
export async function insertOrderTags(
  q: Queryable,
  taggings: ReadonlyArray<{ tagging: OrderTagging; at: number }>,
): Promise<void> {
  const orderIds: string[] = [];
  const tags: string[] = [];
  const rules: string[] = [];
  const times: string[] = [];
  for (const { tagging, at } of taggings) {
    for (const tag of tagging.tags) {
      orderIds.push(tagging.orderId);
      tags.push(tag);
      rules.push(tagging.rule);
      times.push(new Date(at).toISOString());
    }
  }
  if (orderIds.length === 0) return;
  // DISTINCT ON: one commit may tag an order twice (two rules, one tag); ON CONFLICT may not
  // meet the same row twice in one statement.
  await q.query(
    `INSERT INTO order_tags (order_id, tag, rule, tagged_at)
     SELECT DISTINCT ON (o, t) o, t, r, at FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[]) AS u(o, t, r, at)
     ORDER BY o, t, at
     ON CONFLICT DO NOTHING`,
    [orderIds, tags, rules, times],
  );
}

/** Each order's tags, sorted; orders without any are absent. */
export async function tagsOfOrders(
  q: Queryable,
  orderIds: readonly string[],
): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  if (orderIds.length === 0) return out;
  const { rows } = await q.query<{ order_id: string; tag: string }>(
    'SELECT order_id, tag FROM order_tags WHERE order_id = ANY($1::text[]) ORDER BY order_id, tag',
    [orderIds],
  );
  for (const r of rows) {
    const list = out.get(r.order_id);
    if (list === undefined) out.set(r.order_id, [r.tag]);
    else list.push(r.tag);
  }
  return out;
}
