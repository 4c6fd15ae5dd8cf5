// WeChat Pay platform certificate expiry, with real certificates made by the openssl CLI: one
// expiring in 10 days (warned), one in a year (fine), and a bare public key (expiry unknown). Seen
// in the log at start, in /readyz and as orderpulse_wechatpay_platform_cert_expiry_seconds.
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type App, buildApp } from '../../src/app.ts';
import { platformKeysExpiry } from '../../src/ingest/wechatpay/platform-key-expiry.ts';
import { loadPlatformKeys } from '../../src/ingest/wechatpay/platform-keys.ts';
import { auth, testConfig } from '../support/test-app.ts';
import { openTestDatabase, type TestDatabase } from '../support/test-database.ts';

const DAY = 86_400_000;
const APIV3_KEY = 'k'.repeat(32);

function makeCertificate(
  dir: string,
  name: string,
  days: number,
): { path: string; serial: string; notAfterMs: number } {
  const path = join(dir, `${name}.pem`);
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      join(dir, `${name}.key`),
      '-out',
      path,
      '-days',
      String(days),
      '-subj',
      `/CN=${name}`,
    ],
    { stdio: 'ignore' },
  );
  const certificate = new X509Certificate(readFileSync(path));
  return {
    path,
    serial: certificate.serialNumber.toUpperCase(),
    notAfterMs: Date.parse(certificate.validTo),
  };
}

function sample(text: string, name: string, serial: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{serial="${serial}"}`));
  return line === undefined ? undefined : Number(line.split(' ').at(-1));
}

describe('WeChat Pay platform certificate expiry', () => {
  const dir = mkdtempSync(join(tmpdir(), 'op-wxcert-'));
  const soon = makeCertificate(dir, 'soon', 10);
  const later = makeCertificate(dir, 'later', 365);
  const barePath = join(dir, 'bare.pem');
  writeFileSync(
    barePath,
    generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'pem' }),
  );

  let store: TestDatabase;
  let certApp: App;
  let bareApp: App;
  const logs: Record<string, unknown>[] = [];
  const logger = {
    level: 'warn',
    stream: new Writable({
      write(chunk, _encoding, done) {
        for (const line of String(chunk).split('\n').filter(Boolean)) logs.push(JSON.parse(line));
        done();
      },
    }),
  };

  beforeAll(async () => {
    store = await openTestDatabase('pglite');
    const build = async (keys: string) => {
      const app = await buildApp(
        testConfig({
          ORDERPULSE_WECHATPAY_APIV3_KEY: APIV3_KEY,
          ORDERPULSE_WECHATPAY_PLATFORM_PUBLIC_KEY: keys,
        }),
        { db: store.db, logger },
      );
      await app.server.ready();
      return app;
    };
    certApp = await build(`${soon.path},${later.path}`);
    bareApp = await build(`PUB_KEY_ID_0114232134912410000000000000=${barePath}`);
  });
  afterAll(async () => {
    await certApp.server.close();
    await bareApp.server.close();
    await store.dispose();
  });

  it('warns in the log at start about the certificate expiring within 30 days only', () => {
    const warnings = logs.filter((l) => l.provider === 'wechatpay').map((l) => String(l.msg));
    expect(warnings.filter((m) => m.includes(soon.serial))).toEqual([
      expect.stringMatching(/expires at .* \(in 9 days\)|expires at .* \(in 10 days\)/),
    ]);
    expect(warnings.some((m) => m.includes(later.serial))).toBe(false);
    expect(warnings.filter((m) => m.includes('PUB_KEY_ID_0114232134912410000000000000'))).toEqual([
      expect.stringContaining('expiry is unknown'),
    ]);
  });

  it('reports each key in /readyz: expiring, ok, or unknown for a bare public key', async () => {
    const ready = await certApp.server.inject({ url: '/readyz', headers: auth('viewer') });
    const check = ready.json().checks.wechatpay_platform_keys;
    expect(check.ok).toBe(true);
    expect(check.detail.keys).toEqual([
      expect.objectContaining({
        serial: soon.serial,
        kind: 'certificate',
        state: 'expiring',
        not_after: new Date(soon.notAfterMs).toISOString(),
      }),
      expect.objectContaining({ serial: later.serial, state: 'ok' }),
    ]);
    expect(check.detail.warnings).toHaveLength(1);

    const bare = (await bareApp.server.inject({ url: '/readyz', headers: auth('viewer') })).json().checks
      .wechatpay_platform_keys;
    expect(bare.detail.keys).toEqual([
      {
        serial: 'PUB_KEY_ID_0114232134912410000000000000',
        kind: 'public_key',
        state: 'unknown',
        not_after: null,
        expires_in_days: null,
      },
    ]);
  });

  it('exports seconds until notAfter and the notAfter timestamp per certificate', async () => {
    const text = (await certApp.server.inject('/metrics')).body;
    const name = 'orderpulse_wechatpay_platform_cert_expiry_seconds';
    const soonLeft = sample(text, name, soon.serial)!;
    expect(soonLeft).toBeGreaterThan(9 * 86_400);
    expect(soonLeft).toBeLessThanOrEqual(10 * 86_400);
    expect(sample(text, name, later.serial)).toBeGreaterThan(300 * 86_400);
    expect(sample(text, 'orderpulse_wechatpay_platform_cert_expiry_timestamp_seconds', soon.serial)).toBe(
      soon.notAfterMs / 1000,
    );
    const bareText = (await bareApp.server.inject('/metrics')).body;
    expect(bareText).not.toMatch(/^orderpulse_wechatpay_platform_cert_expiry_seconds\{/m);
  });

  it('calls a certificate past its notAfter expired', () => {
    const keys = loadPlatformKeys(`${soon.path},${later.path}`).keys;
    const expiry = platformKeysExpiry(keys, soon.notAfterMs + DAY);
    expect(expiry.keys.map((k) => k.state)).toEqual(['expired', 'ok']);
    expect(expiry.keys[0]!.expires_in_days).toBe(-1);
    expect(expiry.warnings).toEqual([expect.stringContaining('expired at')]);
  });
});
