// The payment-notification verifiers the configuration allows; a provider without its secrets stays
// unconfigured (its callback answers 503 provider_not_configured).
import { readFileSync } from 'node:fs';
import { alipayPublicKey } from './alipay/notify-signature.ts';
import { AlipayNotifyVerifier } from './alipay/notify-verifier.ts';
import { WechatPayNotifyVerifier } from './wechatpay/notify-verifier.ts';
import { loadPlatformKeys } from './wechatpay/platform-keys.ts';

export interface NotifyVerifiers {
  wechatpay?: WechatPayNotifyVerifier;
  alipay?: AlipayNotifyVerifier;
}

/** The configuration's provider secrets (a structural slice, so ingest does not depend on config). */
export interface NotifySecrets {
  wechatpay: { apiV3Key: string | undefined; platformPublicKeyPath: string | undefined };
  alipayPublicKeyPath: string | undefined;
  alipayNotify: { appId: string | undefined; sellerId: string | undefined; allowRsa1: boolean };
}

export function notifyVerifiersFromConfig(
  config: NotifySecrets,
  readFile: (path: string) => string = (path) => readFileSync(path, 'utf8'),
): NotifyVerifiers {
  const verifiers: NotifyVerifiers = {};
  const { apiV3Key, platformPublicKeyPath } = config.wechatpay;
  if (apiV3Key && platformPublicKeyPath) {
    verifiers.wechatpay = new WechatPayNotifyVerifier({
      apiV3Key,
      platformKeys: loadPlatformKeys(platformPublicKeyPath, readFile),
    });
  }
  if (config.alipayPublicKeyPath) {
    verifiers.alipay = new AlipayNotifyVerifier({
      publicKey: alipayPublicKey(readFile(config.alipayPublicKeyPath)),
      ...config.alipayNotify,
    });
  }
  return verifiers;
}
