// WeChat Pay notifications at the edges of what they accept: the envelope's fields, the decrypted
// resource's values and their length limits, the store hints, the headers and the signature time.
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  mapNotification,
  type NotificationEnvelope,
  parseEnvelope,
  parseRfc3339,
  resolveStoreId,
} from '../../../src/ingest/wechatpay/notification.ts';
import {
  isTimestampStale,
  parseNotifyTimestamp,
  signNotify,
  verifyNotifySignature,
} from '../../../src/ingest/wechatpay/notify-signature.ts';
import {
  WechatPayNotifyVerifier,
  wechatpayFailureBody,
} from '../../../src/ingest/wechatpay/notify-verifier.ts';
import { PlatformKeySet } from '../../../src/ingest/wechatpay/platform-keys.ts';
import {
  apiV3KeyBytes,
  decryptResource,
  encryptResource,
  ResourceDecryptError,
} from '../../../src/ingest/wechatpay/resource-decrypt.ts';

const ENVELOPE: NotificationEnvelope = {
  id: 'N1',
  create_time: '2024-06-01T10:15:31+08:00',
  event_type: 'TRANSACTION.SUCCESS',
  resource_type: 'encrypt-resource',
  resource: { algorithm: 'AEAD_AES_256_GCM', ciphertext: '', nonce: '' },
};
const PAID = {
  out_trade_no: 'O1',
  transaction_id: 'T1',
  trade_state: 'SUCCESS',
  success_time: '2024-06-01T10:00:00+08:00',
  amount: { total: 100, refund: 40 },
};
const map = (resource: object, envelope: Partial<NotificationEnvelope> = {}) =>
  mapNotification({ ...ENVELOPE, ...envelope }, JSON.stringify(resource), {});

describe('parseEnvelope', () => {
  const resource = { algorithm: 'AEAD_AES_256_GCM', ciphertext: 'c', nonce: 'n' };
  const body = (fields: object) =>
    JSON.stringify({ id: 'N1', event_type: 'TRANSACTION.SUCCESS', resource, ...fields });

  it('names each missing part', () => {
    expect(parseEnvelope('[1]')).toBe('body is not a JSON object');
    expect(parseEnvelope('null')).toBe('body is not a JSON object');
    expect(parseEnvelope(body({ id: '' }))).toBe('id missing');
    expect(parseEnvelope(body({ id: 'x'.repeat(129) }))).toBe('id missing');
    expect(parseEnvelope(body({ id: 'a\u0000b' }))).toBe('id missing');
    expect(parseEnvelope(body({ event_type: 'E'.repeat(65) }))).toBe('event_type missing');
    expect(parseEnvelope(body({ resource: [resource] }))).toBe('resource missing');
    expect(parseEnvelope(body({ resource: { ...resource, nonce: 1 } }))).toBe(
      'resource.ciphertext or resource.nonce missing',
    );
    expect(parseEnvelope(body({ resource: { ...resource, ciphertext: undefined } }))).toBe(
      'resource.ciphertext or resource.nonce missing',
    );
    expect(parseEnvelope(body({ resource: { ...resource, algorithm: 7 } }))).toBe(
      'resource.algorithm missing',
    );
  });

  it('accepts values at their length limits', () => {
    const parsed = parseEnvelope(body({ id: 'x'.repeat(128), event_type: 'E'.repeat(64) }));
    expect(parsed).toMatchObject({ id: 'x'.repeat(128), event_type: 'E'.repeat(64) });
  });

  it('fills the optional fields with empty text and keeps original_type only when written', () => {
    expect(parseEnvelope(body({}))).toEqual({
      id: 'N1',
      create_time: '',
      event_type: 'TRANSACTION.SUCCESS',
      resource_type: '',
      resource: { algorithm: 'AEAD_AES_256_GCM', ciphertext: 'c', nonce: 'n', associated_data: '' },
    });
    const full = parseEnvelope(
      body({
        create_time: 'T',
        resource_type: 'encrypt-resource',
        resource: { ...resource, associated_data: 'transaction', original_type: 'transaction' },
      }),
    );
    expect(full).toEqual({
      id: 'N1',
      create_time: 'T',
      event_type: 'TRANSACTION.SUCCESS',
      resource_type: 'encrypt-resource',
      resource: { ...resource, associated_data: 'transaction', original_type: 'transaction' },
    });
  });
});

describe('parseRfc3339', () => {
  it('reads RFC 3339 with an offset or Z, with or without fractions', () => {
    expect(parseRfc3339('2024-06-01T10:00:00+08:00')).toBe(Date.parse('2024-06-01T02:00:00Z'));
    expect(parseRfc3339('2024-06-01T02:00:00.250Z')).toBe(Date.parse('2024-06-01T02:00:00.250Z'));
    expect(parseRfc3339('2024-06-01T10:00:00-01:30')).toBe(Date.parse('2024-06-01T11:30:00Z'));
  });

  it('refuses anything around or short of that shape', () => {
    for (const bad of [
      '2024-06-01 10:00:00+08:00',
      '2024-06-01T10:00:00',
      'x2024-06-01T10:00:00Z',
      '2024-06-01T10:00:00Zx',
      '2024-06-01T10:00:00.Z',
      '2024-06-01T10:00:00+0800',
      '24-06-01T10:00:00Z',
      1717207200000,
    ]) {
      expect(parseRfc3339(bad), String(bad)).toBeUndefined();
    }
  });
});

describe('mapNotification', () => {
  it('maps a payment with the resource time, and falls back to the envelope time', () => {
    expect(map(PAID)).toEqual({
      kind: 'event',
      event: {
        type: 'payment.notify',
        id: 'N1',
        source: 'wechatpay',
        occurredAt: Date.parse('2024-06-01T02:00:00Z'),
        orderId: 'O1',
        storeId: 'unknown',
        provider: 'wechatpay',
        transactionId: 'T1',
        amountFen: 100,
        status: 'success',
      },
    });
    const { success_time: _, ...untimed } = PAID;
    expect(map(untimed)).toMatchObject({ event: { occurredAt: Date.parse('2024-06-01T02:15:31Z') } });
    expect(map({ ...PAID, success_time: 'yesterday' })).toMatchObject({
      event: { occurredAt: Date.parse('2024-06-01T02:15:31Z') },
    });
    expect(map(untimed, { create_time: '' })).toEqual({
      kind: 'malformed',
      message: 'neither success_time nor create_time is RFC 3339',
    });
  });

  it('takes a payment without trade_state as paid, and ignores one in another state', () => {
    const { trade_state: _, ...stateless } = PAID;
    expect(map(stateless)).toMatchObject({ kind: 'event', event: { status: 'success', amountFen: 100 } });
    expect(map({ ...PAID, trade_state: 'NOTPAY' })).toEqual({
      kind: 'ignored',
      reason: 'trade_state NOTPAY',
    });
  });

  it('ignores other event types, naming them', () => {
    expect(map(PAID, { event_type: 'REFUND.ABNORMAL' })).toEqual({
      kind: 'ignored',
      reason: 'event_type REFUND.ABNORMAL',
    });
  });

  it('maps a refund to its refund amount whatever its trade_state', () => {
    expect(map({ ...PAID, trade_state: 'REFUND' }, { event_type: 'REFUND.SUCCESS' })).toMatchObject({
      kind: 'event',
      event: { status: 'refund', amountFen: 40 },
    });
  });

  it('refuses a resource that is not a JSON object', () => {
    expect(mapNotification(ENVELOPE, 'not json', {})).toEqual({
      kind: 'malformed',
      message: 'decrypted resource is not JSON',
    });
    expect(mapNotification(ENVELOPE, '[]', {})).toEqual({
      kind: 'malformed',
      message: 'decrypted resource is not a JSON object',
    });
  });

  it('refuses missing or unusable identifiers, with their limits', () => {
    expect(map({ ...PAID, out_trade_no: '' })).toEqual({
      kind: 'malformed',
      message: 'out_trade_no missing',
    });
    expect(map({ ...PAID, out_trade_no: 'O'.repeat(65) })).toEqual({
      kind: 'malformed',
      message: 'out_trade_no missing',
    });
    expect(map({ ...PAID, out_trade_no: 'O'.repeat(64) })).toMatchObject({ kind: 'event' });
    expect(map({ ...PAID, transaction_id: 'T'.repeat(129) })).toEqual({
      kind: 'malformed',
      message: 'transaction_id missing',
    });
    expect(map({ ...PAID, transaction_id: 'T'.repeat(128) })).toMatchObject({ kind: 'event' });
  });

  it('needs a whole, non-negative, safe number of fen, and says which amount', () => {
    for (const amount of [{ total: -1 }, { total: '100' }, { total: 2 ** 53 }, {}, 100, undefined]) {
      expect(map({ ...PAID, amount }), JSON.stringify(amount)).toEqual({
        kind: 'malformed',
        message: 'amount.total is not a whole number of fen',
      });
    }
    expect(map({ ...PAID, amount: { total: 0 } })).toMatchObject({ event: { amountFen: 0 } });
    expect(map({ ...PAID, amount: { total: 100 } }, { event_type: 'REFUND.SUCCESS' })).toEqual({
      kind: 'malformed',
      message: 'amount.refund is not a whole number of fen',
    });
  });
});

describe('resolveStoreId', () => {
  it('passes over attach that is not a store object, and a store id over 64 characters', () => {
    const scene = { scene_info: { store_info: { id: 'S7' } } };
    expect(resolveStoreId({ attach: ' {"store_id":"S1"}', ...scene }, {})).toBe('S7');
    expect(resolveStoreId({ attach: '{not json', ...scene }, {})).toBe('S7');
    expect(resolveStoreId({ attach: '{"store":"S1"}', ...scene }, {})).toBe('S7');
    expect(resolveStoreId({ attach: `{"store_id":"${'S'.repeat(65)}"}`, ...scene }, {})).toBe('S7');
    expect(resolveStoreId({ attach: `{"store_id":"${'S'.repeat(64)}"}`, ...scene }, {})).toBe('S'.repeat(64));
    expect(resolveStoreId({ attach: { store_id: 'S1' }, ...scene }, {})).toBe('S7');
  });

  it('passes over a store_info id that is not usable, then to the device', () => {
    const deviceStores = new Map([['POS-1', 'S12']]);
    expect(
      resolveStoreId({ scene_info: { store_info: { id: '' }, device_id: 'POS-1' } }, { deviceStores }),
    ).toBe('S12');
    expect(resolveStoreId({ scene_info: { store_info: 'S7', device_id: 'POS-1' } }, { deviceStores })).toBe(
      'S12',
    );
    expect(resolveStoreId({ scene_info: { device_id: 'POS-1' } }, {})).toBe('unknown');
    expect(resolveStoreId({ scene_info: ['x'] }, { deviceStores })).toBe('unknown');
  });
});

describe('signature time and text', () => {
  it('reads a timestamp of 1 to 12 digits as seconds', () => {
    expect(parseNotifyTimestamp('1717207200')).toBe(1_717_207_200_000);
    expect(parseNotifyTimestamp('7')).toBe(7000);
    expect(parseNotifyTimestamp('123456789012')).toBe(123_456_789_012_000);
    for (const bad of ['', '1234567890123', '-1', '1.5', ' 1', '1 ', 'x1', '1x']) {
      expect(parseNotifyTimestamp(bad), bad).toBeUndefined();
    }
  });

  it('is stale at five minutes either way, not before', () => {
    expect(isTimestampStale(0, 300_000)).toBe(true);
    expect(isTimestampStale(300_000, 0)).toBe(true);
    expect(isTimestampStale(0, 299_999)).toBe(false);
    expect(isTimestampStale(299_999, 0)).toBe(false);
  });

  it('refuses an empty signature and one made with a key of another type', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const body = Buffer.from('{}');
    const good = signNotify(rsa.privateKey, '1', 'n', body);
    expect(verifyNotifySignature(rsa.publicKey, '1', 'n', body, good)).toBe(true);
    expect(verifyNotifySignature(rsa.publicKey, '1', 'n', body, '')).toBe(false);
    expect(verifyNotifySignature(rsa.publicKey, '2', 'n', body, good)).toBe(false);
    expect(verifyNotifySignature(rsa.publicKey, '1', 'm', body, good)).toBe(false);
    expect(() => verifyNotifySignature(ec.publicKey, '1', 'n', body, 'AAAA')).not.toThrow();
    expect(verifyNotifySignature(ec.publicKey, '1', 'n', body, 'AAAA')).toBe(false);
  });
});

describe('resource decryption edges', () => {
  const key = apiV3KeyBytes('Synth3tic0nlyApiV3Key0123456789A');

  it('decrypts a one-byte plaintext, and refuses a ciphertext no longer than the tag', () => {
    const sealed = encryptResource('x', key, 'abcdefghijkl', '');
    expect(decryptResource(sealed, key)).toBe('x');
    const tagOnly = { ...sealed, ciphertext: Buffer.alloc(16).toString('base64') };
    expect(() => decryptResource(tagOnly, key)).toThrow(
      new ResourceDecryptError('ciphertext shorter than the GCM tag'),
    );
  });

  it('authenticates an absent associated_data as empty', () => {
    const { associated_data: _, ...sealed } = encryptResource('{"a":1}', key, 'abcdefghijkl', '');
    expect(decryptResource(sealed, key)).toBe('{"a":1}');
  });

  it('names a foreign algorithm and says why a key is refused', () => {
    const sealed = encryptResource('x', key, 'abcdefghijkl', '');
    expect(() => decryptResource({ ...sealed, algorithm: 'AES_CBC' }, key)).toThrow(
      'unsupported resource algorithm "AES_CBC"',
    );
    const wrongKey = apiV3KeyBytes('B'.repeat(32));
    expect(() => decryptResource(sealed, wrongKey)).toThrow('resource does not decrypt with the APIv3 key');
    expect(() => apiV3KeyBytes('short')).toThrow('the WeChat Pay APIv3 key must be 32 bytes, got 5');
  });
});

describe('the verifier', () => {
  const platform = generateKeyPairSync('rsa', { modulusLength: 1024 });
  const keys = PlatformKeySet.from([
    { serial: 'SERIAL1', pem: platform.publicKey.export({ type: 'spki', format: 'pem' }).toString() },
  ]);
  const verifier = new WechatPayNotifyVerifier({
    platformKeys: keys,
    apiV3Key: 'Synth3tic0nlyApiV3Key0123456789A',
  });
  const NOW = 1_717_207_200_000;
  const body = (eventType: string, resource: object) =>
    Buffer.from(
      JSON.stringify({
        id: 'N1',
        create_time: '2024-06-01T10:15:31+08:00',
        event_type: eventType,
        resource_type: 'encrypt-resource',
        resource: encryptResource(
          JSON.stringify(resource),
          apiV3KeyBytes('Synth3tic0nlyApiV3Key0123456789A'),
          'abcdefghijkl',
          'transaction',
        ),
      }),
    );
  const headers = (raw: Buffer, extra: Record<string, string | string[]> = {}) => ({
    'Wechatpay-Timestamp': String(NOW / 1000),
    'Wechatpay-Nonce': 'nonce',
    'Wechatpay-Signature': signNotify(platform.privateKey, String(NOW / 1000), 'nonce', raw),
    'Wechatpay-Serial': 'SERIAL1',
    ...extra,
  });

  it('reads headers whatever their case, the first of repeated values, trimmed', () => {
    const raw = body('TRANSACTION.SUCCESS', PAID);
    const h = headers(raw);
    expect(verifier.verify(h, raw, NOW)).toMatchObject({ ok: true, kind: 'event' });
    const repeated = { ...h, 'Wechatpay-Serial': ['  SERIAL1 ', 'OTHER'] };
    expect(verifier.verify(repeated, raw, NOW)).toMatchObject({ ok: true, kind: 'event' });
  });

  it('takes a blank header as missing', () => {
    const raw = body('TRANSACTION.SUCCESS', PAID);
    for (const name of [
      'Wechatpay-Signature',
      'Wechatpay-Timestamp',
      'Wechatpay-Nonce',
      'Wechatpay-Serial',
    ]) {
      expect(verifier.verify(headers(raw, { [name]: '  ' }), raw, NOW), name).toEqual({
        ok: false,
        error: 'signature_invalid',
        message: 'Wechatpay-Signature/Timestamp/Nonce/Serial header missing',
        status: 401,
      });
    }
  });

  it('says what it refuses, with the status the contract asks for', () => {
    const raw = body('TRANSACTION.SUCCESS', PAID);
    expect(verifier.verify(headers(raw, { 'Wechatpay-Timestamp': 'soon' }), raw, NOW)).toEqual({
      ok: false,
      error: 'signature_invalid',
      message: 'Wechatpay-Timestamp is not unix seconds',
      status: 401,
    });
    expect(verifier.verify(headers(raw), raw, NOW + 300_000)).toEqual({
      ok: false,
      error: 'timestamp_stale',
      message: 'timestamp 5 minutes or more from now',
      status: 401,
    });
    expect(verifier.verify(headers(raw, { 'Wechatpay-Serial': 'X'.repeat(50) }), raw, NOW)).toEqual({
      ok: false,
      error: 'unknown_serial',
      message: `no platform key for serial ${'X'.repeat(40)}`,
      status: 401,
    });
    expect(verifier.verify(headers(raw, { 'Wechatpay-Nonce': 'other' }), raw, NOW)).toEqual({
      ok: false,
      error: 'signature_invalid',
      message: 'signature does not verify with the platform key',
      status: 401,
    });
    expect(
      verifier.verify(headers(raw, { 'Wechatpay-Signature': 'WECHATPAY/SIGNTEST/x' }), raw, NOW),
    ).toEqual({
      ok: false,
      error: 'sign_probe',
      message: 'signature probe refused',
      status: 401,
    });
    const notJson = Buffer.from('nope');
    expect(verifier.verify(headers(notJson), notJson, NOW)).toEqual({
      ok: false,
      error: 'malformed',
      message: 'body is not JSON',
      status: 400,
    });
    const unpaid = body('TRANSACTION.SUCCESS', { ...PAID, out_trade_no: '' });
    expect(verifier.verify(headers(unpaid), unpaid, NOW)).toEqual({
      ok: false,
      error: 'malformed',
      message: 'out_trade_no missing',
      status: 400,
    });
    const ignored = body('REFUND.CLOSED', PAID);
    expect(verifier.verify(headers(ignored), ignored, NOW)).toEqual({
      ok: true,
      kind: 'ignored',
      notificationId: 'N1',
      reason: 'event_type REFUND.CLOSED',
    });
  });

  it('cuts the failure message to the 64 characters WeChat reads', () => {
    const body = wechatpayFailureBody({
      ok: false,
      error: 'malformed',
      message: 'm'.repeat(70),
      status: 400,
    });
    expect(body).toEqual({ error: 'malformed', message: 'm'.repeat(64), code: 'FAIL' });
  });

  it('gives the platform keys it verifies with', () => {
    expect(verifier.platformKeys).toBe(keys);
  });
});
