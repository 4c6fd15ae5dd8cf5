// The provider callback parsers given anything, forged or correctly signed: each returns its outcome
// or throws its own documented error, and whatever they turn into an event can be stored.
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { OrderEvent } from '../../src/domain/events.ts';
import { AlipayFormError, parseAlipayForm } from '../../src/ingest/alipay/notify-form.ts';
import { signAlipayNotify } from '../../src/ingest/alipay/notify-signature.ts';
import {
  type AlipayNotifyOutcome,
  AlipayNotifyVerifier,
  mapAlipayNotify,
} from '../../src/ingest/alipay/notify-verifier.ts';
import { DEFAULT_MAX_CLOCK_SKEW_MS } from '../../src/ingest/event-time.ts';
import { Kuaidi100Error } from '../../src/ingest/kuaidi100/errors.ts';
import { parseKuaidi100Push } from '../../src/ingest/kuaidi100/push.ts';
import { kuaidi100PushSign } from '../../src/ingest/kuaidi100/sign.ts';
import { limitProviderEvents } from '../../src/ingest/provider-event-limits.ts';
import { mapNotification, parseEnvelope } from '../../src/ingest/wechatpay/notification.ts';
import { signNotify } from '../../src/ingest/wechatpay/notify-signature.ts';
import {
  type WechatPayNotifyOutcome,
  WechatPayNotifyVerifier,
} from '../../src/ingest/wechatpay/notify-verifier.ts';
import { PlatformKeySet } from '../../src/ingest/wechatpay/platform-keys.ts';
import { apiV3KeyBytes, encryptResource } from '../../src/ingest/wechatpay/resource-decrypt.ts';
import { fuzz } from './fuzz-settings.ts';
import { mutatedObject, nastyJson, nastyString } from './hostile-values.ts';

const API_V3_KEY = 'Synth3tic0nlyApiV3Key0123456789A';
const SERIAL = 'PUB_KEY_ID_0114232134912410000000000000';
const wechat = generateKeyPairSync('rsa', { modulusLength: 2048 });
const alipay = generateKeyPairSync('rsa', { modulusLength: 2048 });
const SALT = 'push-salt-for-tests';

const wechatVerifier = new WechatPayNotifyVerifier({
  apiV3Key: API_V3_KEY,
  platformKeys: PlatformKeySet.from([
    { serial: SERIAL, pem: wechat.publicKey.export({ type: 'spki', format: 'pem' }).toString() },
  ]),
});
const alipayVerifier = new AlipayNotifyVerifier({ publicKey: alipay.publicKey });

/** What the store can hold and the rules can use: the limits of the events API, and no U+0000. */
function expectStorable(event: OrderEvent) {
  for (const [field, value] of Object.entries(event)) {
    if (typeof value === 'string') expect(value, field).not.toContain('\u0000');
  }
  expect(event.id.length).toBeGreaterThan(0);
  expect(event.id.length).toBeLessThanOrEqual(128);
  expect(event.orderId.length).toBeGreaterThan(0);
  expect(event.orderId.length).toBeLessThanOrEqual(64);
  expect(event.storeId.length).toBeGreaterThan(0);
  expect(event.storeId.length).toBeLessThanOrEqual(64);
  expect(Number.isFinite(event.occurredAt)).toBe(true);
  if (event.type === 'payment.notify') {
    expect(Number.isSafeInteger(event.amountFen)).toBe(true);
    expect(event.amountFen).toBeGreaterThanOrEqual(0);
  }
}

function expectOutcome(outcome: AlipayNotifyOutcome | WechatPayNotifyOutcome) {
  if (!outcome.ok) {
    expect([400, 401]).toContain(outcome.status);
    expect(typeof outcome.error).toBe('string');
    expect(typeof outcome.message).toBe('string');
  } else if (outcome.kind === 'event') {
    // The routes pass a verified event through the callback limits before writing it; what passes
    // them must be storable, and what does not is refused there with a 400.
    const limited = limitProviderEvents(
      [outcome.event],
      { now: Date.now(), maxSkewMs: DEFAULT_MAX_CLOCK_SKEW_MS },
      'time',
    );
    if (limited.ok) expectStorable(outcome.event);
    else expect(['invalid_time', 'invalid_event']).toContain(limited.error);
  }
}

// --- Alipay -----------------------------------------------------------------------------------

/** The verifier's clock: a minute after the sample's `notify_time` (2024-06-01 10:15:31 +08:00), so it is fresh. */
const ALIPAY_NOW = Date.parse('2024-06-01T10:16:31+08:00');

const alipayParams = () =>
  new Map<string, string>([
    ['notify_time', '2024-06-01 10:15:31'],
    ['notify_type', 'trade_status_sync'],
    ['notify_id', '2024060100222101530000000000000001'],
    ['app_id', '2021000000000000'],
    ['charset', 'utf-8'],
    ['version', '1.0'],
    ['sign_type', 'RSA2'],
    ['trade_no', '2024ORD-A-1'],
    ['out_trade_no', 'ORD-A-1'],
    ['trade_status', 'TRADE_SUCCESS'],
    ['total_amount', '100.10'],
    ['gmt_payment', '2024-06-01 10:15:30'],
    ['passback_params', encodeURIComponent('{"store_id":"S7"}')],
  ]);

/** The valid notify's parameters with some values replaced or removed, and some added. */
const mutatedAlipayParams = () =>
  fc
    .array(
      fc.tuple(
        fc.oneof(
          fc.constantFrom(
            ...alipayParams().keys(),
            'refund_fee',
            'gmt_refund',
            'out_biz_no',
            'gmt_close',
            'store_id',
          ),
          fc.string({ maxLength: 8 }),
        ),
        fc.oneof(fc.constant(undefined), nastyString(), fc.json({ maxDepth: 2 })),
      ),
      { minLength: 1, maxLength: 5 },
    )
    .map((changes) => {
      const params = alipayParams();
      for (const [key, value] of changes) {
        if (value === undefined) params.delete(key);
        else params.set(key, value);
      }
      return params;
    });

describe('Alipay notify', () => {
  it('any body parses into parameters or an AlipayFormError', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ maxLength: 300, unit: 'binary' }),
          fc.uint8Array({ maxLength: 300 }),
          mutatedAlipayParams().map((p) => new URLSearchParams([...p]).toString()),
          fc
            .array(fc.tuple(nastyString(), nastyString()), { maxLength: 6 })
            .map((pairs) => pairs.map(([k, v]) => `${k}=${v}`).join('&')),
        ),
        (body) => {
          try {
            const params = parseAlipayForm(body);
            expect(params).toBeInstanceOf(Map);
          } catch (error) {
            expect(error).toBeInstanceOf(AlipayFormError);
          }
        },
      ),
      fuzz(150),
    );
  });

  it('an unsigned or forged body is refused with 400/401, never thrown', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ maxLength: 300, unit: 'binary' }),
          fc.uint8Array({ maxLength: 300 }),
          mutatedAlipayParams().map((p) => {
            p.set('sign', Buffer.from(randomUUID()).toString('base64'));
            return new URLSearchParams([...p]).toString();
          }),
        ),
        (body) => {
          const outcome = alipayVerifier.verify(body, ALIPAY_NOW);
          expect(outcome.ok).toBe(false);
          expectOutcome(outcome);
        },
      ),
      fuzz(150),
    );
  });

  it('a correctly signed notify with hostile values maps to a storable event, is ignored, or is refused', () => {
    fc.assert(
      fc.property(mutatedAlipayParams(), (params) => {
        params.delete('sign');
        params.set('sign', signAlipayNotify(params, alipay.privateKey));
        expectOutcome(alipayVerifier.verify(new URLSearchParams([...params]).toString(), ALIPAY_NOW));
        expectOutcome(mapAlipayNotify(params));
      }),
      {
        ...fuzz(150),
        examples: [
          [new Map([...alipayParams(), ['out_trade_no', 'ORD\u0000']])],
          [new Map([...alipayParams(), ['passback_params', '{"store_id":"S\\u0000"}']])],
          [new Map([...alipayParams(), ['trade_no', 'T\u0000']])],
          [new Map([...alipayParams(), ['gmt_payment', '2024-02-30 10:00:00']])],
          [new Map([...alipayParams(), ['total_amount', '99999999999999999999']])],
        ],
      },
    );
  });

  it('a 1 MiB forged notify is refused with 400/401', () => {
    const params = alipayParams();
    params.set('body', 'x'.repeat(1024 * 1024 - 600));
    params.set('sign', Buffer.alloc(256, 7).toString('base64'));
    const body = new URLSearchParams([...params]).toString();
    expect(body.length).toBeGreaterThan(1024 * 1024 - 100);
    const outcome = alipayVerifier.verify(body, ALIPAY_NOW);
    expect(outcome).toMatchObject({ ok: false, error: 'signature_invalid', status: 401 });
  });
});

// --- WeChat Pay -------------------------------------------------------------------------------

const resource = () => ({
  mchid: '1900000001',
  out_trade_no: 'ORD-W-1',
  transaction_id: '4200ORD-W-1',
  trade_type: 'JSAPI',
  trade_state: 'SUCCESS',
  attach: '{"store_id":"S042"}',
  success_time: '2024-06-01T10:15:30+08:00',
  amount: { total: 12800, payer_total: 12800, currency: 'CNY', payer_currency: 'CNY' },
});

const envelope = (plaintext: string, eventType = 'TRANSACTION.SUCCESS') => ({
  id: 'db7c08f8-be04-5c9b-b022-ba3d384ed1c9',
  create_time: '2024-06-01T10:15:31+08:00',
  resource_type: 'encrypt-resource',
  event_type: eventType,
  summary: '支付成功',
  resource: encryptResource(plaintext, apiV3KeyBytes(API_V3_KEY), 'gyYsJaQIiZ9x', 'transaction'),
});

function signedHeaders(body: Buffer) {
  const timestamp = String(Math.floor(Date.now() / 1000));
  const nonce = randomUUID().replace(/-/g, '');
  return {
    'wechatpay-timestamp': timestamp,
    'wechatpay-nonce': nonce,
    'wechatpay-serial': SERIAL,
    'wechatpay-signature': signNotify(wechat.privateKey, timestamp, nonce, body),
  };
}

const headerValue = () =>
  fc.oneof(nastyString(), fc.constant(undefined), fc.array(nastyString(), { maxLength: 2 }));

describe('WeChat Pay notification', () => {
  it('any envelope text parses into an envelope or a sentence', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ maxLength: 300, unit: 'binary' }),
          nastyJson().map((v) => JSON.stringify(v) ?? ''),
          mutatedObject(envelope('{}') as unknown as Record<string, unknown>).map((v) => JSON.stringify(v)),
        ),
        (body) => {
          const parsed = parseEnvelope(body);
          if (typeof parsed !== 'string') expect(typeof parsed.id).toBe('string');
        },
      ),
      fuzz(150),
    );
  });

  it('any headers and body are refused with 400/401, never thrown', () => {
    fc.assert(
      fc.property(
        fc.record({
          'wechatpay-timestamp': fc.oneof(headerValue(), fc.constant(String(Math.floor(Date.now() / 1000)))),
          'wechatpay-nonce': headerValue(),
          'wechatpay-serial': fc.oneof(headerValue(), fc.constant(SERIAL)),
          'wechatpay-signature': fc.oneof(headerValue(), fc.constant('WECHATPAY/SIGNTEST/abc')),
        }),
        fc.uint8Array({ maxLength: 300 }),
        (headers, body) => {
          const outcome = wechatVerifier.verify(headers, body, Date.now());
          expect(outcome.ok).toBe(false);
          expectOutcome(outcome);
        },
      ),
      fuzz(150),
    );
  });

  it('a signed, encrypted notification with a hostile resource maps to a storable event, is ignored, or is refused', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          mutatedObject(resource()).map((r) => JSON.stringify(r)),
          fc.string({ maxLength: 100, unit: 'binary' }),
        ),
        fc.constantFrom('TRANSACTION.SUCCESS', 'REFUND.SUCCESS', 'REFUND.CLOSED', 'constructor'),
        (plaintext, eventType) => {
          const body = Buffer.from(JSON.stringify(envelope(plaintext, eventType)));
          expectOutcome(wechatVerifier.verify(signedHeaders(body), body, Date.now()));
          const parsed = parseEnvelope(body.toString());
          if (typeof parsed !== 'string') {
            const mapped = mapNotification(parsed, plaintext, {});
            if (mapped.kind === 'event') expectStorable(mapped.event);
          }
        },
      ),
      {
        ...fuzz(150),
        examples: [
          [JSON.stringify({ ...resource(), out_trade_no: 'ORD\u0000' }), 'TRANSACTION.SUCCESS'],
          [JSON.stringify({ ...resource(), attach: '{"store_id":"S\\u0000"}' }), 'TRANSACTION.SUCCESS'],
          [JSON.stringify({ ...resource(), transaction_id: '4200\u0000' }), 'TRANSACTION.SUCCESS'],
          [
            JSON.stringify({ ...resource(), success_time: '2026-02-30T10:00:00+08:00' }),
            'TRANSACTION.SUCCESS',
          ],
        ],
      },
    );
  });
});

// --- Kuaidi100 --------------------------------------------------------------------------------

const pushParam = () => ({
  status: 'polling',
  message: '',
  lastResult: {
    message: 'ok',
    state: '0',
    status: '200',
    ischeck: '0',
    com: 'yuantong',
    nu: 'YT0000000000001',
    data: [
      {
        context: '【杭州市】快件已发往 北京转运中心',
        time: '2024-06-02 08:10:00',
        ftime: '2024-06-02 08:10:00',
        status: '在途',
        areaName: '浙江,杭州市',
      },
    ],
  },
});

const hostilePushParam = () =>
  fc.oneof(
    mutatedObject(pushParam()),
    mutatedObject(pushParam().lastResult).map((lastResult) => ({ ...pushParam(), lastResult })),
    mutatedObject(pushParam().lastResult.data[0]!).map((checkpoint) => ({
      ...pushParam(),
      lastResult: { ...pushParam().lastResult, data: [checkpoint, checkpoint] },
    })),
    nastyJson(),
  );

function expectPushOrError(form: { param?: unknown; sign?: unknown }) {
  try {
    const push = parseKuaidi100Push(form, SALT);
    for (const update of push.updates) {
      for (const value of Object.values(update)) {
        if (typeof value === 'string') expect(value).not.toContain('\u0000');
      }
    }
  } catch (error) {
    expect(error).toBeInstanceOf(Kuaidi100Error);
    expect([400, 401]).toContain((error as Kuaidi100Error).status);
  }
}

describe('Kuaidi100 push', () => {
  it('an unsigned or wrongly signed push is refused with a Kuaidi100Error', () => {
    fc.assert(
      fc.property(
        fc.record({
          param: fc.oneof(nastyString(), nastyJson()),
          sign: fc.oneof(nastyString(), nastyJson()),
        }),
        (form) => {
          expect(() => parseKuaidi100Push(form, SALT)).toThrow(Kuaidi100Error);
        },
      ),
      fuzz(150),
    );
  });

  it('a correctly signed push with hostile contents parses or is refused with a Kuaidi100Error', () => {
    fc.assert(
      fc.property(hostilePushParam(), (value) => {
        const param = JSON.stringify(value) ?? 'null';
        expectPushOrError({ param, sign: kuaidi100PushSign(param, SALT) });
      }),
      {
        ...fuzz(150),
        examples: [
          [{ ...pushParam(), lastResult: { ...pushParam().lastResult, nu: 'YT\u0000' } }],
          [{ ...pushParam(), status: 'constructor' }],
        ],
      },
    );
  });
});
