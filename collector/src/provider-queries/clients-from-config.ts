// The query clients the configuration asks for, with their keys read once at start. The keys that
// verify answers are the notify path's: WeChat Pay's platform keys and Alipay's public key.
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Config } from '../config/load-config.ts';
import { alipayPublicKey } from '../ingest/alipay/notify-signature.ts';
import { loadPlatformKeys, type PlatformKeySet } from '../ingest/wechatpay/platform-keys.ts';
import { createAlipayQueryClient } from './alipay/query-client.ts';
import type { PaymentQueryClient } from './query-answer.ts';
import { createWechatPayQueryClient } from './wechatpay/query-client.ts';

/** Thrown at start for a key file that cannot be read or is not a private key. */
export class QueryKeyError extends Error {
  constructor(message: string, options?: { cause: unknown }) {
    super(message, options);
    this.name = 'QueryKeyError';
  }
}

export interface VerifyingKeys {
  wechatpayPlatformKeys: PlatformKeySet | undefined;
  alipayPublicKey: KeyObject | undefined;
}

function privateKeyAt(path: string, what: string, readFile: (path: string) => string): KeyObject {
  let pem: string;
  try {
    pem = readFile(path);
  } catch (cause) {
    throw new QueryKeyError(`cannot read the ${what} ${path}`, { cause });
  }
  try {
    return createPrivateKey(pem);
  } catch (cause) {
    throw new QueryKeyError(`the ${what} ${path} is not a PEM private key`, { cause });
  }
}

export function paymentQueryClients(
  settings: Config['providerQueries'],
  keys: VerifyingKeys,
  readFile: (path: string) => string = (path) => readFileSync(path, 'utf8'),
): PaymentQueryClient[] {
  const clients: PaymentQueryClient[] = [];
  const { wechatpay, alipay } = settings;
  if (wechatpay) {
    if (!keys.wechatpayPlatformKeys) throw new QueryKeyError('WeChat Pay queries need the platform keys');
    clients.push(
      createWechatPayQueryClient({
        merchant: {
          mchid: wechatpay.mchid,
          serial: wechatpay.merchantSerial,
          privateKey: privateKeyAt(wechatpay.merchantKeyPath, 'WeChat Pay merchant key', readFile),
        },
        platformKeys: keys.wechatpayPlatformKeys,
        apiBase: wechatpay.apiBase,
      }),
    );
  }
  if (alipay) {
    if (!keys.alipayPublicKey) throw new QueryKeyError('Alipay queries need the Alipay public key');
    clients.push(
      createAlipayQueryClient({
        appId: alipay.appId,
        appPrivateKey: privateKeyAt(alipay.appPrivateKeyPath, 'Alipay app private key', readFile),
        alipayPublicKey: keys.alipayPublicKey,
        gateway: alipay.gateway,
      }),
    );
  }
  return clients;
}

/** The notify path's verifying keys, read only for the providers that are asked. */
export function verifyingKeysFromConfig(
  config: Pick<Config, 'providerQueries' | 'wechatpay' | 'alipayPublicKeyPath'>,
  readFile: (path: string) => string = (path) => readFileSync(path, 'utf8'),
): VerifyingKeys {
  const { platformPublicKeyPath } = config.wechatpay;
  return {
    wechatpayPlatformKeys:
      config.providerQueries.wechatpay && platformPublicKeyPath
        ? loadPlatformKeys(platformPublicKeyPath, readFile)
        : undefined,
    alipayPublicKey:
      config.providerQueries.alipay && config.alipayPublicKeyPath
        ? alipayPublicKey(readFile(config.alipayPublicKeyPath))
        : undefined,
  };
}
