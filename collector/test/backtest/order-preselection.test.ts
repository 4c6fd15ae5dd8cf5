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
    expect(selection).toEqual({
      rowFilter:
        "(type = $4::text) OR (payload->>'status' = $5::text) OR " +
        "((CASE WHEN jsonb_typeof(payload->'amountFen') = 'number' THEN (payload->>'amountFen')::numeric END) >= $6::numeric) OR " +
        "(payload->>'region' = ANY($7::text[]))",
      orderFilter:
        '(coalesce(bool_or(type = $4::text), false) AND ' +
        "coalesce(bool_or(payload->>'status' = $5::text), false) AND " +
        "coalesce(bool_or((CASE WHEN jsonb_typeof(payload->'amountFen') = 'number' THEN (payload->>'amountFen')::numeric END) >= $6::numeric), false) AND " +
        "coalesce(bool_or(payload->>'region' = ANY($7::text[])), false))",
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
    expect(selection?.orderFilter).toBe(
      "(coalesce(bool_or(store_id = ANY($1::text[])), false) AND coalesce(bool_or(payload->>'provider' = $2::text), false))",
    );
    expect(selection?.params).toEqual([['S1'], 'alipay']);
    expect(orderPreselection([rule('false')], 1)).toEqual({
      rowFilter: 'false',
      orderFilter: 'false',
      params: [],
    });
    expect(orderPreselection([rule('region in []')], 1)?.orderFilter).toBe('false');
  });

  it('bounds numbers by the integers around them, whichever side the literal is on', () => {
    const column =
      "(CASE WHEN jsonb_typeof(payload->'amountFen') = 'number' THEN (payload->>'amountFen')::numeric END)";
    expect(orderPreselection([rule('100.5 > amount_fen')], 1)?.rowFilter).toBe(`(${column} <= $1::numeric)`);
    expect(orderPreselection([rule('100.5 > amount_fen')], 1)?.params).toEqual(['102']);
    expect(orderPreselection([rule('amount_fen == 7')], 1)?.params).toEqual(['6', '8']);
    expect(orderPreselection([rule('amount_fen in [1, 2]')], 1)?.params).toEqual(['0', '2', '1', '3']);
    expect(orderPreselection([rule('amount_fen > 1e300')], 1)).toBeUndefined();
  });

  it('reads substrings and prefixes with PostgreSQL’s own functions, unless the text cannot be held', () => {
    expect(orderPreselection([rule('location contains "海关"')], 1)?.rowFilter).toBe(
      "(strpos(payload->>'location', $1::text) > 0)",
    );
    expect(orderPreselection([rule('order_id startsWith "TB-"')], 1)?.rowFilter).toBe(
      '(starts_with(order_id, $1::text))',
    );
    expect(orderPreselection([rule('location contains "\\u0000"')], 1)).toBeUndefined();
  });
});
