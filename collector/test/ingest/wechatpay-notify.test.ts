import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseEnvelope, resolveStoreId } from '../../src/ingest/wechatpay/notification.ts';
import { notifySignMessage, signNotify } from '../../src/ingest/wechatpay/notify-signature.ts';
import {
  type HeaderBag,
  WechatPayNotifyVerifier,
  wechatpayFailureBody,
} from '../../src/ingest/wechatpay/notify-verifier.ts';
import { loadPlatformKeys, PlatformKeySet } from '../../src/ingest/wechatpay/platform-keys.ts';
import {
  apiV3KeyBytes,
  decryptResource,
  encryptResource,
  ResourceDecryptError,
} from '../../src/ingest/wechatpay/resource-decrypt.ts';

// PROVIDERS.md §1.5 known-answer vector (synthetic key).
const KAT = {
  apiV3Key: 'Synth3tic0nlyApiV3Key0123456789A',
  nonce: 'fdasflkja484',
  associatedData: 'transaction',
  plaintext: JSON.stringify({
    mchid: '1900000001',
    appid: 'wx1234567890abcdef',
    out_trade_no: 'ORD20240601000123',
    transaction_id: '4200001234202406011234567890',
    trade_type: 'JSAPI',
    trade_state: 'SUCCESS',
    trade_state_desc: '支付成功',
    bank_type: 'OTHERS',
    attach: '',
    success_time: '2024-06-01T10:15:30+08:00',
    payer: { openid: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o' },
    amount: { total: 12800, payer_total: 12800, currency: 'CNY', payer_currency: 'CNY' },
  }),
  ciphertext:
    'juibKO3G4AAlXQPFcpgxBGa5VGoiGyr9SVwwK+JgjuxHQRQcDENFLeJMR4sEWR7rZ3pc9heuYA+jgCCoGhQnozGFbHSFcqieMGD/hc63opdvzVGUAMYbCMjJ32e15Hy8Kx9HKIVGhvatartGOAUT8tvJ/kaY8HhcZIG+aLV6y0bCYfbUGJdExg3O9Jn4bs+TMlBikWJqE2lBbMhzRuvpPd6kotW9ZI1LhbTaOoPWYmHdj1SIdqNKJOlQ/C1TT5YIbsoxpit8xSzynS6bUPGfMt4m6hBsJ+CgGnpwOqGj15nom6JFD8eN0KpddRDpbjV86tnwnXzVz2j6crb6MT9aKPrmx/FRRUCHdXPd59o7WgL9wYH0CaEh4KBy2wrLcaflvNPXHBQkrIkyWe5MDPCLh9ZRm+Sns4FKC0eujZsb1cnJoZ78WwSYU2RNXrQ+aunDkr9qF7swE92sMzHwevVEaVVZ8+zFEj9yAVtC4wGvqzlHSmoGOFvv0NVO7eH0obWHCKSj6wwMGhUzNSIA4NwsXQwxV4Sy9dEe34zNEvUikJvC+P/IBJyyf7qSEeXkjyu6fAokiaJ6oWY=',
};

const rsa = () => generateKeyPairSync('rsa', { modulusLength: 2048 });
const current = rsa();
const next = rsa();
const attacker = rsa();
const pem = (key: KeyObject) => key.export({ type: 'spki', format: 'pem' }).toString();

const CURRENT_SERIAL = 'PUB_KEY_ID_0114232134912410000000000000';
const NEXT_SERIAL = '5157F09EFDC096DE15EBE81A47057A7232F1B8E1';
const keys = PlatformKeySet.from([
  { serial: CURRENT_SERIAL, pem: pem(current.publicKey) },
  { serial: NEXT_SERIAL, pem: pem(next.publicKey) },
]);
const verifier = new WechatPayNotifyVerifier({ platformKeys: keys, apiV3Key: KAT.apiV3Key });

const NOW = Date.parse('2024-06-01T10:15:31+08:00');
const nowSeconds = String(Math.floor(NOW / 1000));

// The real capture's field order (PROVIDERS.md §1.2), with the KAT resource inside.
const katBody = Buffer.from(
  `{"id":"db7c08f8-be04-5c9b-b022-ba3d384ed1c9","create_time":"2024-06-01T10:15:31+08:00","resource_type":"encrypt-resource","event_type":"TRANSACTION.SUCCESS","summary":"支付成功","resource":{"original_type":"transaction","algorithm":"AEAD_AES_256_GCM","ciphertext":"${KAT.ciphertext}","associated_data":"transaction","nonce":"${KAT.nonce}"}}`,
  'utf8',
);

function signedHeaders(
  body: Uint8Array,
  {
    key = current.privateKey,
    serial = CURRENT_SERIAL,
    timestamp = nowSeconds,
    nonce = 'n0nce5tr1ngOfThirtyTwoCharacters',
  }: { key?: string | KeyObject; serial?: string; timestamp?: string; nonce?: string } = {},
): HeaderBag {
  return {
    'wechatpay-timestamp': timestamp,
    'wechatpay-nonce': nonce,
    'wechatpay-signature': signNotify(key, timestamp, nonce, body),
    'wechatpay-serial': serial,
    'wechatpay-signature-type': 'WECHATPAY2-SHA256-RSA2048',
  };
}

function envelope(
  eventType: string,
  resourceJson: object,
  id = 'e1c0e5a2-0000-4000-8000-000000000001',
): Buffer {
  const resource = encryptResource(
    JSON.stringify(resourceJson),
    apiV3KeyBytes(KAT.apiV3Key),
    'abcdefghijkl',
    eventType.startsWith('REFUND') ? 'refund' : 'transaction',
  );
  return Buffer.from(
    JSON.stringify({
      id,
      create_time: '2024-06-01T10:15:31+08:00',
      resource_type: 'encrypt-resource',
      event_type: eventType,
      summary: '支付成功',
      resource,
    }),
  );
}

describe('AEAD_AES_256_GCM resource decryption', () => {
  it('decrypts the PROVIDERS.md known-answer vector', () => {
    const plaintext = decryptResource(
      {
        algorithm: 'AEAD_AES_256_GCM',
        ciphertext: KAT.ciphertext,
        associated_data: KAT.associatedData,
        nonce: KAT.nonce,
      },
      apiV3KeyBytes(KAT.apiV3Key),
    );
    expect(plaintext).toBe(KAT.plaintext);
  });

  it('our encryption reproduces the vector byte for byte', () => {
    const sealed = encryptResource(KAT.plaintext, apiV3KeyBytes(KAT.apiV3Key), KAT.nonce, KAT.associatedData);
    expect(sealed.ciphertext).toBe(KAT.ciphertext);
  });

  it('fails on a wrong key, a wrong AAD, a flipped bit and a foreign algorithm', () => {
    const base = {
      algorithm: 'AEAD_AES_256_GCM',
      ciphertext: KAT.ciphertext,
      associated_data: 'transaction',
      nonce: KAT.nonce,
    };
    const key = apiV3KeyBytes(KAT.apiV3Key);
    expect(() => decryptResource(base, apiV3KeyBytes('X'.repeat(32)))).toThrow(ResourceDecryptError);
    expect(() => decryptResource({ ...base, associated_data: 'refund' }, key)).toThrow(ResourceDecryptError);
    const flipped = Buffer.from(KAT.ciphertext, 'base64');
    flipped[3] = (flipped[3] ?? 0) ^ 1;
    expect(() => decryptResource({ ...base, ciphertext: flipped.toString('base64') }, key)).toThrow(
      ResourceDecryptError,
    );
    expect(() => decryptResource({ ...base, algorithm: 'AEAD_SM4_GCM' }, key)).toThrow(/unsupported/);
  });

  it('refuses an APIv3 key that is not 32 bytes', () => {
    expect(() => apiV3KeyBytes('short')).toThrow(RangeError);
  });
});

describe('WechatPayNotifyVerifier', () => {
  it('the sign message is timestamp\\nnonce\\nbody\\n over the raw bytes', () => {
    expect(notifySignMessage('1717208131', 'abc', Buffer.from('{"a":1}')).toString()).toBe(
      '1717208131\nabc\n{"a":1}\n',
    );
  });

  it('accepts a valid notification and maps it to payment.notify', () => {
    const outcome = verifier.verify(signedHeaders(katBody), katBody, NOW);
    expect(outcome).toEqual({
      ok: true,
      kind: 'event',
      event: {
        type: 'payment.notify',
        id: 'db7c08f8-be04-5c9b-b022-ba3d384ed1c9',
        source: 'wechatpay',
        occurredAt: Date.parse('2024-06-01T02:15:30Z'),
        orderId: 'ORD20240601000123',
        storeId: 'unknown',
        provider: 'wechatpay',
        transactionId: '4200001234202406011234567890',
        amountFen: 12800,
        status: 'success',
      },
    });
  });

  it('a retry of the same notification yields the same event id (a duplicate, not a second payment)', () => {
    const first = verifier.verify(signedHeaders(katBody, { nonce: 'firstAttempt' }), katBody, NOW);
    const retry = verifier.verify(
      signedHeaders(katBody, { nonce: 'retryAttempt', timestamp: String(Math.floor(NOW / 1000) + 15) }),
      katBody,
      NOW + 15_000,
    );
    expect(first.ok && first.kind === 'event' && retry.ok && retry.kind === 'event').toBe(true);
    if (first.ok && first.kind === 'event' && retry.ok && retry.kind === 'event') {
      expect(retry.event).toEqual(first.event);
    }
  });

  it('verifies with either key during rotation, chosen by Wechatpay-Serial', () => {
    const outcome = verifier.verify(
      signedHeaders(katBody, { key: next.privateKey, serial: NEXT_SERIAL }),
      katBody,
      NOW,
    );
    expect(outcome.ok).toBe(true);
    // lower-case serial still names the same certificate
    const lower = verifier.verify(
      signedHeaders(katBody, { key: next.privateKey, serial: NEXT_SERIAL.toLowerCase() }),
      katBody,
      NOW,
    );
    expect(lower.ok).toBe(true);
  });

  it('refuses a forged signature (attacker key) with 401 signature_invalid', () => {
    const outcome = verifier.verify(signedHeaders(katBody, { key: attacker.privateKey }), katBody, NOW);
    expect(outcome).toMatchObject({ ok: false, error: 'signature_invalid', status: 401 });
  });

  it('refuses a body altered after signing, even by one byte of whitespace', () => {
    const headers = signedHeaders(katBody);
    const altered = Buffer.from(`${katBody.toString()} `);
    expect(verifier.verify(headers, altered, NOW)).toMatchObject({ ok: false, error: 'signature_invalid' });
    const reserialised = Buffer.from(JSON.stringify(JSON.parse(katBody.toString()), null, 1));
    expect(verifier.verify(headers, reserialised, NOW)).toMatchObject({
      ok: false,
      error: 'signature_invalid',
    });
  });

  it('refuses the right key under the wrong serial', () => {
    const outcome = verifier.verify(signedHeaders(katBody, { serial: NEXT_SERIAL }), katBody, NOW);
    expect(outcome).toMatchObject({ ok: false, error: 'signature_invalid' });
  });

  it('refuses an unknown serial with unknown_serial', () => {
    const outcome = verifier.verify(
      signedHeaders(katBody, { serial: 'FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF' }),
      katBody,
      NOW,
    );
    expect(outcome).toMatchObject({ ok: false, error: 'unknown_serial', status: 401 });
  });

  it('refuses timestamps 5 minutes or more away, either direction; accepts just inside', () => {
    const at = (offsetSeconds: number) => String(Math.floor(NOW / 1000) + offsetSeconds);
    for (const offset of [-300, 300, -3600, 86_400]) {
      const outcome = verifier.verify(signedHeaders(katBody, { timestamp: at(offset) }), katBody, NOW);
      expect(outcome, `offset ${offset}`).toMatchObject({ ok: false, error: 'timestamp_stale', status: 401 });
    }
    for (const offset of [-299, 299]) {
      expect(verifier.verify(signedHeaders(katBody, { timestamp: at(offset) }), katBody, NOW).ok).toBe(true);
    }
  });

  it('refuses WECHATPAY/SIGNTEST/ probes even before looking at the key', () => {
    const headers = {
      ...signedHeaders(katBody),
      'wechatpay-signature': 'WECHATPAY/SIGNTEST/aGVsbG8gd29ybGQ=',
    };
    expect(verifier.verify(headers, katBody, NOW)).toMatchObject({
      ok: false,
      error: 'sign_probe',
      status: 401,
    });
  });

  it('refuses missing headers', () => {
    const { 'wechatpay-nonce': _omitted, ...headers } = signedHeaders(katBody);
    expect(verifier.verify(headers, katBody, NOW)).toMatchObject({ ok: false, error: 'signature_invalid' });
  });

  it('a signed body whose resource was encrypted with another APIv3 key is decrypt_failed (400)', () => {
    const foreign = new WechatPayNotifyVerifier({ platformKeys: keys, apiV3Key: 'A'.repeat(32) });
    expect(foreign.verify(signedHeaders(katBody), katBody, NOW)).toMatchObject({
      ok: false,
      error: 'decrypt_failed',
      status: 400,
    });
  });

  it('a signed body that is not an envelope is malformed (400)', () => {
    const body = Buffer.from('{"hello":"world"}');
    expect(verifier.verify(signedHeaders(body), body, NOW)).toMatchObject({
      ok: false,
      error: 'malformed',
      status: 400,
    });
  });

  it('maps REFUND.SUCCESS to a refund of amount.refund', () => {
    const body = envelope('REFUND.SUCCESS', {
      mchid: '1900000001',
      out_trade_no: 'ORD20240601000123',
      transaction_id: '4200001234202406011234567890',
      out_refund_no: 'RF1',
      refund_id: '50000000382019052709732678859',
      refund_status: 'SUCCESS',
      success_time: '2024-06-02T09:00:00+08:00',
      amount: { total: 12800, refund: 2800, payer_total: 12800, payer_refund: 2800 },
    });
    const outcome = verifier.verify(signedHeaders(body), body, NOW);
    expect(outcome).toMatchObject({
      ok: true,
      kind: 'event',
      event: {
        status: 'refund',
        amountFen: 2800,
        orderId: 'ORD20240601000123',
        occurredAt: Date.parse('2024-06-02T01:00:00Z'),
      },
    });
  });

  it('acknowledges REFUND.CLOSED and other event types without an event', () => {
    const body = envelope('REFUND.CLOSED', { out_trade_no: 'X', transaction_id: 'Y', amount: { refund: 1 } });
    expect(verifier.verify(signedHeaders(body), body, NOW)).toMatchObject({ ok: true, kind: 'ignored' });
  });

  it('takes the store from attach JSON, then scene_info, then the device mapping', () => {
    expect(resolveStoreId({ attach: '{"store_id":"S042"}' }, {})).toBe('S042');
    expect(resolveStoreId({ attach: 'free text', scene_info: { store_info: { id: 'S7' } } }, {})).toBe('S7');
    const deviceStores = new Map([['POS-12', 'S12']]);
    expect(resolveStoreId({ scene_info: { device_id: 'POS-12' } }, { deviceStores })).toBe('S12');
    expect(resolveStoreId({ scene_info: { device_id: 'POS-99' } }, { deviceStores })).toBe('unknown');
    const body = envelope('TRANSACTION.SUCCESS', {
      out_trade_no: 'O1',
      transaction_id: 'T1',
      trade_state: 'SUCCESS',
      attach: '{"store_id":"S042"}',
      success_time: '2024-06-01T10:00:00+08:00',
      amount: { total: 1 },
    });
    expect(verifier.verify(signedHeaders(body), body, NOW)).toMatchObject({
      event: { storeId: 'S042', amountFen: 1 },
    });
  });

  it('rejects a decrypted transaction without an integer amount', () => {
    const body = envelope('TRANSACTION.SUCCESS', {
      out_trade_no: 'O1',
      transaction_id: 'T1',
      amount: { total: 1.5 },
    });
    expect(verifier.verify(signedHeaders(body), body, NOW)).toMatchObject({ ok: false, error: 'malformed' });
  });

  it('failure body satisfies both WeChat ({code,message}) and the contract ({error,message})', () => {
    const outcome = verifier.verify(signedHeaders(katBody, { key: attacker.privateKey }), katBody, NOW);
    if (outcome.ok) throw new Error('expected a rejection');
    const body = wechatpayFailureBody(outcome);
    expect(body.code).toBe('FAIL');
    expect(body.error).toBe('signature_invalid');
    expect(body.message.length).toBeGreaterThan(0);
    expect(body.message.length).toBeLessThanOrEqual(64);
  });

  it('parseEnvelope names what is missing', () => {
    expect(parseEnvelope('nope')).toBe('body is not JSON');
    expect(parseEnvelope('{"id":"x","event_type":"TRANSACTION.SUCCESS"}')).toBe('resource missing');
  });
});

describe('platform keys', () => {
  it('takes the serial from a certificate and verifies with its key', () => {
    const certPem = readFileSync(
      new URL('../support/fixtures/wechatpay-platform-cert.pem', import.meta.url),
      'utf8',
    );
    const certKey = readFileSync(
      new URL('../support/fixtures/wechatpay-platform-cert.key.pem', import.meta.url),
      'utf8',
    );
    const set = PlatformKeySet.from([{ pem: certPem }]);
    expect(set.serials).toEqual(['21BC5C0E19CF953DA421E5275B1AB7741FBF465C']);
    const withCert = new WechatPayNotifyVerifier({ platformKeys: set, apiV3Key: KAT.apiV3Key });
    const headers = signedHeaders(katBody, {
      key: certKey,
      serial: '21BC5C0E19CF953DA421E5275B1AB7741FBF465C',
    });
    expect(withCert.verify(headers, katBody, NOW).ok).toBe(true);
    expect(withCert.verify({ ...headers, 'wechatpay-serial': NEXT_SERIAL }, katBody, NOW)).toMatchObject({
      error: 'unknown_serial',
    });
  });

  it('loads comma-separated [serial=]path entries', () => {
    const files: Record<string, string> = {
      '/k/a.pem': pem(current.publicKey),
      '/k/b.pem': pem(next.publicKey),
    };
    const set = loadPlatformKeys(`${CURRENT_SERIAL}=/k/a.pem, ${NEXT_SERIAL}=/k/b.pem`, (path) => {
      const text = files[path];
      if (!text) throw new Error('ENOENT');
      return text;
    });
    expect(set.serials).toEqual([CURRENT_SERIAL, NEXT_SERIAL]);
    expect(() =>
      loadPlatformKeys('/k/missing.pem', () => {
        throw new Error('ENOENT');
      }),
    ).toThrow(/cannot read/);
  });

  it('a single bare public key answers for any serial', () => {
    const set = PlatformKeySet.from([{ pem: pem(current.publicKey) }]);
    const single = new WechatPayNotifyVerifier({ platformKeys: set, apiV3Key: KAT.apiV3Key });
    expect(single.verify(signedHeaders(katBody, { serial: 'ANY' }), katBody, NOW).ok).toBe(true);
  });

  it('rejects garbage PEM and an empty set', () => {
    expect(() => PlatformKeySet.from([{ pem: 'not a key' }])).toThrow(/not a PEM/);
    expect(() => PlatformKeySet.from([])).toThrow(/no WeChat Pay platform key/);
  });
});
