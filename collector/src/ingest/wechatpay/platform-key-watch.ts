// Watches the WeChat Pay platform certificates' expiry: a warning in the log at start and twice a
// day while one is within 30 days of notAfter (or its expiry is unknown), the state as a readiness
// detail, and the seconds left as a metric. Expiry never makes the collector unready: the keys still
// verify the notifications signed before it, and a restart would not fix anything.
import { platformKeysExpiry } from './platform-key-expiry.ts';
import type { PlatformKeySet } from './platform-keys.ts';

const RECHECK_MS = 12 * 3_600_000;

export interface PlatformKeyWatchDeps {
  keys: PlatformKeySet;
  now: () => number;
  warn: (message: string) => void;
  /** Publishes each certificate's notAfter (the orderpulse metric of the same purpose). */
  publishCertificates: (certificates: readonly { serial: string; notAfterMs: number }[]) => void;
}

export class PlatformKeyWatch {
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly deps: PlatformKeyWatchDeps) {
    deps.publishCertificates(
      deps.keys.keys.flatMap((k) =>
        k.serial !== undefined && k.notAfterMs !== undefined && !Number.isNaN(k.notAfterMs)
          ? [{ serial: k.serial, notAfterMs: k.notAfterMs }]
          : [],
      ),
    );
  }

  /** The readiness check's detail: always ok, with each key's expiry. */
  readonly readiness = {
    name: 'wechatpay_platform_keys',
    check: async () => ({ ok: true, detail: platformKeysExpiry(this.deps.keys.keys, this.deps.now()) }),
  };

  start(): void {
    this.warnIfExpiring();
    this.timer = setInterval(() => this.warnIfExpiring(), RECHECK_MS);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private warnIfExpiring(): void {
    const expiry = platformKeysExpiry(this.deps.keys.keys, this.deps.now());
    for (const warning of expiry.warnings) this.deps.warn(warning);
  }
}
