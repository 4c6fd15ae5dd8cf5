// The provider secrets the simulator signs with, kept in one directory: the private halves play
// WeChat Pay, Alipay and Kuaidi100; the public halves (and the shared secrets) configure the collector.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';

export const KEY_FILES = {
  wechatpayPrivateKey: 'wechatpay-platform-private.pem',
  wechatpayPublicKey: 'wechatpay-platform-public.pem',
  wechatpayApiV3Key: 'wechatpay-apiv3.key',
  alipayPrivateKey: 'alipay-private.pem',
  alipayPublicKey: 'alipay-public.pem',
  kuaidi100Salt: 'kuaidi100.salt',
} as const;

export interface ProviderKeys {
  wechatpay: { privateKeyPem: string; apiV3Key: string; serial: string };
  alipay: { privateKeyPem: string; appId: string };
  kuaidi100Salt: string;
}

/** The collector's provider-secret variables for these keys, so it verifies what the simulator signs. */
export function collectorEnvFor(dir: string, keys: ProviderKeys): Record<string, string> {
  return {
    ORDERPULSE_WECHATPAY_APIV3_KEY: keys.wechatpay.apiV3Key,
    ORDERPULSE_WECHATPAY_PLATFORM_PUBLIC_KEY: path.join(dir, KEY_FILES.wechatpayPublicKey),
    ORDERPULSE_ALIPAY_PUBLIC_KEY: path.join(dir, KEY_FILES.alipayPublicKey),
    ORDERPULSE_KUAIDI100_SALT: keys.kuaidi100Salt,
  };
}

// A stand-in platform serial: the collector accepts any serial for a public key configured without one.
const SERIAL = 'PUB_KEY_ID_ORDERPULSE_SIMULATOR';
const APP_ID = '2021000000000000';

export async function hasProviderKeys(dir: string): Promise<boolean> {
  try {
    await fs.access(path.join(dir, KEY_FILES.wechatpayPrivateKey));
    return true;
  } catch {
    return false;
  }
}

export async function loadProviderKeys(dir: string): Promise<ProviderKeys> {
  const read = async (name: string) => {
    try {
      return (await fs.readFile(path.join(dir, name), 'utf8')).trim();
    } catch (error) {
      throw new Error(`cannot read ${path.join(dir, name)}: ${(error as Error).message}`);
    }
  };
  const apiV3Key = await read(KEY_FILES.wechatpayApiV3Key);
  if (Buffer.byteLength(apiV3Key) !== 32)
    throw new Error(`${KEY_FILES.wechatpayApiV3Key} must hold 32 bytes`);
  return {
    wechatpay: { privateKeyPem: await read(KEY_FILES.wechatpayPrivateKey), apiV3Key, serial: SERIAL },
    alipay: { privateKeyPem: await read(KEY_FILES.alipayPrivateKey), appId: APP_ID },
    kuaidi100Salt: await read(KEY_FILES.kuaidi100Salt),
  };
}

/** Creates the keys once (RSA 2048 like the providers'); later calls load what is there. */
export async function ensureProviderKeys(dir: string): Promise<ProviderKeys> {
  if (await hasProviderKeys(dir)) return loadProviderKeys(dir);
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  const pair = () =>
    generateKeyPairSync('rsa', {
      modulusLength: 2048,
      publicKeyEncoding: { type: 'spki', format: 'pem' },
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    });
  const wechat = pair();
  const alipay = pair();
  // The APIv3 key is 32 printable characters, as the merchant platform makes merchants choose.
  const apiV3Key = randomBytes(24).toString('base64url').slice(0, 32);
  const salt = randomBytes(12).toString('hex');
  const write = (name: string, text: string, mode: number) =>
    fs.writeFile(path.join(dir, name), text.endsWith('\n') ? text : `${text}\n`, { mode });
  await write(KEY_FILES.wechatpayPrivateKey, wechat.privateKey, 0o600);
  await write(KEY_FILES.wechatpayPublicKey, wechat.publicKey, 0o644);
  await write(KEY_FILES.wechatpayApiV3Key, apiV3Key, 0o600);
  await write(KEY_FILES.alipayPrivateKey, alipay.privateKey, 0o600);
  await write(KEY_FILES.alipayPublicKey, alipay.publicKey, 0o644);
  await write(KEY_FILES.kuaidi100Salt, salt, 0o600);
  return loadProviderKeys(dir);
}
