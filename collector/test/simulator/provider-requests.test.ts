// What the simulator posts as WeChat Pay, Alipay and Kuaidi100 passes the collector's own verifiers
// (signature, decryption, mapping), with keys made the way `orderpulse demo` makes them.
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { alipayPublicKey } from '../../src/ingest/alipay/notify-signature.ts';
import { AlipayNotifyVerifier } from '../../src/ingest/alipay/notify-verifier.ts';
import { parseKuaidi100Push } from '../../src/ingest/kuaidi100/push.ts';
import { WechatPayNotifyVerifier } from '../../src/ingest/wechatpay/notify-verifier.ts';
import { loadPlatformKeys } from '../../src/ingest/wechatpay/platform-keys.ts';
import type { CarrierPush, PaymentCallback } from '../../src/simulator/actions.ts';
import { collectorEnvFor, ensureProviderKeys, KEY_FILES } from '../../src/simulator/sender/provider-keys.ts';
import { ProviderSigner } from '../../src/simulator/sender/provider-requests.ts';

const dir = mkdtempSync(join(tmpdir(), 'op-sim-keys-'));
const keys = await ensureProviderKeys(dir);
const env = collectorEnvFor(dir, keys);
const signer = new ProviderSigner(keys);
const now = Date.parse('2026-11-25T12:00:00Z');

const callback = (provider: PaymentCallback['provider']): PaymentCallback => ({
  provider,
  orderId: 'Oabc-ST0042-1-f',
  storeId: 'ST0042',
  tillId: 'ST0042-POS2',
  transactionId: provider === 'wechatpay' ? '4200000123456789012345678901' : '2026112522001412345678901234',
  notifyId: provider === 'wechatpay' ? 'b1c2d3e4-0000-4000-8000-123456789abc' : 'notify0001',
  amountFen: 12_345,
  paidAt: now - 90_000,
  tradeType: 'MICROPAY',
  payer: provider === 'wechatpay' ? 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o' : '2088102122524333',
});

describe('provider keys', () => {
  it('are made once, private halves readable only by the owner, and configure the collector', async () => {
    expect(statSync(join(dir, KEY_FILES.wechatpayPrivateKey)).mode & 0o077).toBe(0);
    expect(Buffer.byteLength(env.ORDERPULSE_WECHATPAY_APIV3_KEY!)).toBe(32);
    const again = await ensureProviderKeys(dir);
    expect(again).toEqual(keys);
  });
});

describe('signed callbacks pass the production verifiers', () => {
  it('WeChat Pay: RSA-SHA256 signature and AEAD_AES_256_GCM resource', () => {
    const verifier = new WechatPayNotifyVerifier({
      apiV3Key: env.ORDERPULSE_WECHATPAY_APIV3_KEY!,
      platformKeys: loadPlatformKeys(env.ORDERPULSE_WECHATPAY_PLATFORM_PUBLIC_KEY!),
    });
    const request = signer.payment(callback('wechatpay'), now);
    expect(request.path).toBe('/v1/notify/wechatpay');
    const outcome = verifier.verify(request.headers, Buffer.from(request.body), now);
    expect(outcome).toMatchObject({
      ok: true,
      kind: 'event',
      event: {
        id: 'b1c2d3e4-0000-4000-8000-123456789abc',
        orderId: 'Oabc-ST0042-1-f',
        storeId: 'ST0042',
        amountFen: 12_345,
        occurredAt: Math.floor((now - 90_000) / 1000) * 1000,
        status: 'success',
      },
    });
    // A tampered body fails: the signature really covers it.
    const forged = verifier.verify(
      request.headers,
      Buffer.from(request.body.replace('encrypt', 'Encrypt')),
      now,
    );
    expect(forged).toMatchObject({ ok: false, error: 'signature_invalid' });
  });

  it('Alipay: RSA2 over the sorted parameters, store in passback_params', () => {
    const verifier = new AlipayNotifyVerifier({
      publicKey: alipayPublicKey(readFileSync(env.ORDERPULSE_ALIPAY_PUBLIC_KEY!, 'utf8')),
    });
    const request = signer.payment(callback('alipay'), now);
    expect(request.path).toBe('/v1/notify/alipay');
    expect(verifier.verify(request.body, now)).toMatchObject({
      ok: true,
      kind: 'event',
      event: { id: 'notify0001', orderId: 'Oabc-ST0042-1-f', storeId: 'ST0042', amountFen: 12_345 },
    });
    expect(
      verifier.verify(request.body.replace('total_amount=123.45', 'total_amount=1.45'), now),
    ).toMatchObject({
      ok: false,
      error: 'signature_invalid',
    });
  });

  it('Kuaidi100: MD5(param + salt), the whole history newest first, states mapped', () => {
    const push: CarrierPush = {
      carrier: 'yunda',
      trackingNo: '4312345678901',
      orderId: 'Cabc-ST0042-0',
      checkpoints: [
        {
          at: now - 30 * 3_600_000,
          code: '1',
          name: '揽收',
          city: '杭州市',
          context: '【杭州市】快件已被揽收',
        },
        { at: now - 20 * 3_600_000, code: '0', name: '在途', city: '武汉市', context: '【武汉市】到达' },
        { at: now - 2 * 3_600_000, code: '6', name: '退回', city: '成都市', context: '【成都市】快件已退回' },
      ],
    };
    const request = signer.kuaidi100(push);
    const form = new URLSearchParams(request.body);
    const parsed = parseKuaidi100Push(
      { param: form.get('param') ?? undefined, sign: form.get('sign') ?? undefined },
      env.ORDERPULSE_KUAIDI100_SALT!,
    );
    expect(parsed.trackingNo).toBe('4312345678901');
    expect(parsed.updates.map((u) => u.state)).toEqual(['collected', 'in_transit', 'returned']);
    expect(parsed.updates.map((u) => u.location)).toEqual(['杭州市', '武汉市', '成都市']);
    expect(() =>
      parseKuaidi100Push({ param: form.get('param')!, sign: form.get('sign')! }, 'another-salt'),
    ).toThrow();
  });
});
