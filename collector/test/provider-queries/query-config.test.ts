// The provider-query variables as the collector reads them: off unless a provider's set is
// complete, refused when half set or when the key that verifies the answers is missing; and the
// clients made from them.
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { type ConfigError, loadConfig } from '../../src/config/load-config.ts';
import { PlatformKeySet } from '../../src/ingest/wechatpay/platform-keys.ts';
import { paymentQueryClients, QueryKeyError } from '../../src/provider-queries/clients-from-config.ts';

const wechat = {
  ORDERPULSE_WECHATPAY_MCHID: '1900000001',
  ORDERPULSE_WECHATPAY_MERCHANT_KEY: '/etc/op/wx-merchant.pem',
  ORDERPULSE_WECHATPAY_MERCHANT_SERIAL: '1DDE55AD98ED71D6EDD4A4A16996DE7B47773A8C',
  ORDERPULSE_WECHATPAY_PLATFORM_PUBLIC_KEY: '/etc/op/wx-platform.pem',
};
const alipay = {
  ORDERPULSE_ALIPAY_APP_ID: '2021000000000000',
  ORDERPULSE_ALIPAY_APP_PRIVATE_KEY: '/etc/op/alipay-app.pem',
  ORDERPULSE_ALIPAY_PUBLIC_KEY: '/etc/op/alipay-public.pem',
};

const problemsOf = (env: Record<string, string>): string[] => {
  try {
    loadConfig(env);
    return [];
  } catch (error) {
    return (error as ConfigError).problems;
  }
};

describe('provider query configuration', () => {
  it('is off by default, asking after 2 minutes once configured', () => {
    expect(loadConfig({}).providerQueries).toEqual({
      wechatpay: undefined,
      alipay: undefined,
      queryAfterMs: 120_000,
    });
  });

  it('reads a complete WeChat Pay and Alipay set, with the official hosts by default', () => {
    const config = loadConfig({ ...wechat, ...alipay, ORDERPULSE_PAYMENT_QUERY_AFTER: '90s' }, '/srv');
    expect(config.providerQueries).toEqual({
      wechatpay: {
        mchid: '1900000001',
        merchantKeyPath: '/etc/op/wx-merchant.pem',
        merchantSerial: '1DDE55AD98ED71D6EDD4A4A16996DE7B47773A8C',
        apiBase: 'https://api.mch.weixin.qq.com',
      },
      alipay: {
        appId: '2021000000000000',
        appPrivateKeyPath: '/etc/op/alipay-app.pem',
        gateway: 'https://openapi.alipay.com/gateway.do',
      },
      queryAfterMs: 90_000,
    });
    const local = loadConfig({
      ...wechat,
      ORDERPULSE_WECHATPAY_API_BASE: 'http://127.0.0.1:9000',
    }).providerQueries;
    expect(local.wechatpay?.apiBase).toBe('http://127.0.0.1:9000');
  });

  it('refuses a half-set merchant, an app key without its app or without the key verifying answers', () => {
    expect(problemsOf({ ORDERPULSE_WECHATPAY_MCHID: '1900000001' })).toEqual([
      'ORDERPULSE_WECHATPAY_MCHID, ORDERPULSE_WECHATPAY_MERCHANT_KEY and ORDERPULSE_WECHATPAY_MERCHANT_SERIAL must be set together',
    ]);
    const { ORDERPULSE_WECHATPAY_PLATFORM_PUBLIC_KEY: _, ...noPlatformKey } = wechat;
    expect(problemsOf(noPlatformKey)).toEqual([
      'ORDERPULSE_WECHATPAY_MCHID needs ORDERPULSE_WECHATPAY_PLATFORM_PUBLIC_KEY to verify the answers',
    ]);
    expect(problemsOf({ ORDERPULSE_ALIPAY_APP_PRIVATE_KEY: '/k.pem' })).toEqual([
      'ORDERPULSE_ALIPAY_APP_PRIVATE_KEY needs ORDERPULSE_ALIPAY_APP_ID',
      'ORDERPULSE_ALIPAY_APP_PRIVATE_KEY needs ORDERPULSE_ALIPAY_PUBLIC_KEY to verify the answers',
    ]);
    expect(
      problemsOf({ ORDERPULSE_PAYMENT_QUERY_AFTER: '2', ORDERPULSE_ALIPAY_GATEWAY: 'gateway.do' }),
    ).toEqual([
      'ORDERPULSE_ALIPAY_GATEWAY must be an http(s) URL',
      'ORDERPULSE_PAYMENT_QUERY_AFTER must be a duration of at least 1s, e.g. "2m", got "2": "2" has no unit; write e.g. "2s", "2m" or "2h"',
    ]);
  });
});

describe('the clients the configuration asks for', () => {
  const files = new Map<string, string>();
  const readFile = (path: string) => {
    const text = files.get(path);
    if (text === undefined) throw new Error(`ENOENT ${path}`);
    return text;
  };
  const merchant = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const platform = generateKeyPairSync('rsa', { modulusLength: 2048 });
  files.set(
    '/etc/op/wx-merchant.pem',
    merchant.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  );
  files.set('/etc/op/alipay-app.pem', 'not a key');
  const keys = {
    wechatpayPlatformKeys: PlatformKeySet.from([
      { pem: platform.publicKey.export({ type: 'spki', format: 'pem' }).toString() },
    ]),
    alipayPublicKey: platform.publicKey,
  };

  it('makes one client per configured provider', () => {
    expect(paymentQueryClients(loadConfig({}).providerQueries, keys, readFile)).toEqual([]);
    const clients = paymentQueryClients(loadConfig(wechat).providerQueries, keys, readFile);
    expect(clients.map((c) => c.provider)).toEqual(['wechatpay']);
  });

  it('stops the start on a key file that is missing or not a private key', () => {
    expect(() => paymentQueryClients(loadConfig(alipay).providerQueries, keys, readFile)).toThrow(
      new QueryKeyError('the Alipay app private key /etc/op/alipay-app.pem is not a PEM private key'),
    );
    files.delete('/etc/op/wx-merchant.pem');
    expect(() => paymentQueryClients(loadConfig(wechat).providerQueries, keys, readFile)).toThrow(
      QueryKeyError,
    );
  });
});
