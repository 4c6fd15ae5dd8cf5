import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ORDER_STATUSES } from '../../src/domain/events.ts';
import type { OrderState } from '../../src/domain/order-lifecycle.ts';
import { OrderTable } from '../../src/domain/rules/order-table.ts';

const time = fc.option(fc.integer({ min: 0, max: 2 ** 45 }), { nil: undefined });
const orderArb: fc.Arbitrary<OrderState> = fc.record({
  orderId: fc.integer({ min: 0, max: 30 }).map((n) => `O${n}`),
  storeId: fc.constantFrom('S1', 'S2', '门店3'),
  status: fc.option(fc.constantFrom(...ORDER_STATUSES), { nil: undefined }),
  statusAt: time,
  createdAt: time,
  paidAt: time,
  paymentAt: time,
  amountFen: fc.option(fc.integer({ min: 0, max: 2 ** 40 }), { nil: undefined }),
  amountAt: time,
  region: fc.option(fc.constantFrom('GD', 'XZ', '440300'), { nil: undefined }),
  regionAt: time,
  channel: fc.option(fc.constantFrom('taobao', 'pos'), { nil: undefined }),
  channelAt: time,
  updatedAt: fc.integer({ min: 0, max: 2 ** 45 }),
});

describe('OrderTable', () => {
  it('reads back exactly what was written, through deletes, slot reuse and growth', () => {
    const op = fc.oneof(
      { weight: 4, arbitrary: orderArb.map((order) => ({ set: order })) },
      { weight: 1, arbitrary: fc.integer({ min: 0, max: 30 }).map((n) => ({ delete: `O${n}` })) },
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 120 }), (ops) => {
        const table = new OrderTable(1);
        const model = new Map<string, OrderState>();
        for (const o of ops) {
          if ('set' in o) {
            table.set(o.set);
            model.set(o.set.orderId, o.set);
          } else {
            expect(table.delete(o.delete) !== undefined).toBe(model.delete(o.delete));
          }
          expect(table.size).toBe(model.size);
        }
        for (const [id, order] of model) expect(table.get(id)).toEqual(order);
        expect([...table.values()].sort((a, b) => a.orderId.localeCompare(b.orderId))).toEqual(
          [...model.values()].sort((a, b) => a.orderId.localeCompare(b.orderId)),
        );
      }),
      { numRuns: 300 },
    );
  });
});
