// Which rules' open alerts count as stalls (卡单) on the wall, in the metrics and in the API.
import { expect, it } from 'vitest';
import { isStallRule, STALL_RULES } from '../../../src/domain/rules/stall-rules.ts';

it('counts order_stalled and payment_unapplied as stalls, and no other rule', () => {
  expect(STALL_RULES).toEqual(['order_stalled', 'payment_unapplied']);
  expect(isStallRule('order_stalled')).toBe(true);
  expect(isStallRule('payment_unapplied')).toBe(true);
  for (const other of [
    'tracking_silent',
    'shipment_anomaly',
    'callback_silent',
    'reconciliation_mismatch',
    '',
  ])
    expect(isStallRule(other), other).toBe(false);
});
