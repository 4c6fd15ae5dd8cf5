// WECHATPAY2-SHA256-RSA2048: the merchant signs every API v3 request with its private key,
// SHA256withRSA over "METHOD\nURL\nTIMESTAMP\nNONCE\nBODY\n", where URL is the path with its query
// string and BODY is empty for a GET; the Authorization header names the merchant, the serial of
// the merchant certificate, the timestamp, the nonce and the signature
// (pay.weixin.qq.com/wiki/doc/apiv3/wechatpay/wechatpay4_0.shtml; wechatpay-axios-plugin Formatter).
import { createSign, type KeyObject, randomBytes } from 'node:crypto';

export const WECHATPAY_AUTH_SCHEMA = 'WECHATPAY2-SHA256-RSA2048';

export interface RequestToSign {
  method: string;
  /** Path and query, exactly as sent: `/v3/pay/transactions/out-trade-no/A1?mchid=1900000001`. */
  url: string;
  /** Unix seconds. */
  timestamp: string;
  nonce: string;
  body: string;
}

export function requestSignMessage(request: RequestToSign): string {
  return `${request.method}\n${request.url}\n${request.timestamp}\n${request.nonce}\n${request.body}\n`;
}

export interface MerchantCredentials {
  mchid: string;
  /** Serial of the merchant API certificate whose private key signs. */
  serial: string;
  privateKey: KeyObject | string;
}

export function authorizationHeader(merchant: MerchantCredentials, request: RequestToSign): string {
  const signature = createSign('sha256')
    .update(requestSignMessage(request), 'utf8')
    .sign(merchant.privateKey, 'base64');
  return `${WECHATPAY_AUTH_SCHEMA} mchid="${merchant.mchid}",nonce_str="${request.nonce}",signature="${signature}",timestamp="${request.timestamp}",serial_no="${merchant.serial}"`;
}

export interface AuthorizationParts {
  mchid: string;
  nonce_str: string;
  signature: string;
  timestamp: string;
  serial_no: string;
}

/** The header's parts, or undefined when it is not a WECHATPAY2-SHA256-RSA2048 header with all five. */
export function parseAuthorization(header: string): AuthorizationParts | undefined {
  if (!header.startsWith(`${WECHATPAY_AUTH_SCHEMA} `)) return undefined;
  const parts = new Map<string, string>();
  for (const match of header.slice(WECHATPAY_AUTH_SCHEMA.length + 1).matchAll(/(\w+)="([^"]*)"/g)) {
    parts.set(match[1]!, match[2]!);
  }
  const mchid = parts.get('mchid');
  const nonce_str = parts.get('nonce_str');
  const signature = parts.get('signature');
  const timestamp = parts.get('timestamp');
  const serial_no = parts.get('serial_no');
  if (!mchid || !nonce_str || !signature || !timestamp || !serial_no) return undefined;
  return { mchid, nonce_str, signature, timestamp, serial_no };
}

/** 32 characters of [0-9A-Z], as the SDKs send. */
export function requestNonce(): string {
  return randomBytes(16).toString('hex').toUpperCase();
}
