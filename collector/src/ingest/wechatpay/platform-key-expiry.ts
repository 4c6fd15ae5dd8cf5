// How close the WeChat Pay platform certificates are to their notAfter. After it, WeChat signs with
// a new certificate the collector does not have, and every payment notify is refused as unsigned:
// the operator needs weeks of warning to download and configure the new one.
import type { PlatformKeyInfo } from './platform-keys.ts';

export const PLATFORM_CERT_WARN_MS = 30 * 24 * 3_600_000;

export type PlatformKeyExpiryState = 'ok' | 'expiring' | 'expired' | 'unknown';

export interface PlatformKeyExpiry {
  serial: string | null;
  kind: PlatformKeyInfo['kind'];
  state: PlatformKeyExpiryState;
  /** RFC 3339; null when unknown (a bare public key has no expiry). */
  not_after: string | null;
  /** Whole days until notAfter (negative once expired); null when unknown. */
  expires_in_days: number | null;
}

export interface PlatformKeysExpiry {
  keys: PlatformKeyExpiry[];
  /** Sentences for the log and /readyz; empty when nothing needs attention. */
  warnings: string[];
}

const DAY_MS = 24 * 3_600_000;

export function platformKeysExpiry(
  keys: readonly PlatformKeyInfo[],
  nowMs: number,
  warnMs = PLATFORM_CERT_WARN_MS,
): PlatformKeysExpiry {
  const warnings: string[] = [];
  const described = keys.map((key): PlatformKeyExpiry => {
    const name = key.serial ?? '(no id)';
    if (key.notAfterMs === undefined || Number.isNaN(key.notAfterMs)) {
      warnings.push(
        `WeChat Pay platform key ${name} is a bare public key: its expiry is unknown; configure the platform certificate to be warned before it expires`,
      );
      return {
        serial: key.serial ?? null,
        kind: key.kind,
        state: 'unknown',
        not_after: null,
        expires_in_days: null,
      };
    }
    const left = key.notAfterMs - nowMs;
    const notAfter = new Date(key.notAfterMs).toISOString();
    const days = Math.floor(left / DAY_MS);
    const state: PlatformKeyExpiryState = left <= 0 ? 'expired' : left <= warnMs ? 'expiring' : 'ok';
    if (state === 'expired') {
      warnings.push(
        `WeChat Pay platform certificate ${name} expired at ${notAfter}; configure its successor`,
      );
    } else if (state === 'expiring') {
      warnings.push(
        `WeChat Pay platform certificate ${name} expires at ${notAfter} (in ${days} days); download its successor and add it to ORDERPULSE_WECHATPAY_PLATFORM_PUBLIC_KEY`,
      );
    }
    return { serial: key.serial ?? null, kind: key.kind, state, not_after: notAfter, expires_in_days: days };
  });
  return { keys: described, warnings };
}
