// The event model's value lists are the wire contract's enums (CONTRACT.md, "Events"): a value
// dropped or misspelt here would refuse, or mis-route, events senders are promised to be taken.
import { describe, expect, it } from 'vitest';
import {
  EVENT_TYPES,
  isQueriedPayment,
  ORDER_STATUSES,
  PAYMENT_PROVIDERS,
  PAYMENT_STATUSES,
  querySource,
  SHIPMENT_STATES,
} from '../../src/domain/events.ts';

describe('event value lists', () => {
  it('are the contract enums, in the order it lists them', () => {
    expect(ORDER_STATUSES.join(', ')).toBe(
      'created, paid, picking, packed, shipped, delivered, cancelled, refunded, closed',
    );
    expect(PAYMENT_PROVIDERS.join(', ')).toBe('wechatpay, alipay, other');
    expect(PAYMENT_STATUSES.join(', ')).toBe('success, refund, closed');
    expect(SHIPMENT_STATES.join(', ')).toBe(
      'created, collected, in_transit, out_for_delivery, delivered, rejected, returned, exception, stuck',
    );
    expect(EVENT_TYPES.join(', ')).toBe('order.status, payment.notify, shipment.update');
  });
});

describe('queried payments', () => {
  it('are those whose source is the provider followed by -query', () => {
    expect(querySource('wechatpay')).toBe('wechatpay-query');
    expect(querySource('alipay')).toBe('alipay-query');
    expect(isQueriedPayment({ provider: 'alipay', source: 'alipay-query' })).toBe(true);
    expect(isQueriedPayment({ provider: 'alipay', source: 'alipay' })).toBe(false);
    expect(isQueriedPayment({ provider: 'alipay', source: 'wechatpay-query' })).toBe(false);
  });
});
