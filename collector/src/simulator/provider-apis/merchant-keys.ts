// The merchant's side of the provider queries for the simulator: the WeChat Pay merchant key (API
// certificate) the collector signs its queries with, and the Alipay application key. Made once and
// kept beside the provider keys; the sandbox verifies the queries with their public halves.
import { generateKeyPairSync } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';

const FILES = {
  wechatpayMerchantPrivateKey: 'wechatpay-merchant-private.pem',
  wechatpayMerchantPublicKey: 'wechatpay-merchant-public.pem',
  alipayAppPrivateKey: 'alipay-app-private.pem',
  alipayAppPublicKey: 'alipay-app-public.pem',
} as const;

export interface MerchantKeys {
  wechatpay: { privateKeyPath: string; publicKeyPem: string; serial: string };
  alipay: { privateKeyPath: string; publicKeyPem: string };
}

// A stand-in certificate serial: the sandbox checks the one the collector is configured with.
const MERCHANT_SERIAL = '5157F09EFDC096DE15EBE81A47057A7232F1B8E1';

async function ensurePair(dir: string, privateName: string, publicName: string): Promise<string> {
  const publicPath = path.join(dir, publicName);
  try {
    await fs.access(path.join(dir, privateName));
    return await fs.readFile(publicPath, 'utf8');
  } catch {
    const pair = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      publicKeyEncoding: { type: 'spki', format: 'pem' },
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    });
    await fs.mkdir(dir, { recursive: true, mode: 0o700 });
    await fs.writeFile(path.join(dir, privateName), pair.privateKey, { mode: 0o600 });
    await fs.writeFile(publicPath, pair.publicKey, { mode: 0o644 });
    return pair.publicKey;
  }
}

/** Creates the keys once in `dir` (a data dir made by an older version gets them added); later calls read them. */
export async function ensureMerchantKeys(dir: string): Promise<MerchantKeys> {
  const wechat = await ensurePair(dir, FILES.wechatpayMerchantPrivateKey, FILES.wechatpayMerchantPublicKey);
  const alipay = await ensurePair(dir, FILES.alipayAppPrivateKey, FILES.alipayAppPublicKey);
  return {
    wechatpay: {
      privateKeyPath: path.join(dir, FILES.wechatpayMerchantPrivateKey),
      publicKeyPem: wechat,
      serial: MERCHANT_SERIAL,
    },
    alipay: { privateKeyPath: path.join(dir, FILES.alipayAppPrivateKey), publicKeyPem: alipay },
  };
}
