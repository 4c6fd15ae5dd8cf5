// Which payment-notification verifiers the configuration turns on: a provider only with all of its
// secrets, the key files read through the given reader.
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { AlipayNotifyVerifier } from '../../../src/ingest/alipay/notify-verifier.ts';
import { type NotifySecrets, notifyVerifiersFromConfig } from '../../../src/ingest/notify-verifiers.ts';
import { WechatPayNotifyVerifier } from '../../../src/ingest/wechatpay/notify-verifier.ts';

const files: Record<string, string> = {
  '/keys/wx-cert.pem': readFileSync(
    new URL('../../support/fixtures/wechatpay-platform-cert.pem', import.meta.url),
    'utf8',
  ),
  '/keys/alipay.pem': generateKeyPairSync('rsa', { modulusLength: 2048 })
    .publicKey.export({ type: 'spki', format: 'pem' })
    .toString(),
};
const read = (path: string) => {
  const text = files[path];
  if (text === undefined) throw new Error(`no file ${path}`);
  return text;
};

const none: NotifySecrets = {
  wechatpay: { apiV3Key: undefined, platformPublicKeyPath: undefined },
  alipayPublicKeyPath: undefined,
  alipayNotify: { appId: undefined, sellerId: undefined, allowRsa1: false },
};

describe('notifyVerifiersFromConfig', () => {
  it('turns on neither provider without secrets', () => {
    expect(notifyVerifiersFromConfig(none, read)).toEqual({});
  });

  it('turns on WeChat Pay only with both the APIv3 key and the platform key file', () => {
    const wechatpay = { apiV3Key: 'k'.repeat(32), platformPublicKeyPath: '/keys/wx-cert.pem' };
    const on = notifyVerifiersFromConfig({ ...none, wechatpay }, read);
    expect(on.wechatpay).toBeInstanceOf(WechatPayNotifyVerifier);
    expect(on.alipay).toBeUndefined();
    expect(
      notifyVerifiersFromConfig({ ...none, wechatpay: { ...wechatpay, apiV3Key: undefined } }, read),
    ).toEqual({});
    expect(
      notifyVerifiersFromConfig(
        { ...none, wechatpay: { ...wechatpay, platformPublicKeyPath: undefined } },
        read,
      ),
    ).toEqual({});
  });

  it('turns on Alipay with its public key file', () => {
    const on = notifyVerifiersFromConfig({ ...none, alipayPublicKeyPath: '/keys/alipay.pem' }, read);
    expect(on.alipay).toBeInstanceOf(AlipayNotifyVerifier);
    expect(on.wechatpay).toBeUndefined();
  });

  it('reads the key files through the reader it is given', () => {
    expect(() =>
      notifyVerifiersFromConfig({ ...none, alipayPublicKeyPath: '/keys/missing.pem' }, read),
    ).toThrow('no file /keys/missing.pem');
  });
});
