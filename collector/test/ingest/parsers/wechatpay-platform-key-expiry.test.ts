// The platform certificates' expiry on a virtual clock, with the repository's test certificate
// (notAfter 2126-11-01T19:14:18Z) and a bare public key: the state and whole days per key, the
// warning sentences, and the watch that logs them at start and every twelve hours.
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  PLATFORM_CERT_WARN_MS,
  platformKeysExpiry,
} from '../../../src/ingest/wechatpay/platform-key-expiry.ts';
import { PlatformKeyWatch } from '../../../src/ingest/wechatpay/platform-key-watch.ts';
import { PlatformKeySet } from '../../../src/ingest/wechatpay/platform-keys.ts';

const DAY = 86_400_000;
const CERT_PEM = readFileSync(
  new URL('../../support/fixtures/wechatpay-platform-cert.pem', import.meta.url),
  'utf8',
);
const SERIAL = '21BC5C0E19CF953DA421E5275B1AB7741FBF465C';
const NOT_AFTER = Date.parse('2126-11-01T19:14:18Z');
const BARE_PEM = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  .publicKey.export({ type: 'spki', format: 'pem' })
  .toString();

const certificate = { serial: SERIAL, kind: 'certificate' as const, notAfterMs: NOT_AFTER };

describe('platformKeysExpiry', () => {
  it('warns 30 days ahead by default', () => {
    expect(PLATFORM_CERT_WARN_MS).toBe(30 * DAY);
  });

  it('calls a certificate with more than the warning time left ok, with no warning', () => {
    expect(platformKeysExpiry([certificate], NOT_AFTER - 30 * DAY - 1)).toEqual({
      keys: [
        {
          serial: SERIAL,
          kind: 'certificate',
          state: 'ok',
          not_after: '2126-11-01T19:14:18.000Z',
          expires_in_days: 30,
        },
      ],
      warnings: [],
    });
  });

  it('calls it expiring from the warning time to its last millisecond, counting whole days left', () => {
    const at30 = platformKeysExpiry([certificate], NOT_AFTER - 30 * DAY);
    expect(at30.keys[0]).toMatchObject({ state: 'expiring', expires_in_days: 30 });
    expect(at30.warnings).toEqual([
      `WeChat Pay platform certificate ${SERIAL} expires at 2126-11-01T19:14:18.000Z (in 30 days); download its successor and add it to ORDERPULSE_WECHATPAY_PLATFORM_PUBLIC_KEY`,
    ]);
    expect(platformKeysExpiry([certificate], NOT_AFTER - DAY - 1).keys[0]).toMatchObject({
      state: 'expiring',
      expires_in_days: 1,
    });
    expect(platformKeysExpiry([certificate], NOT_AFTER - 1).keys[0]).toMatchObject({
      state: 'expiring',
      expires_in_days: 0,
    });
  });

  it('calls it expired at its notAfter, with negative days after', () => {
    const at = platformKeysExpiry([certificate], NOT_AFTER);
    expect(at.keys[0]).toMatchObject({ state: 'expired', expires_in_days: 0 });
    expect(at.warnings).toEqual([
      `WeChat Pay platform certificate ${SERIAL} expired at 2126-11-01T19:14:18.000Z; configure its successor`,
    ]);
    expect(platformKeysExpiry([certificate], NOT_AFTER + DAY / 2).keys[0]).toMatchObject({
      expires_in_days: -1,
    });
  });

  it('uses the warning time given', () => {
    expect(platformKeysExpiry([certificate], NOT_AFTER - 5 * DAY, 5 * DAY).keys[0]!.state).toBe('expiring');
    expect(platformKeysExpiry([certificate], NOT_AFTER - 5 * DAY - 1, 5 * DAY).keys[0]!.state).toBe('ok');
  });

  it('calls a bare public key unknown and says how to be warned, named by its id or (no id)', () => {
    const expiry = platformKeysExpiry(
      [
        { serial: 'PUB_KEY_ID_01', kind: 'public_key', notAfterMs: undefined },
        { serial: undefined, kind: 'public_key', notAfterMs: Number.NaN },
      ],
      NOT_AFTER,
    );
    expect(expiry.keys).toEqual([
      {
        serial: 'PUB_KEY_ID_01',
        kind: 'public_key',
        state: 'unknown',
        not_after: null,
        expires_in_days: null,
      },
      { serial: null, kind: 'public_key', state: 'unknown', not_after: null, expires_in_days: null },
    ]);
    expect(expiry.warnings).toEqual([
      'WeChat Pay platform key PUB_KEY_ID_01 is a bare public key: its expiry is unknown; configure the platform certificate to be warned before it expires',
      'WeChat Pay platform key (no id) is a bare public key: its expiry is unknown; configure the platform certificate to be warned before it expires',
    ]);
  });

  it('names an expiring certificate without a serial (no id) and gives a null serial', () => {
    const expiry = platformKeysExpiry([{ ...certificate, serial: undefined }], NOT_AFTER);
    expect(expiry.keys[0]!.serial).toBeNull();
    expect(expiry.warnings[0]).toMatch(/^WeChat Pay platform certificate \(no id\) expired/);
  });
});

describe('PlatformKeyWatch', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  const keys = PlatformKeySet.from([{ pem: CERT_PEM }, { serial: 'PUB_KEY_ID_01', pem: BARE_PEM }]);

  it('publishes the notAfter of each certificate, leaving out keys without one', () => {
    const published: unknown[] = [];
    new PlatformKeyWatch({
      keys,
      now: () => 0,
      warn: () => {},
      publishCertificates: (c) => published.push(c),
    });
    expect(published).toEqual([[{ serial: SERIAL, notAfterMs: NOT_AFTER }]]);
  });

  it('reports every key in its readiness detail and stays ready when one has expired', async () => {
    const watch = new PlatformKeyWatch({
      keys,
      now: () => NOT_AFTER + DAY,
      warn: () => {},
      publishCertificates: () => {},
    });
    expect(watch.readiness.name).toBe('wechatpay_platform_keys');
    const result = await watch.readiness.check();
    expect(result.ok).toBe(true);
    expect(result.detail.keys.map((k) => k.state)).toEqual(['expired', 'unknown']);
  });

  it('logs the warnings at start and again every twelve hours until stopped', () => {
    vi.useFakeTimers();
    let now = NOT_AFTER - 10 * DAY;
    const warned: string[] = [];
    const watch = new PlatformKeyWatch({
      keys: PlatformKeySet.from([{ pem: CERT_PEM }]),
      now: () => now,
      warn: (m) => warned.push(m),
      publishCertificates: () => {},
    });
    watch.start();
    expect(warned).toEqual([expect.stringContaining('(in 10 days)')]);
    now += 12 * 3_600_000 - 1;
    vi.advanceTimersByTime(12 * 3_600_000 - 1);
    expect(warned).toHaveLength(1);
    now += 1;
    vi.advanceTimersByTime(1);
    expect(warned).toEqual([expect.stringContaining('(in 10 days)'), expect.stringContaining('(in 9 days)')]);
    watch.stop();
    vi.advanceTimersByTime(24 * 3_600_000);
    expect(warned).toHaveLength(2);
  });
});
