// What an answer becomes: the metric's four outcomes, and a confirmed payment as the notify it replaces.
import { describe, expect, it } from 'vitest';
import {
  type PaymentQueryAnswer,
  paymentFromAnswer,
  queryOutcome,
} from '../../src/provider-queries/query-answer.ts';

describe('a provider answer', () => {
  it('counts under one of the four outcomes', () => {
    const payment = { transactionId: 'T1', amountFen: 100, paidAt: 1 };
    const answers: [PaymentQueryAnswer, string][] = [
      [{ kind: 'paid', providerState: 'SUCCESS', ...payment }, 'paid'],
      [{ kind: 'refunded', providerState: 'REFUND', ...payment }, 'paid'],
      [{ kind: 'not_paid', providerState: 'NOTPAY' }, 'not_paid'],
      [{ kind: 'closed', providerState: 'CLOSED' }, 'not_paid'],
      [{ kind: 'not_found' }, 'not_found'],
      [{ kind: 'error', reason: 'timeout', message: 'x' }, 'error'],
    ];
    expect(answers.map(([answer]) => queryOutcome(answer))).toEqual(answers.map(([, outcome]) => outcome));
  });

  it('becomes a payment.notify from the query source, keyed by the transaction so a second answer is a duplicate', () => {
    const order = { orderId: 'A1', storeId: 'S001' };
    const payment = {
      transactionId: '4200000000000000000000000001',
      amountFen: 2590,
      paidAt: 1_794_362_460_000,
    };
    expect(paymentFromAnswer('wechatpay', order, payment)).toEqual({
      type: 'payment.notify',
      id: '4200000000000000000000000001',
      source: 'wechatpay-query',
      occurredAt: 1_794_362_460_000,
      orderId: 'A1',
      storeId: 'S001',
      provider: 'wechatpay',
      transactionId: '4200000000000000000000000001',
      amountFen: 2590,
      status: 'success',
    });
    expect(paymentFromAnswer('alipay', order, payment).source).toBe('alipay-query');
  });
});
