// The legal moves, stated as the rule the lifecycle documents rather than as its table: forward is
// legal except cancelling after shipping, refunding an unpaid order, and anything out of `closed`.
import { describe, expect, it } from 'vitest';
import { ORDER_STATUSES, type OrderStatus } from '../../src/domain/events.ts';
import { isLegalTransition, statusPrecedence } from '../../src/domain/order-lifecycle.ts';

function documentedRule(from: OrderStatus, to: OrderStatus): boolean {
  if (statusPrecedence(to) <= statusPrecedence(from)) return false;
  if (to === 'cancelled' && (from === 'shipped' || from === 'delivered')) return false;
  if (to === 'refunded' && from === 'created') return false;
  return from !== 'closed';
}

describe('isLegalTransition', () => {
  for (const from of ORDER_STATUSES) {
    it(`from ${from}`, () => {
      for (const to of ORDER_STATUSES)
        expect([to, isLegalTransition(from, to)]).toEqual([to, documentedRule(from, to)]);
    });
  }
});
