// WeChat Pay signs every notification with a platform key and names it in `Wechatpay-Serial`: a
// platform certificate's serial (hex) or, in "WeChat Pay public key" mode, a `PUB_KEY_ID_…` id.
// During rotation both the old and the new key are live, so the verifier holds a set keyed by serial.
import { createPublicKey, type KeyObject, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';

export interface PlatformKeySource {
  /** Serial or public-key id; derived from the certificate when omitted and the PEM is a certificate. */
  serial?: string;
  pem: string;
}

/** Thrown at start for a key that cannot be used: the operator must fix the configuration. */
export class PlatformKeyConfigError extends Error {
  constructor(message: string, options?: { cause: unknown }) {
    super(message, options);
    this.name = 'PlatformKeyConfigError';
  }
}

const CERTIFICATE_PEM = /-----BEGIN CERTIFICATE-----/;

/** What is known about a configured key's lifetime: a bare public key carries no expiry. */
export interface PlatformKeyInfo {
  /** Serial or public-key id; undefined for a bare key configured without one. */
  serial: string | undefined;
  kind: 'certificate' | 'public_key';
  /** The certificate's notAfter (epoch ms); undefined for a bare public key. */
  notAfterMs: number | undefined;
}

export class PlatformKeySet {
  readonly #bySerial: Map<string, KeyObject>;
  readonly #info: readonly PlatformKeyInfo[];
  /**
   * A bare public key configured without an id. It answers for any serial: with one key there is
   * nothing to rotate between, and the operator may not know the id. Keys with a serial always win.
   */
  readonly #unnamed: KeyObject | undefined;

  private constructor(
    bySerial: Map<string, KeyObject>,
    unnamed: KeyObject | undefined,
    info: readonly PlatformKeyInfo[],
  ) {
    this.#bySerial = bySerial;
    this.#unnamed = unnamed;
    this.#info = info;
  }

  static from(sources: readonly PlatformKeySource[]): PlatformKeySet {
    const bySerial = new Map<string, KeyObject>();
    let unnamed: KeyObject | undefined;
    const info: PlatformKeyInfo[] = [];
    for (const [index, source] of sources.entries()) {
      try {
        if (CERTIFICATE_PEM.test(source.pem)) {
          const certificate = new X509Certificate(source.pem);
          const serial = normaliseSerial(source.serial ?? certificate.serialNumber);
          bySerial.set(serial, certificate.publicKey);
          // validTo is OpenSSL's "Mar  1 00:00:00 2027 GMT", which Date.parse reads.
          info.push({ serial, kind: 'certificate', notAfterMs: Date.parse(certificate.validTo) });
        } else {
          const key = createPublicKey(source.pem);
          const serial = source.serial ? normaliseSerial(source.serial) : undefined;
          info.push({ serial, kind: 'public_key', notAfterMs: undefined });
          if (serial) bySerial.set(serial, key);
          else if (unnamed) {
            throw new PlatformKeyConfigError('only one platform public key may be given without its id');
          } else unnamed = key;
        }
      } catch (error) {
        if (error instanceof PlatformKeyConfigError) throw error;
        throw new PlatformKeyConfigError(
          `WeChat Pay platform key #${index + 1} is not a PEM public key or certificate`,
          {
            cause: error,
          },
        );
      }
    }
    if (bySerial.size === 0 && !unnamed)
      throw new PlatformKeyConfigError('no WeChat Pay platform key configured');
    return new PlatformKeySet(bySerial, unnamed, info);
  }

  /** Every configured key with its expiry, in configuration order. */
  get keys(): readonly PlatformKeyInfo[] {
    return this.#info;
  }

  /** The key for `serial`, or undefined when it is not one of ours (an unknown serial is refused). */
  get(serial: string): KeyObject | undefined {
    return this.#bySerial.get(normaliseSerial(serial)) ?? this.#unnamed;
  }

  get serials(): readonly string[] {
    return [...this.#bySerial.keys()];
  }
}

// Certificate serials are hex; WeChat sends them upper-case, OpenSSL prints them either way.
function normaliseSerial(serial: string): string {
  const trimmed = serial.trim();
  return /^[0-9a-fA-F]+$/.test(trimmed) ? trimmed.toUpperCase() : trimmed;
}

/**
 * Reads `ORDERPULSE_WECHATPAY_PLATFORM_PUBLIC_KEY`: one or more comma-separated entries, each a PEM
 * path optionally prefixed by its serial/id (`PUB_KEY_ID_0114…=/etc/op/wx-pub.pem,/etc/op/wx-cert.pem`).
 */
export function loadPlatformKeys(
  spec: string,
  readFile: (path: string) => string = (path) => readFileSync(path, 'utf8'),
): PlatformKeySet {
  const sources = spec
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry.length > 0)
    .map((entry): PlatformKeySource => {
      const eq = entry.indexOf('=');
      const path = eq >= 0 ? entry.slice(eq + 1).trim() : entry;
      let pem: string;
      try {
        pem = readFile(path);
      } catch (error) {
        throw new PlatformKeyConfigError(`cannot read WeChat Pay platform key file ${path}`, {
          cause: error,
        });
      }
      return eq >= 0 ? { serial: entry.slice(0, eq).trim(), pem } : { pem };
    });
  return PlatformKeySet.from(sources);
}
