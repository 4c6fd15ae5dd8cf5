// Wechatpay-Signature = base64(SHA256withRSA(timestamp "\n" nonce "\n" body "\n")) over the body
// bytes exactly as received (wechatpay-go core/auth/validators/wechat_pay_validator.go). Re-serialising
// the JSON changes the bytes and breaks verification, so the HTTP layer must hand over the raw body.
import { createSign, type KeyObject, verify } from 'node:crypto';

export const SIGN_PROBE_PREFIX = 'WECHATPAY/SIGNTEST/';
/** The SDKs refuse a notification whose timestamp is this far or further from now, either way. */
export const MAX_CLOCK_SKEW_MS = 5 * 60_000;

export function notifySignMessage(timestamp: string, nonce: string, body: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from(`${timestamp}\n${nonce}\n`, 'utf8'), body, Buffer.from('\n', 'utf8')]);
}

export function verifyNotifySignature(
  key: KeyObject,
  timestamp: string,
  nonce: string,
  body: Uint8Array,
  signatureBase64: string,
): boolean {
  const signature = Buffer.from(signatureBase64, 'base64');
  if (signature.length === 0) return false;
  try {
    return verify('sha256', notifySignMessage(timestamp, nonce, body), key, signature);
  } catch {
    // A key of the wrong type or a garbled signature is a failed verification, not a crash.
    return false;
  }
}

/** What WeChat Pay does with its platform private key; tests and the simulator sign with their own. */
export function signNotify(
  privateKeyPem: string | KeyObject,
  timestamp: string,
  nonce: string,
  body: Uint8Array,
): string {
  return createSign('sha256')
    .update(notifySignMessage(timestamp, nonce, body))
    .sign(privateKeyPem, 'base64');
}

/** Whole seconds since the epoch; anything else is not a WeChat timestamp. */
export function parseNotifyTimestamp(timestamp: string): number | undefined {
  return /^\d{1,12}$/.test(timestamp) ? Number(timestamp) * 1000 : undefined;
}

export function isTimestampStale(timestampMs: number, nowMs: number): boolean {
  return Math.abs(nowMs - timestampMs) >= MAX_CLOCK_SKEW_MS;
}
