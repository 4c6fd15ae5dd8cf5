import { createSign, generateKeyPairSync } from 'node:crypto';
import { AlipaySdk } from 'alipay-sdk';
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { parseAlipayForm } from '../../src/ingest/alipay/notify-form.ts';
import {
  alipayPublicKey,
  alipaySignContent,
  signAlipayNotify,
  verifyAlipayNotifySign,
} from '../../src/ingest/alipay/notify-signature.ts';
import { AlipayNotifyVerifier, alipayStoreId } from '../../src/ingest/alipay/notify-verifier.ts';
import { parseChinaLocalTime } from '../../src/ingest/bills/china-standard-time.ts';

const alipay = generateKeyPairSync('rsa', { modulusLength: 2048 });
const attacker = generateKeyPairSync('rsa', { modulusLength: 2048 });
const verifier = new AlipayNotifyVerifier({ publicKey: alipay.publicKey, appId: '2021000000000000' });
// Half a minute after the sample's notify_time (2024-06-01 10:15:31 China time).
const NOW = Date.parse('2024-06-01T10:16:00+08:00');

// PROVIDERS.md §2.3 synthetic notify; its sign string is quoted there verbatim.
const base: [string, string][] = [
  ['gmt_create', '2024-06-01 10:15:20'],
  ['charset', 'utf-8'],
  ['seller_email', 'shop@example.com'],
  ['subject', '测试商品'],
  ['buyer_id', '2088102177000000'],
  ['invoice_amount', '128.00'],
  ['notify_id', '2024060100222101530000000000000000'],
  ['fund_bill_list', '[{"amount":"128.00","fundChannel":"ALIPAYACCOUNT"}]'],
  ['notify_type', 'trade_status_sync'],
  ['trade_status', 'TRADE_SUCCESS'],
  ['receipt_amount', '128.00'],
  ['app_id', '2021000000000000'],
  ['buyer_pay_amount', '128.00'],
  ['sign_type', 'RSA2'],
  ['seller_id', '2088102170000000'],
  ['gmt_payment', '2024-06-01 10:15:30'],
  ['notify_time', '2024-06-01 10:15:31'],
  ['version', '1.0'],
  ['out_trade_no', 'ORD20240601000123'],
  ['total_amount', '128.00'],
  ['trade_no', '2024060122001400000000000001'],
  ['auth_app_id', '2021000000000000'],
  ['point_amount', '0.00'],
];
const PROVIDERS_SIGN_STRING =
  'app_id=2021000000000000&auth_app_id=2021000000000000&buyer_id=2088102177000000&buyer_pay_amount=128.00&charset=utf-8&fund_bill_list=[{"amount":"128.00","fundChannel":"ALIPAYACCOUNT"}]&gmt_create=2024-06-01 10:15:20&gmt_payment=2024-06-01 10:15:30&invoice_amount=128.00&notify_id=2024060100222101530000000000000000&notify_time=2024-06-01 10:15:31&notify_type=trade_status_sync&out_trade_no=ORD20240601000123&point_amount=0.00&receipt_amount=128.00&seller_email=shop@example.com&seller_id=2088102170000000&subject=测试商品&total_amount=128.00&trade_no=2024060122001400000000000001&trade_status=TRADE_SUCCESS&version=1.0';

function signedForm(
  pairs: [string, string][],
  { key = alipay.privateKey, skipEmpty = true }: { key?: typeof alipay.privateKey; skipEmpty?: boolean } = {},
): string {
  const params = new Map(pairs);
  params.set('sign', signAlipayNotify(params, key, { skipEmpty }));
  return new URLSearchParams([...params]).toString();
}

describe('Alipay sign content', () => {
  it('is the sorted k=v string of PROVIDERS.md without sign and sign_type', () => {
    const params = new Map([...base, ['sign', 'xxx']]);
    expect(alipaySignContent(params, { skipEmpty: true })).toBe(PROVIDERS_SIGN_STRING);
    expect(alipaySignContent(params, { skipEmpty: false })).toBe(PROVIDERS_SIGN_STRING);
  });

  it('skips or keeps empty values', () => {
    const params = new Map<string, string>([
      ['b', '2'],
      ['body', ''],
      ['a', '1'],
      ['sign_type', 'RSA2'],
    ]);
    expect(alipaySignContent(params, { skipEmpty: true })).toBe('a=1&b=2');
    expect(alipaySignContent(params, { skipEmpty: false })).toBe('a=1&b=2&body=');
  });

  it('verifies a signature made over either string when a value is empty', () => {
    const pairs: [string, string][] = [...base, ['body', ''], ['passback_params', '']];
    for (const skipEmpty of [true, false]) {
      const params = parseAlipayForm(signedForm(pairs, { skipEmpty }));
      expect(verifyAlipayNotifySign(params, alipay.publicKey)).toEqual({
        ok: true,
        variant: skipEmpty ? 'empty_skipped' : 'empty_kept',
      });
    }
  });
});

describe('AlipayNotifyVerifier', () => {
  it('accepts a valid TRADE_SUCCESS and maps it to a payment of integer fen', () => {
    expect(verifier.verify(signedForm(base), NOW)).toEqual({
      ok: true,
      kind: 'event',
      event: {
        type: 'payment.notify',
        id: '2024060100222101530000000000000000',
        source: 'alipay',
        occurredAt: Date.parse('2024-06-01T10:15:30+08:00'),
        orderId: 'ORD20240601000123',
        storeId: 'unknown',
        provider: 'alipay',
        transactionId: '2024060122001400000000000001',
        amountFen: 12800,
        status: 'success',
      },
    });
  });

  it('TRADE_FINISHED is paid too', () => {
    const pairs = base.map(([k, v]): [string, string] => [k, k === 'trade_status' ? 'TRADE_FINISHED' : v]);
    expect(verifier.verify(signedForm(pairs), NOW)).toMatchObject({
      event: { status: 'success', amountFen: 12800 },
    });
  });

  it('TRADE_CLOSED with refund_fee is a refund of refund_fee; without it, a close', () => {
    const closed = base
      .filter(([k]) => k !== 'gmt_payment')
      .map(([k, v]): [string, string] => [k, k === 'trade_status' ? 'TRADE_CLOSED' : v]);
    const refund: [string, string][] = [
      ...closed,
      ['refund_fee', '100.10'],
      ['gmt_refund', '2024-06-02 09:00:00.123'],
      ['gmt_close', '2024-06-02 09:00:01'],
    ];
    expect(verifier.verify(signedForm(refund), NOW)).toMatchObject({
      ok: true,
      event: { status: 'refund', amountFen: 10010, occurredAt: Date.parse('2024-06-02T09:00:00.123+08:00') },
    });
    expect(
      verifier.verify(
        signedForm([...closed, ['refund_fee', '0.00'], ['gmt_close', '2024-06-01 10:45:00']]),
        NOW,
      ),
    ).toMatchObject({
      ok: true,
      event: { status: 'closed', occurredAt: Date.parse('2024-06-01T10:45:00+08:00') },
    });
  });

  it('a partial refund (TRADE_SUCCESS + out_biz_no + gmt_refund) is a refund, not a second payment', () => {
    const pairs: [string, string][] = [
      ...base,
      ['refund_fee', '28.00'],
      ['out_biz_no', 'RF20240602'],
      ['gmt_refund', '2024-06-02 09:00:00'],
    ];
    expect(verifier.verify(signedForm(pairs), NOW)).toMatchObject({
      event: { status: 'refund', amountFen: 2800 },
    });
  });

  it('WAIT_BUYER_PAY is acknowledged without an event', () => {
    const pairs = base.map(([k, v]): [string, string] => [k, k === 'trade_status' ? 'WAIT_BUYER_PAY' : v]);
    expect(verifier.verify(signedForm(pairs), NOW)).toMatchObject({ ok: true, kind: 'ignored' });
  });

  it('refuses a forged signature, a tampered amount and a missing sign with 401', () => {
    expect(verifier.verify(signedForm(base, { key: attacker.privateKey }), NOW)).toMatchObject({
      ok: false,
      error: 'signature_invalid',
      status: 401,
    });
    const tampered = signedForm(base).replace('total_amount=128.00', 'total_amount=1.28');
    expect(verifier.verify(tampered, NOW)).toMatchObject({ ok: false, error: 'signature_invalid' });
    expect(verifier.verify(new URLSearchParams(base).toString(), NOW)).toMatchObject({
      error: 'signature_invalid',
    });
  });

  it('refuses a correctly signed notify for another app', () => {
    const other = base.map(([k, v]): [string, string] => [k, k === 'app_id' ? '2021999999999999' : v]);
    expect(verifier.verify(signedForm(other), NOW)).toMatchObject({
      ok: false,
      error: 'app_mismatch',
      status: 401,
    });
  });

  it('refuses malformed bodies with 400', () => {
    expect(verifier.verify('a=%zz', NOW)).toMatchObject({ ok: false, error: 'malformed', status: 400 });
    expect(verifier.verify('a=1&a=2', NOW)).toMatchObject({ ok: false, error: 'malformed' });
    const badAmount = base.map(([k, v]): [string, string] => [k, k === 'total_amount' ? '12.345' : v]);
    expect(verifier.verify(signedForm(badAmount), NOW)).toMatchObject({
      ok: false,
      error: 'malformed',
      status: 400,
    });
  });

  it('reads a GBK-encoded notify signed over UTF-8 (senders that sign UTF-8 whatever they declare)', () => {
    const pairs = base.map(([k, v]): [string, string] => [k, k === 'charset' ? 'gbk' : v]);
    const params = new Map(pairs);
    params.set('sign', signAlipayNotify(params, alipay.privateKey));
    const body = [...params]
      .map(
        ([k, v]) =>
          `${k}=${[...iconv.encode(v, 'gbk')].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('')}`,
      )
      .join('&');
    const outcome = verifier.verify(Buffer.from(body, 'latin1'), NOW);
    expect(outcome).toMatchObject({ ok: true, event: { amountFen: 12800 } });
    expect(parseAlipayForm(body).get('subject')).toBe('测试商品');
  });

  it('takes the store from passback_params JSON (URL-encoded or not), then store_id', () => {
    expect(alipayStoreId(new Map([['passback_params', encodeURIComponent('{"store_id":"S9"}')]]))).toBe('S9');
    expect(alipayStoreId(new Map([['passback_params', '{"store_id":"S8"}']]))).toBe('S8');
    expect(alipayStoreId(new Map([['store_id', 'S7']]))).toBe('S7');
    expect(alipayStoreId(new Map())).toBe('unknown');
  });

  it('accepts the public key as Alipay shows it (bare base64) and as PEM', () => {
    const der = alipay.publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
    const fromBare = alipayPublicKey(der);
    const fromPem = alipayPublicKey(alipay.publicKey.export({ type: 'spki', format: 'pem' }).toString());
    expect(fromBare.equals(alipay.publicKey)).toBe(true);
    expect(fromPem.equals(alipay.publicKey)).toBe(true);
  });
});

describe('parseChinaLocalTime', () => {
  it('reads China local wall-clock times as UTC+8', () => {
    expect(parseChinaLocalTime('2024-06-01 10:15:30')).toBe(Date.parse('2024-06-01T02:15:30Z'));
    expect(parseChinaLocalTime('2024-01-01 00:00:00')).toBe(Date.parse('2023-12-31T16:00:00Z'));
    expect(parseChinaLocalTime('2024/6/1 9:05')).toBe(Date.parse('2024-06-01T01:05:00Z'));
    expect(parseChinaLocalTime('2024-06-02 09:00:00.5')).toBe(Date.parse('2024-06-02T01:00:00.500Z'));
  });

  it.each([
    '',
    '2024-06-31 00:00:00',
    '2024-13-01 00:00:00',
    '2024-06-01 24:00:00',
    '2024-06-01T10:15:30+08:00',
  ])('rejects %j', (text) => {
    expect(parseChinaLocalTime(text)).toBeUndefined();
  });
});

describe('Alipay notify checks beyond the signature', () => {
  const pemKeys = {
    privateKey: alipay.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    alipayPublicKey: alipay.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
  // The official SDK, as a merchant would use it: it must accept every notify these tests sign,
  // so they are genuine Alipay notifies, not ones only our own signer and verifier agree on.
  const sdk = new AlipaySdk({ appId: '2021000000000000', keyType: 'PKCS8', ...pemKeys });

  // The sign string written out here as the docs give it, not by the code under test.
  const signString = (params: Map<string, string>) =>
    [...params.keys()]
      .filter((k) => k !== 'sign' && k !== 'sign_type')
      .sort()
      .map((k) => `${k}=${params.get(k)}`)
      .join('&');

  /** SHA256withRSA over the UTF-8 sign string; the official SDK's checkNotifySign accepts it. */
  function sdkSigned(pairs: [string, string][]): string {
    const params = new Map(pairs);
    params.set(
      'sign',
      createSign('sha256').update(signString(params), 'utf8').sign(alipay.privateKey, 'base64'),
    );
    expect(sdk.checkNotifySign(Object.fromEntries(params))).toBe(true);
    return new URLSearchParams([...params]).toString();
  }
  const withParam = (name: string, value: string) =>
    base.map(([k, v]): [string, string] => [k, k === name ? value : v]);

  it('accepts a notify signed by the official SDK', () => {
    expect(verifier.verify(sdkSigned(base), NOW)).toMatchObject({ ok: true, event: { amountFen: 12800 } });
  });

  it('refuses a notify for another seller when ORDERPULSE_ALIPAY_SELLER_ID is set', () => {
    const ours = new AlipayNotifyVerifier({ publicKey: alipay.publicKey, sellerId: '2088102170000000' });
    expect(ours.verify(sdkSigned(base), NOW)).toMatchObject({ ok: true });
    expect(ours.verify(sdkSigned(withParam('seller_id', '2088999999999999')), NOW)).toMatchObject({
      ok: false,
      error: 'seller_mismatch',
      status: 401,
    });
  });

  it('refuses sign_type=RSA (SHA-1) unless RSA1 is allowed', () => {
    const params = new Map(withParam('sign_type', 'RSA'));
    params.set(
      'sign',
      createSign('sha1').update(signString(params), 'utf8').sign(alipay.privateKey, 'base64'),
    );
    // A genuine RSA1 notify: the official SDK verifies it.
    expect(sdk.checkNotifySign(Object.fromEntries(params))).toBe(true);
    const form = new URLSearchParams([...params]).toString();
    expect(verifier.verify(form, NOW)).toMatchObject({ ok: false, error: 'sign_type_refused', status: 401 });
    const legacy = new AlipayNotifyVerifier({ publicKey: alipay.publicKey, allowRsa1: true });
    expect(legacy.verify(form, NOW)).toMatchObject({ ok: true, event: { amountFen: 12800 } });
  });

  it('refuses a notify_time older than Alipay retries (26 h) or from the future, keeps the last retry', () => {
    const at = (text: string) => verifier.verify(sdkSigned(withParam('notify_time', text)), NOW);
    expect(at('2019-03-01 08:00:00')).toMatchObject({ ok: false, error: 'notify_time_stale', status: 401 });
    // The last of Alipay's retries comes about 24 h 22 min after the first.
    expect(at('2024-05-31 09:00:00')).toMatchObject({ ok: true });
    expect(at('2024-05-31 08:15:00')).toMatchObject({ ok: false, error: 'notify_time_stale' });
    expect(at('2024-06-01 10:30:00')).toMatchObject({ ok: false, error: 'notify_time_stale' });
    const missing = new Map(base.filter(([k]) => k !== 'notify_time'));
    missing.set('sign', signAlipayNotify(missing, alipay.privateKey));
    expect(verifier.verify(new URLSearchParams([...missing]).toString(), NOW)).toMatchObject({
      ok: false,
      error: 'malformed',
      status: 400,
    });
  });

  it('accepts a charset=GBK notify signed over its GBK bytes and reads its Chinese text', () => {
    const params = new Map<string, string>([
      ...withParam('charset', 'GBK'),
      ['body', '上海徐汇店·会员日：满100减20'],
      ['passback_params', '{"store_id":"上海徐汇店"}'],
    ]);
    params.set('subject', '鲜肉月饼（6只装）');
    // Alipay signs the sign string's bytes in the notify's charset.
    const content = iconv.encode(signString(params), 'gbk');
    params.set('sign', createSign('sha256').update(content).sign(alipay.privateKey, 'base64'));
    const gbkPercent = (text: string) =>
      [...iconv.encode(text, 'gbk')].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join('');
    const body = Buffer.from([...params].map(([k, v]) => `${k}=${gbkPercent(v)}`).join('&'), 'latin1');

    const read = parseAlipayForm(body);
    expect(read.get('subject')).toBe('鲜肉月饼（6只装）');
    expect(read.get('body')).toBe('上海徐汇店·会员日：满100减20');
    expect(verifier.verify(body, NOW)).toMatchObject({
      ok: true,
      event: { storeId: '上海徐汇店', amountFen: 12800 },
    });
    // The same bytes with one character of the body changed no longer verify.
    const tampered = Buffer.from(
      body.toString('latin1').replace(gbkPercent('满100'), gbkPercent('满900')),
      'latin1',
    );
    expect(verifier.verify(tampered, NOW)).toMatchObject({ ok: false, error: 'signature_invalid' });
  });

  it('keeps raw (unencoded) bytes of a GBK body as GBK', () => {
    const params = new Map<string, string>([
      ...withParam('charset', 'gbk'),
      ['passback_params', '{"store_id":"杭州店"}'],
    ]);
    const content = iconv.encode(signString(params), 'gbk');
    params.set('sign', createSign('sha256').update(content).sign(alipay.privateKey, 'base64'));
    const body = Buffer.concat(
      [...params].flatMap(([k, v], i) => [
        Buffer.from(`${i > 0 ? '&' : ''}${k}=`, 'latin1'),
        iconv.encode(
          v.replace(/[%&+=]/g, (c) => `%${c.charCodeAt(0).toString(16)}`),
          'gbk',
        ),
      ]),
    );
    expect(verifier.verify(body, NOW)).toMatchObject({ ok: true, event: { storeId: '杭州店' } });
  });
});
