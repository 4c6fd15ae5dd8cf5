// One WeChat Pay v3 notification from raw request to `payment.notify`: headers → probe → clock →
// serial → signature → envelope → decrypt → mapping. Signature before parsing, so nothing unauthenticated
// is ever interpreted. Rejections carry a machine code and the HTTP status the contract asks for.
import type { PaymentNotifyEvent } from '../../domain/events.ts';
import { mapNotification, parseEnvelope, type StoreResolution } from './notification.ts';
import {
  isTimestampStale,
  parseNotifyTimestamp,
  SIGN_PROBE_PREFIX,
  verifyNotifySignature,
} from './notify-signature.ts';
import type { PlatformKeySet } from './platform-keys.ts';
import { apiV3KeyBytes, decryptResource } from './resource-decrypt.ts';

export const WECHATPAY_REJECTION_CODES = [
  'signature_invalid',
  'timestamp_stale',
  'sign_probe',
  'unknown_serial',
  'decrypt_failed',
  'malformed',
] as const;
export type WechatPayRejectionCode = (typeof WECHATPAY_REJECTION_CODES)[number];

export interface WechatPayRejection {
  ok: false;
  error: WechatPayRejectionCode;
  message: string;
  /** 401 when the sender is not proven to be WeChat Pay, 400 when it is but the content is unusable. */
  status: 400 | 401;
}

export type WechatPayNotifyOutcome =
  | { ok: true; kind: 'event'; event: PaymentNotifyEvent }
  | { ok: true; kind: 'ignored'; notificationId: string; reason: string }
  | WechatPayRejection;

export interface WechatPayNotifyConfig extends StoreResolution {
  platformKeys: PlatformKeySet;
  /** The 32-character APIv3 key from the merchant platform. */
  apiV3Key: string;
}

export type HeaderBag = Readonly<Record<string, string | readonly string[] | undefined>>;

/**
 * The failure body WeChat documents (`{"code":"FAIL","message":…}`, message ≤ 64 chars) merged with the
 * contract's error shape, so both a WeChat engineer and an OrderPulse client can read it.
 */
export function wechatpayFailureBody(rejection: WechatPayRejection): {
  error: string;
  message: string;
  code: 'FAIL';
} {
  return { error: rejection.error, message: rejection.message.slice(0, 64), code: 'FAIL' };
}

const reject = (error: WechatPayRejectionCode, message: string): WechatPayRejection => ({
  ok: false,
  error,
  message,
  status: error === 'decrypt_failed' || error === 'malformed' ? 400 : 401,
});

// Node lower-cases incoming header names; tests and other callers may not.
function header(headers: HeaderBag, name: string): string | undefined {
  const lower = name.toLowerCase();
  const entry = Object.entries(headers).find(([key]) => key.toLowerCase() === lower);
  const value = entry?.[1];
  const first = typeof value === 'string' ? value : value?.[0];
  return first?.trim() || undefined;
}

export class WechatPayNotifyVerifier {
  readonly #config: WechatPayNotifyConfig;
  readonly #apiV3Key: Buffer;

  constructor(config: WechatPayNotifyConfig) {
    this.#config = config;
    this.#apiV3Key = apiV3KeyBytes(config.apiV3Key);
  }

  /** The platform keys it verifies with (their expiry is watched). */
  get platformKeys(): PlatformKeySet {
    return this.#config.platformKeys;
  }

  /** `rawBody` must be the bytes as received; `nowMs` is the collector's clock. */
  verify(headers: HeaderBag, rawBody: Uint8Array, nowMs: number): WechatPayNotifyOutcome {
    const signature = header(headers, 'Wechatpay-Signature');
    const timestamp = header(headers, 'Wechatpay-Timestamp');
    const nonce = header(headers, 'Wechatpay-Nonce');
    const serial = header(headers, 'Wechatpay-Serial');
    if (!signature || !timestamp || !nonce || !serial) {
      return reject('signature_invalid', 'Wechatpay-Signature/Timestamp/Nonce/Serial header missing');
    }
    // WeChat probes merchants with deliberately bad signatures; accepting one would prove we do not verify.
    if (signature.startsWith(SIGN_PROBE_PREFIX)) return reject('sign_probe', 'signature probe refused');
    const timestampMs = parseNotifyTimestamp(timestamp);
    if (timestampMs === undefined)
      return reject('signature_invalid', 'Wechatpay-Timestamp is not unix seconds');
    if (isTimestampStale(timestampMs, nowMs))
      return reject('timestamp_stale', 'timestamp 5 minutes or more from now');
    const key = this.#config.platformKeys.get(serial);
    if (!key) return reject('unknown_serial', `no platform key for serial ${serial.slice(0, 40)}`);
    if (!verifyNotifySignature(key, timestamp, nonce, rawBody, signature)) {
      return reject('signature_invalid', 'signature does not verify with the platform key');
    }

    const envelope = parseEnvelope(Buffer.from(rawBody).toString('utf8'));
    if (typeof envelope === 'string') return reject('malformed', envelope);
    let plaintext: string;
    try {
      plaintext = decryptResource(envelope.resource, this.#apiV3Key);
    } catch {
      return reject('decrypt_failed', 'resource does not decrypt with the APIv3 key');
    }
    const mapped = mapNotification(envelope, plaintext, this.#config);
    if (mapped.kind === 'malformed') return reject('malformed', mapped.message);
    if (mapped.kind === 'ignored')
      return { ok: true, kind: 'ignored', notificationId: envelope.id, reason: mapped.reason };
    return { ok: true, kind: 'event', event: mapped.event };
  }
}
