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

  // Times are Int32 offsets from updatedAt; these states stay within the offset range (the case of
  // every real order), unlike the arbitrary ones above which mostly take the exact side Map.
  it('reads back near times exactly, to the millisecond, without the side Map', () => {
    const base = Date.UTC(2026, 10, 11);
    const near = fc.option(fc.integer({ min: -20 * 86_400_000, max: 20 * 86_400_000 }), { nil: undefined });
    const nearOrder = fc
      .record({
        updated: fc.integer({ min: 0, max: 400 * 86_400_000 }),
        statusAt: near,
        createdAt: near,
        paidAt: near,
        paymentAt: near,
        amountAt: near,
        regionAt: near,
        channelAt: near,
        amountFen: fc.option(fc.integer({ min: 0, max: 2 ** 31 - 1 }), { nil: undefined }),
      })
      .map(({ updated, amountFen, ...offsets }): OrderState => {
        const t = (d: number | undefined) => (d === undefined ? undefined : base + updated - d);
        return {
          orderId: `O${updated % 7}`,
          storeId: 'S1',
          status: 'paid',
          statusAt: t(offsets.statusAt),
          createdAt: t(offsets.createdAt),
          paidAt: t(offsets.paidAt),
          paymentAt: t(offsets.paymentAt),
          amountFen,
          amountAt: t(offsets.amountAt),
          region: 'GD',
          regionAt: t(offsets.regionAt),
          channel: undefined,
          channelAt: t(offsets.channelAt),
          updatedAt: base + updated,
        };
      });
    fc.assert(
      fc.property(fc.array(nearOrder, { maxLength: 40 }), (orders) => {
        const table = new OrderTable(1);
        const model = new Map<string, OrderState>();
        for (const order of orders) {
          table.set(order);
          model.set(order.orderId, order);
        }
        for (const [id, order] of model) expect(table.get(id)).toEqual(order);
        expect(table.overflowCount).toBe(0);
      }),
      { numRuns: 300 },
    );
  });

  it('keeps two times 1 ms apart apart, so event-time ordering decisions are unchanged', () => {
    const table = new OrderTable();
    const at = Date.UTC(2026, 10, 11, 12, 0, 0, 1);
    const order: OrderState = {
      orderId: 'O1',
      storeId: 'S1',
      status: 'paid',
      statusAt: at - 1,
      createdAt: at - 2,
      paidAt: at - 1,
      paymentAt: at,
      amountFen: 1,
      amountAt: at - 1,
      region: 'GD',
      regionAt: at,
      channel: 'pos',
      channelAt: at - 1,
      updatedAt: at,
    };
    table.set(order);
    const back = table.get('O1')!;
    expect(back).toEqual(order);
    expect(back.paymentAt! - back.paidAt!).toBe(1);
    expect(back.regionAt! > back.amountAt!).toBe(true);
    expect(table.overflowCount).toBe(0);
  });

  it('keeps far, fractional and huge values exactly in the side Map and drops them with the order', () => {
    const table = new OrderTable();
    const at = Date.UTC(2026, 10, 11);
    const order: OrderState = {
      orderId: 'O1',
      storeId: 'S1',
      status: 'delivered',
      statusAt: at - 30 * 86_400_000,
      createdAt: at - 0.5,
      paidAt: at + 25 * 86_400_000,
      paymentAt: undefined,
      amountFen: 2 ** 40,
      amountAt: -0,
      region: undefined,
      regionAt: undefined,
      channel: undefined,
      channelAt: undefined,
      updatedAt: at,
    };
    table.set(order);
    expect(table.get('O1')).toEqual(order);
    expect(Object.is(table.get('O1')!.amountAt, -0)).toBe(true);
    expect(table.overflowCount).toBe(5);
    // Rewritten with near values: the side entries go.
    table.set({ ...order, statusAt: at, createdAt: at, paidAt: at, amountFen: 1, amountAt: at });
    expect(table.overflowCount).toBe(0);
    table.set(order);
    table.delete('O1');
    expect(table.overflowCount).toBe(0);
    table.set({
      ...order,
      orderId: 'O2',
      statusAt: at,
      createdAt: at,
      paidAt: at,
      amountFen: 1,
      amountAt: at,
    });
    expect(table.get('O2')).toEqual({
      ...order,
      orderId: 'O2',
      statusAt: at,
      createdAt: at,
      paidAt: at,
      amountFen: 1,
      amountAt: at,
    });
  });
});
