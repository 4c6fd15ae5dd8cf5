// WeChat Pay signs its API answers the way it signs notifies: Wechatpay-Signature over
// "TIMESTAMP\nNONCE\nBODY\n" with the platform key named by Wechatpay-Serial
// (pay.weixin.qq.com/docs/merchant/development/interface-rules/build-verify-sign-src.html), so the
// notify path's primitives verify them.
import {
  isTimestampStale,
  parseNotifyTimestamp,
  SIGN_PROBE_PREFIX,
  verifyNotifySignature,
} from '../../ingest/wechatpay/notify-signature.ts';
import type { PlatformKeySet } from '../../ingest/wechatpay/platform-keys.ts';

export type ResponseSignatureCheck = { ok: true } | { ok: false; message: string };

/** `header` reads one response header by name (case-insensitive, as fetch's Headers does). */
export function verifyResponseSignature(
  header: (name: string) => string | null,
  body: Uint8Array,
  keys: PlatformKeySet,
  nowMs: number,
): ResponseSignatureCheck {
  const signature = header('Wechatpay-Signature')?.trim();
  const timestamp = header('Wechatpay-Timestamp')?.trim();
  const nonce = header('Wechatpay-Nonce')?.trim();
  const serial = header('Wechatpay-Serial')?.trim();
  if (!signature || !timestamp || !nonce || !serial) {
    return { ok: false, message: 'Wechatpay-Signature/Timestamp/Nonce/Serial header missing' };
  }
  if (signature.startsWith(SIGN_PROBE_PREFIX)) return { ok: false, message: 'signature probe' };
  const timestampMs = parseNotifyTimestamp(timestamp);
  if (timestampMs === undefined) return { ok: false, message: 'Wechatpay-Timestamp is not unix seconds' };
  if (isTimestampStale(timestampMs, nowMs))
    return { ok: false, message: 'timestamp 5 minutes or more from now' };
  const key = keys.get(serial);
  if (!key) return { ok: false, message: `no platform key for serial ${serial.slice(0, 40)}` };
  if (!verifyNotifySignature(key, timestamp, nonce, body, signature)) {
    return { ok: false, message: 'signature does not verify with the platform key' };
  }
  return { ok: true };
}
