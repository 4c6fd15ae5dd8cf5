// WeChat Pay notifications whose JSON is valid but of the wrong kind (a string or a number where an
// object belongs), platform keys of a type that cannot verify RSA, the errors decryption throws,
// and the verifier's answer to a resource that does not decrypt.
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  mapNotification,
  type NotificationEnvelope,
  parseEnvelope,
} from '../../../src/ingest/wechatpay/notification.ts';
import { signNotify, verifyNotifySignature } from '../../../src/ingest/wechatpay/notify-signature.ts';
import { WechatPayNotifyVerifier } from '../../../src/ingest/wechatpay/notify-verifier.ts';
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

describe('JSON of the wrong kind', () => {
  it('refuses a body that is a JSON string or number as not an object', () => {
    for (const body of ['"TRANSACTION.SUCCESS"', '7', 'true']) {
      expect(parseEnvelope(body), body).toBe('body is not a JSON object');
    }
  });

  it('refuses a resource that is text rather than an object', () => {
    const body = JSON.stringify({ id: 'N1', event_type: 'TRANSACTION.SUCCESS', resource: 'encrypted' });
    expect(parseEnvelope(body)).toBe('resource missing');
  });

  it('refuses a decrypted resource that is a JSON string or number as not an object', () => {
    for (const plaintext of ['"SUCCESS"', '12800']) {
      expect(mapNotification(ENVELOPE, plaintext, {}), plaintext).toEqual({
        kind: 'malformed',
        message: 'decrypted resource is not a JSON object',
      });
    }
  });
});

describe('a platform key that cannot check an RSA signature', () => {
  it('answers false, rather than throwing, for Ed25519 and X25519 keys', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const body = Buffer.from('{}');
    const signature = signNotify(rsa.privateKey, '1', 'n', body);
    for (const type of ['ed25519', 'x25519'] as const) {
      const { publicKey } = generateKeyPairSync(type as 'ed25519');
      expect(verifyNotifySignature(publicKey, '1', 'n', body, signature), type).toBe(false);
    }
  });
});

describe('decryption errors', () => {
  const key = apiV3KeyBytes('Synth3tic0nlyApiV3Key0123456789A');

  it('are ResourceDecryptErrors by name, keeping the cipher error as their cause', () => {
    const sealed = encryptResource('{"a":1}', key, 'abcdefghijkl', 'transaction');
    let thrown: unknown;
    try {
      decryptResource({ ...sealed, associated_data: 'refund' }, key);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ResourceDecryptError);
    expect((thrown as Error).name).toBe('ResourceDecryptError');
    expect((thrown as Error).cause).toBeInstanceOf(Error);
  });

  it('refuses an APIv3 key of 32 characters that is not 32 bytes, as a RangeError', () => {
    expect(() => apiV3KeyBytes(`é${'A'.repeat(31)}`)).toThrow(
      new RangeError('the WeChat Pay APIv3 key must be 32 bytes, got 33'),
    );
    expect(apiV3KeyBytes('A'.repeat(32))).toHaveLength(32);
  });
});

describe('a signed notification whose resource does not decrypt', () => {
  it('is refused as decrypt_failed with 400, saying so', () => {
    const platform = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const verifier = new WechatPayNotifyVerifier({
      platformKeys: PlatformKeySet.from([
        { serial: 'SERIAL1', pem: platform.publicKey.export({ type: 'spki', format: 'pem' }).toString() },
      ]),
      apiV3Key: 'Synth3tic0nlyApiV3Key0123456789A',
    });
    const otherKey = apiV3KeyBytes('B'.repeat(32));
    const raw = Buffer.from(
      JSON.stringify({
        id: 'N1',
        create_time: '2024-06-01T10:15:31+08:00',
        event_type: 'TRANSACTION.SUCCESS',
        resource_type: 'encrypt-resource',
        resource: encryptResource('{}', otherKey, 'abcdefghijkl', 'transaction'),
      }),
    );
    const timestamp = '1717207200';
    const headers = {
      'wechatpay-timestamp': timestamp,
      'wechatpay-nonce': 'nonce',
      'wechatpay-signature': signNotify(platform.privateKey, timestamp, 'nonce', raw),
      'wechatpay-serial': 'SERIAL1',
    };
    expect(verifier.verify(headers, raw, 1_717_207_200_000)).toEqual({
      ok: false,
      error: 'decrypt_failed',
      message: 'resource does not decrypt with the APIv3 key',
      status: 400,
    });
  });
});
