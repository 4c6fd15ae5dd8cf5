// The draft rules' conditions turned into the SQL test that picks the orders a backtest replays:
// what is understood becomes a test, everything else widens to "every order".
import { describe, expect, it } from 'vitest';
import { orderPreselection } from '../../src/backtest/order-preselection.ts';

const rule = (when: string, stores: string[] = []) => ({ when, stores });

describe('orderPreselection', () => {
  it('turns literal tests into per-order tests over the events, parameters numbered from the given one', () => {
    const selection = orderPreselection(
      [
        rule(
          'type == "order.status" and status == "paid" and amount_fen > 50000 and region in ["西藏", "新疆"]',
        ),
      ],
      4,
    );
    const amount =
      "(CASE WHEN jsonb_typeof(payload->'amountFen') = 'number' THEN (payload->'amountFen')::numeric END)";
    expect(selection).toEqual({
      // The event's own type and status hold on the very event that fires: one test of one row.
      rowMask:
        "(CASE WHEN (type = $4::text) AND (payload->>'status' = $5::text) THEN 1::bigint ELSE 0 END) | " +
        `(CASE WHEN ${amount} >= $6::numeric THEN 2::bigint ELSE 0 END) | ` +
        "(CASE WHEN payload->>'region' = ANY($7::text[]) THEN 4::bigint ELSE 0 END)",
      orderFilter:
        '((bit_or(mask) & 1::bigint) <> 0 AND (bit_or(mask) & 2::bigint) <> 0 AND (bit_or(mask) & 4::bigint) <> 0)',
      params: ['order.status', 'paid', '49999', ['西藏', '新疆']],
    });
  });

  it('needs every order when any rule can fire on any order', () => {
    expect(orderPreselection([rule('not (status == "paid")')], 1)).toBeUndefined();
    expect(orderPreselection([rule('status != "paid"')], 1)).toBeUndefined();
    expect(orderPreselection([rule('region == null')], 1)).toBeUndefined();
    expect(orderPreselection([rule('region in ["西藏", null]')], 1)).toBeUndefined();
    expect(orderPreselection([rule('location matches "^海"')], 1)).toBeUndefined();
    expect(orderPreselection([rule('occurred_at > 5')], 1)).toBeUndefined();
    expect(orderPreselection([rule('destination_region == region')], 1)).toBeUndefined();
    expect(orderPreselection([rule('status == "paid" or amount_fen != 3')], 1)).toBeUndefined();
    expect(orderPreselection([rule('status == "paid"'), rule('true')], 1)).toBeUndefined();
  });

  it('keeps the understood side of an `and`, a rule’s stores, and a rule that cannot hold', () => {
    const selection = orderPreselection([rule('not (channel == "pos") and provider == "alipay"', ['S1'])], 1);
    expect(selection?.rowMask).toBe(
      "(CASE WHEN (store_id = ANY($1::text[])) AND (payload->>'provider' = $2::text) THEN 1::bigint ELSE 0 END)",
    );
    expect(selection?.orderFilter).toBe('(bit_or(mask) & 1::bigint) <> 0');
    expect(selection?.params).toEqual([['S1'], 'alipay']);
    expect(orderPreselection([rule('false')], 1)).toEqual({
      rowMask: '0::bigint',
      orderFilter: 'false',
      params: [],
    });
    expect(orderPreselection([rule('region in []')], 1)?.orderFilter).toBe('false');
  });

  it('bounds numbers by the integers around them, whichever side the literal is on', () => {
    const column =
      "(CASE WHEN jsonb_typeof(payload->'amountFen') = 'number' THEN (payload->'amountFen')::numeric END)";
    expect(orderPreselection([rule('100.5 > amount_fen')], 1)?.rowMask).toBe(
      `(CASE WHEN ${column} <= $1::numeric THEN 1::bigint ELSE 0 END)`,
    );
    expect(orderPreselection([rule('100.5 > amount_fen')], 1)?.params).toEqual(['102']);
    expect(orderPreselection([rule('amount_fen == 7')], 1)?.params).toEqual(['6', '8']);
    expect(orderPreselection([rule('amount_fen in [1, 2]')], 1)?.params).toEqual(['0', '2', '1', '3']);
    expect(orderPreselection([rule('amount_fen > 1e300')], 1)).toBeUndefined();
  });

  it('reads substrings and prefixes with PostgreSQL’s own functions, unless the text cannot be held', () => {
    expect(orderPreselection([rule('location contains "海关"')], 1)?.rowMask).toBe(
      "(CASE WHEN strpos(payload->>'location', $1::text) > 0 THEN 1::bigint ELSE 0 END)",
    );
    expect(orderPreselection([rule('order_id startsWith "TB-"')], 1)?.rowMask).toBe(
      '(CASE WHEN starts_with(order_id, $1::text) THEN 1::bigint ELSE 0 END)',
    );
    expect(orderPreselection([rule('location contains "\\u0000"')], 1)).toBeUndefined();
  });
});
