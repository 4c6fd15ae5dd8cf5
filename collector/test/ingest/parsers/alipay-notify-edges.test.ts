// Alipay notifies at the edges of what they accept: the form encoding, the sign types and sign
// strings, the app/seller/time checks with their messages, and the mapping of each trade status.
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseAlipayForm } from '../../../src/ingest/alipay/notify-form.ts';
import {
  alipayPublicKey,
  alipaySignContent,
  signAlipayNotify,
  verifyAlipayNotifySign,
} from '../../../src/ingest/alipay/notify-signature.ts';
import {
  ALIPAY_NOTIFY_MAX_AGE_MS,
  ALIPAY_NOTIFY_MAX_AHEAD_MS,
  AlipayNotifyVerifier,
  alipayStoreId,
  mapAlipayNotify,
} from '../../../src/ingest/alipay/notify-verifier.ts';

const keys = generateKeyPairSync('rsa', { modulusLength: 1024 });
// 2024-06-01 10:15:31 in China.
const NOTIFY_TIME = Date.parse('2024-06-01T02:15:31Z');

const PAID: [string, string][] = [
  ['notify_id', 'N1'],
  ['trade_status', 'TRADE_SUCCESS'],
  ['out_trade_no', 'O1'],
  ['trade_no', 'T1'],
  ['total_amount', '12.30'],
  ['gmt_payment', '2024-06-01 10:15:30'],
  ['notify_time', '2024-06-01 10:15:31'],
];
const mapped = (pairs: [string, string][], changes: Record<string, string | undefined> = {}) => {
  const params = new Map(pairs);
  for (const [key, value] of Object.entries(changes)) {
    if (value === undefined) params.delete(key);
    else params.set(key, value);
  }
  return mapAlipayNotify(params);
};
const malformed = (message: string) => ({ ok: false, error: 'malformed', message, status: 400 });

describe('parseAlipayForm', () => {
  it('skips empty parts, reads a key without "=" as empty and splits at the first "="', () => {
    expect([...parseAlipayForm('a=1&&flag&b=x=y&')]).toEqual([
      ['a', '1'],
      ['flag', ''],
      ['b', 'x=y'],
    ]);
  });

  it('decodes "+" as a space and hex escapes in either case', () => {
    expect(parseAlipayForm('s=a+b%2Bc%4a%4A%0a%09%7e').get('s')).toBe('a b+cJJ\n\t~');
  });

  it('refuses an escape that is not two hex digits, however it ends', () => {
    for (const bad of [
      's=%4g',
      's=%g4',
      's=%/0',
      's=%:0',
      's=%`1',
      's=%@1',
      's=%G1',
      's=%4',
      's=%',
      'x=1&s=%41%4',
    ]) {
      expect(() => parseAlipayForm(bad), bad).toThrow('bad percent-encoding');
    }
    expect(parseAlipayForm('s=%41').get('s')).toBe('A');
    expect(parseAlipayForm('s=%2f%3A%60%40%66%46%39%30').get('s')).toBe('/:`@fF90');
  });

  it('reads the charset trimmed and in any case, and refuses one it does not know', () => {
    const gbk = Buffer.concat([Buffer.from('charset=%20GBK%20&s='), Buffer.from('%B2%E2%CA%D4')]);
    expect(parseAlipayForm(gbk).get('s')).toBe('测试');
    expect(() => parseAlipayForm('charset=x-nope&s=1')).toThrow('unknown charset "x-nope"');
  });

  it('takes a string body as decoded text, and refuses a repeated key', () => {
    expect(parseAlipayForm('subject=测试').get('subject')).toBe('测试');
    expect(() => parseAlipayForm('a=1&b=2&a=3')).toThrow('parameter a appears twice');
  });
});

describe('sign strings and sign types', () => {
  const params = new Map([
    ['b', '2'],
    ['sign', 'x'],
    ['a', ''],
    ['sign_type', 'RSA2'],
    ['c', '3'],
  ]);

  it('sorts, leaves out sign and sign_type, and skips or keeps empty values', () => {
    expect(alipaySignContent(params, { skipEmpty: true })).toBe('b=2&c=3');
    expect(alipaySignContent(params, { skipEmpty: false })).toBe('a=&b=2&c=3');
  });

  const signed = (pairs: [string, string][], skipEmpty = true) => {
    const p = new Map(pairs);
    p.set('sign', signAlipayNotify(p, keys.privateKey, { skipEmpty }));
    return p;
  };

  it('takes an absent or empty sign_type as RSA2 and refuses one it does not know', () => {
    expect(verifyAlipayNotifySign(signed([['a', '1']]), keys.publicKey)).toEqual({
      ok: true,
      variant: 'empty_skipped',
    });
    expect(
      verifyAlipayNotifySign(
        signed([
          ['a', '1'],
          ['sign_type', ''],
        ]),
        keys.publicKey,
      ),
    ).toEqual({ ok: true, variant: 'empty_skipped' });
    expect(
      verifyAlipayNotifySign(
        signed([
          ['a', '1'],
          ['sign_type', 'MD5'],
        ]),
        keys.publicKey,
      ),
    ).toEqual({ ok: false, reason: 'sign_type_unsupported' });
    expect(verifyAlipayNotifySign(new Map([['sign', '']]), keys.publicKey)).toEqual({
      ok: false,
      reason: 'sign_missing',
    });
  });

  it('checks an RSA (SHA-1) signature with SHA-1, not SHA-256', () => {
    const p = new Map<string, string>([
      ['a', '1'],
      ['sign_type', 'RSA'],
    ]);
    const sha256 = signAlipayNotify(p, keys.privateKey);
    p.set('sign', sha256);
    expect(verifyAlipayNotifySign(p, keys.publicKey)).toEqual({ ok: false, reason: 'mismatch' });
  });

  it('tries the empty-kept string only when a value is empty', () => {
    const kept = signed(
      [
        ['a', ''],
        ['b', '2'],
      ],
      false,
    );
    expect(verifyAlipayNotifySign(kept, keys.publicKey)).toEqual({ ok: true, variant: 'empty_kept' });
    expect(verifyAlipayNotifySign(new Map([...kept, ['a', 'now set']]), keys.publicKey)).toEqual({
      ok: false,
      reason: 'mismatch',
    });
  });

  it('verifies UTF-8 signatures whatever utf-8 spelling or unknown charset is declared', () => {
    for (const charset of ['UTF8', ' utf-8 ', 'x-unknown', '']) {
      const p = signed([
        ['subject', '测试'],
        ['charset', charset],
      ]);
      expect(verifyAlipayNotifySign(p, keys.publicKey), charset).toMatchObject({ ok: true });
    }
  });

  it('accepts a bare base64 public key broken over lines', () => {
    const der = keys.publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
    const wrapped = `  ${der.slice(0, 30)}\n ${der.slice(30)}\r\n`;
    expect(alipayPublicKey(wrapped).export({ type: 'spki', format: 'der' }).toString('base64')).toBe(der);
  });
});

describe('mapAlipayNotify', () => {
  it('maps a paid trade, taking notify_time when gmt_payment is missing or not a time', () => {
    expect(mapped(PAID)).toEqual({
      ok: true,
      kind: 'event',
      event: {
        type: 'payment.notify',
        id: 'N1',
        source: 'alipay',
        occurredAt: NOTIFY_TIME - 1000,
        orderId: 'O1',
        storeId: 'unknown',
        provider: 'alipay',
        transactionId: 'T1',
        amountFen: 1230,
        status: 'success',
      },
    });
    expect(mapped(PAID, { gmt_payment: undefined })).toMatchObject({ event: { occurredAt: NOTIFY_TIME } });
    expect(mapped(PAID, { gmt_payment: 'soon' })).toMatchObject({ event: { occurredAt: NOTIFY_TIME } });
    expect(mapped(PAID, { gmt_payment: undefined, notify_time: undefined })).toEqual(
      malformed('none of gmt_payment/notify_time is a time'),
    );
  });

  it('needs a notify_id of at most 128 characters, an order of at most 64 and a trade number', () => {
    expect(mapped(PAID, { notify_id: undefined })).toEqual(malformed('notify_id missing'));
    expect(mapped(PAID, { notify_id: 'n'.repeat(129) })).toEqual(malformed('notify_id missing'));
    expect(mapped(PAID, { notify_id: 'n'.repeat(128) })).toMatchObject({ ok: true });
    expect(mapped(PAID, { out_trade_no: 'o'.repeat(65) })).toEqual(malformed('out_trade_no missing'));
    expect(mapped(PAID, { out_trade_no: 'o'.repeat(64) })).toMatchObject({ ok: true });
    expect(mapped(PAID, { out_trade_no: '' })).toEqual(malformed('out_trade_no missing'));
    expect(mapped(PAID, { trade_no: undefined })).toEqual(malformed('trade_no missing'));
  });

  it('refuses an amount that is not yuan, quoting at most 20 characters of it', () => {
    expect(mapped(PAID, { total_amount: '12.3.4' })).toEqual(
      malformed('total_amount is not a yuan amount: 12.3.4'),
    );
    expect(mapped(PAID, { total_amount: '-1.00' })).toEqual(
      malformed('total_amount is not a yuan amount: -1.00'),
    );
    expect(mapped(PAID, { total_amount: 'x'.repeat(30) })).toEqual(
      malformed(`total_amount is not a yuan amount: ${'x'.repeat(20)}`),
    );
    expect(mapped(PAID, { total_amount: undefined })).toEqual(
      malformed('total_amount is not a yuan amount: '),
    );
    expect(mapped(PAID, { total_amount: '0.00' })).toMatchObject({ event: { amountFen: 0 } });
  });

  it('ignores a trade status it does not record, naming it', () => {
    expect(mapped(PAID, { trade_status: 'WAIT_BUYER_PAY' })).toEqual({
      ok: true,
      kind: 'ignored',
      notifyId: 'N1',
      reason: 'trade_status WAIT_BUYER_PAY',
    });
    expect(mapped(PAID, { trade_status: undefined })).toMatchObject({ reason: 'trade_status (none)' });
  });

  it('reads a partial refund only with a positive refund_fee, gmt_refund and out_biz_no', () => {
    const partial = { refund_fee: '2.00', gmt_refund: '2024-06-02 09:00:00.250', out_biz_no: 'R1' };
    expect(mapped(PAID, partial)).toMatchObject({
      event: { status: 'refund', amountFen: 200, occurredAt: Date.parse('2024-06-02T01:00:00.250Z') },
    });
    expect(mapped(PAID, { ...partial, gmt_refund: undefined })).toMatchObject({
      event: { status: 'success', amountFen: 1230 },
    });
    expect(mapped(PAID, { ...partial, out_biz_no: undefined })).toMatchObject({
      event: { status: 'success' },
    });
    expect(mapped(PAID, { ...partial, refund_fee: '0.00' })).toMatchObject({ event: { status: 'success' } });
    // The refund's time falls back to gmt_close, then notify_time.
    expect(mapped(PAID, { ...partial, gmt_refund: 'x', gmt_close: '2024-06-03 08:00:00' })).toMatchObject({
      event: { status: 'refund', occurredAt: Date.parse('2024-06-03T00:00:00Z') },
    });
    expect(mapped(PAID, { ...partial, gmt_refund: 'x' })).toMatchObject({
      event: { status: 'refund', occurredAt: NOTIFY_TIME },
    });
  });

  it('reads a closed trade as a refund with refund_fee, else as a close at gmt_close', () => {
    const closed = { trade_status: 'TRADE_CLOSED', gmt_close: '2024-06-03 08:00:00' };
    expect(mapped(PAID, { ...closed, refund_fee: '12.30' })).toMatchObject({
      event: { status: 'refund', amountFen: 1230, occurredAt: Date.parse('2024-06-03T00:00:00Z') },
    });
    expect(mapped(PAID, { ...closed, refund_fee: '12.30', gmt_close: undefined })).toMatchObject({
      event: { status: 'refund', occurredAt: NOTIFY_TIME },
    });
    expect(mapped(PAID, closed)).toMatchObject({
      event: { status: 'closed', amountFen: 1230, occurredAt: Date.parse('2024-06-03T00:00:00Z') },
    });
    expect(mapped(PAID, { ...closed, refund_fee: 'none' })).toMatchObject({ event: { status: 'closed' } });
    expect(
      mapped(PAID, { ...closed, refund_fee: '1.00', gmt_close: undefined, notify_time: undefined }),
    ).toEqual(malformed('none of gmt_refund/gmt_close/notify_time is a time'));
    expect(mapped(PAID, { trade_status: 'TRADE_FINISHED', gmt_payment: undefined })).toMatchObject({
      event: { status: 'success', occurredAt: NOTIFY_TIME },
    });
  });
});

describe('alipayStoreId', () => {
  const store = (pairs: Record<string, string>) => alipayStoreId(new Map(Object.entries(pairs)));

  it('passes over a passback store id that is not a non-empty text of at most 64 characters', () => {
    for (const passback of [
      '{"store_id":7}',
      '{"store_id":""}',
      `{"store_id":"${'s'.repeat(65)}"}`,
      '{"shop":"S1"}',
      'null',
      '%E0%A4%A',
      'free text',
    ]) {
      expect(store({ passback_params: passback, store_id: 'S9' }), passback).toBe('S9');
    }
    expect(store({ passback_params: `{"store_id":"${'s'.repeat(64)}"}` })).toBe('s'.repeat(64));
    expect(store({ passback_params: encodeURIComponent('{"store_id":"S3"}') })).toBe('S3');
  });

  it('takes store_id of at most 64 characters, else unknown', () => {
    expect(store({ store_id: 's'.repeat(64) })).toBe('s'.repeat(64));
    expect(store({ store_id: 's'.repeat(65) })).toBe('unknown');
    expect(store({ store_id: '' })).toBe('unknown');
  });
});

describe('AlipayNotifyVerifier checks', () => {
  const form = (pairs: [string, string][]) => {
    const params = new Map(pairs);
    params.set('sign', signAlipayNotify(params, keys.privateKey));
    return new URLSearchParams([...params]).toString();
  };
  const open = new AlipayNotifyVerifier({ publicKey: keys.publicKey });

  it('says why a signature is refused', () => {
    const unsigned = new URLSearchParams(PAID).toString();
    expect(open.verify(unsigned, NOTIFY_TIME)).toEqual({
      ok: false,
      error: 'signature_invalid',
      message: 'sign parameter missing',
      status: 401,
    });
    expect(open.verify(form([...PAID, ['sign_type', 'HMAC']]), NOTIFY_TIME)).toEqual({
      ok: false,
      error: 'signature_invalid',
      message: 'sign_type must be RSA2 or RSA',
      status: 401,
    });
    expect(open.verify(`${form(PAID)}&extra=1`, NOTIFY_TIME)).toEqual({
      ok: false,
      error: 'signature_invalid',
      message: 'signature does not verify with the Alipay public key',
      status: 401,
    });
    expect(open.verify('a=%zz', NOTIFY_TIME)).toEqual(malformed('bad percent-encoding'));
  });

  it('names the app and seller it refuses, or (none)', () => {
    const app = new AlipayNotifyVerifier({ publicKey: keys.publicKey, appId: 'A1' });
    expect(app.verify(form([...PAID, ['app_id', 'A2']]), NOTIFY_TIME)).toEqual({
      ok: false,
      error: 'app_mismatch',
      message: 'notify is for app A2, not ours',
      status: 401,
    });
    expect(app.verify(form(PAID), NOTIFY_TIME)).toMatchObject({
      message: 'notify is for app (none), not ours',
    });
    expect(app.verify(form([...PAID, ['app_id', 'A1']]), NOTIFY_TIME)).toMatchObject({ ok: true });
    const seller = new AlipayNotifyVerifier({ publicKey: keys.publicKey, sellerId: 'S1' });
    expect(seller.verify(form(PAID), NOTIFY_TIME)).toEqual({
      ok: false,
      error: 'seller_mismatch',
      message: 'notify is for seller (none), not ours',
      status: 401,
    });
    expect(seller.verify(form([...PAID, ['seller_id', 'S1']]), NOTIFY_TIME)).toMatchObject({ ok: true });
  });

  it('accepts a notify_time exactly 26 h old or 10 min ahead, not a millisecond beyond', () => {
    const body = form(PAID);
    expect(open.verify(body, NOTIFY_TIME + ALIPAY_NOTIFY_MAX_AGE_MS)).toMatchObject({ ok: true });
    expect(open.verify(body, NOTIFY_TIME + ALIPAY_NOTIFY_MAX_AGE_MS + 1)).toEqual({
      ok: false,
      error: 'notify_time_stale',
      message: 'notify_time 2024-06-01 10:15:31 is not within 26 h of now',
      status: 401,
    });
    expect(open.verify(body, NOTIFY_TIME - ALIPAY_NOTIFY_MAX_AHEAD_MS)).toMatchObject({ ok: true });
    expect(open.verify(body, NOTIFY_TIME - ALIPAY_NOTIFY_MAX_AHEAD_MS - 1)).toMatchObject({
      error: 'notify_time_stale',
    });
    const untimed = form(PAID.filter(([key]) => key !== 'notify_time'));
    expect(open.verify(untimed, NOTIFY_TIME)).toEqual(malformed('notify_time missing or not a time'));
  });
});
