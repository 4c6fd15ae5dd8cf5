// The order-system webhook's settings and signature: off unless the URL and the secret are both
// set; a signature that binds the timestamp and the exact body, refused outside the replay window;
// and the body and outbox identity of a confirmed payment.
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { type ConfigError, loadConfig } from '../../src/config/load-config.ts';
import { paymentWebhookFrom, webhookOutboxId } from '../../src/order-system/payment-webhook.ts';
import {
  checkWebhookSignature,
  WEBHOOK_TOLERANCE_MS,
  webhookSignature,
} from '../../src/order-system/webhook-signature.ts';

const SECRET = 'a-shared-secret-of-32-characters';
const problemsOf = (env: Record<string, string>): string[] => {
  try {
    loadConfig(env);
    return [];
  } catch (error) {
    return (error as ConfigError).problems;
  }
};

describe('order-system webhook configuration', () => {
  it('is off by default and on with a URL and a secret', () => {
    expect(loadConfig({}).orderSystem).toBeUndefined();
    const env = {
      ORDERPULSE_ORDER_SYSTEM_URL: 'https://oms.example.com/hooks',
      ORDERPULSE_ORDER_SYSTEM_SECRET: SECRET,
    };
    expect(loadConfig(env).orderSystem).toEqual({ url: 'https://oms.example.com/hooks', secret: SECRET });
  });

  it('refuses one without the other, a short secret and a URL that is not http(s)', () => {
    expect(problemsOf({ ORDERPULSE_ORDER_SYSTEM_URL: 'https://oms.example.com/hooks' })).toEqual([
      'ORDERPULSE_ORDER_SYSTEM_URL and ORDERPULSE_ORDER_SYSTEM_SECRET must be set together',
    ]);
    expect(
      problemsOf({
        ORDERPULSE_ORDER_SYSTEM_URL: 'https://oms.example.com/hooks',
        ORDERPULSE_ORDER_SYSTEM_SECRET: 'short',
      }),
    ).toEqual(['ORDERPULSE_ORDER_SYSTEM_SECRET must be at least 16 characters']);
    expect(
      problemsOf({
        ORDERPULSE_ORDER_SYSTEM_URL: 'oms.example.com/hooks',
        ORDERPULSE_ORDER_SYSTEM_SECRET: SECRET,
      }),
    ).toEqual([expect.stringContaining('ORDERPULSE_ORDER_SYSTEM_URL must be an http(s) URL')]);
  });
});

describe('order-system webhook signature', () => {
  const body = '{"id":"wechatpay-query:42","type":"payment.confirmed"}';
  const now = Date.parse('2026-11-11T10:00:00Z');
  const ts = String(now / 1000);
  const check = (fields: Partial<Parameters<typeof checkWebhookSignature>[0]>) =>
    checkWebhookSignature({
      secret: SECRET,
      body,
      timestamp: ts,
      signature: webhookSignature(SECRET, ts, body),
      nowMs: now,
      ...fields,
    });

  it('is sha256= and the hex HMAC-SHA256 of timestamp.body, as a receiver computes it by hand', () => {
    const byHand = createHmac('sha256', SECRET).update(`${ts}.${body}`).digest('hex');
    expect(webhookSignature(SECRET, ts, body)).toBe(`sha256=${byHand}`);
    expect(check({})).toEqual({ ok: true });
  });

  it('refuses another secret, another body, another timestamp, and missing headers', () => {
    expect(check({ secret: `${SECRET}x` })).toEqual({ ok: false, reason: 'mismatch' });
    expect(check({ body: body.replace('42', '43') })).toEqual({ ok: false, reason: 'mismatch' });
    expect(check({ timestamp: String(now / 1000 + 1) })).toEqual({ ok: false, reason: 'mismatch' });
    expect(check({ signature: undefined })).toEqual({ ok: false, reason: 'missing' });
    expect(check({ timestamp: undefined })).toEqual({ ok: false, reason: 'missing' });
    expect(check({ timestamp: '1.5e9' })).toEqual({ ok: false, reason: 'bad_timestamp' });
  });

  it('takes a timestamp up to five minutes either side of the clock, and not beyond', () => {
    expect(check({ nowMs: now + WEBHOOK_TOLERANCE_MS })).toEqual({ ok: true });
    expect(check({ nowMs: now - WEBHOOK_TOLERANCE_MS })).toEqual({ ok: true });
    expect(check({ nowMs: now + WEBHOOK_TOLERANCE_MS + 1000 })).toEqual({ ok: false, reason: 'stale' });
    expect(check({ nowMs: now - WEBHOOK_TOLERANCE_MS - 1000 })).toEqual({ ok: false, reason: 'stale' });
  });
});

describe('the webhook of a confirmed payment', () => {
  const payment = {
    type: 'payment.notify' as const,
    id: '4200000000000000000000000001',
    source: 'wechatpay-query',
    occurredAt: Date.parse('2026-11-11T10:00:20Z'),
    orderId: 'O-1',
    storeId: 'S001',
    provider: 'wechatpay' as const,
    transactionId: '4200000000000000000000000001',
    amountFen: 1234,
    status: 'success' as const,
  };

  it('carries the payment, with an id that is the same for the same payment only', () => {
    const webhook = paymentWebhookFrom(payment);
    expect(webhook).toEqual({
      id: 'wechatpay-query:4200000000000000000000000001',
      type: 'payment.confirmed',
      order_id: 'O-1',
      store_id: 'S001',
      provider: 'wechatpay',
      transaction_id: '4200000000000000000000000001',
      amount_fen: 1234,
      paid_at: '2026-11-11T10:00:20.000Z',
      source: 'wechatpay-query',
    });
    const id = webhookOutboxId(webhook);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(webhookOutboxId(paymentWebhookFrom({ ...payment }))).toBe(id);
    expect(webhookOutboxId(paymentWebhookFrom({ ...payment, id: '4200000000000000000000000002' }))).not.toBe(
      id,
    );
  });
});
