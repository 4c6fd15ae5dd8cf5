// The Tencent Cloud and Alibaba Cloud SMS channels as routes.yaml configures them, against loopback
// fakes of both APIs that verify each request's signature: delivery with the template values, the
// providers' error shapes classified for the outbox, and the per-number limit with its count.
import { cp, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SmsSuppression } from '../../src/notify/channels/sms-delivery.ts';
import { createChannel } from '../../src/notify/create-channel.ts';
import { DeliveryError } from '../../src/notify/delivery-error.ts';
import { PhoneRateLimiter } from '../../src/notify/sms/phone-rate-limiter.ts';
import type { ChannelConfig } from '../../src/rules-config/channel-configs.ts';
import { formatLoadError } from '../../src/rules-config/load-error.ts';
import { requiredEnvVars } from '../../src/rules-config/receivers.ts';
import { loadRuleSet } from '../../src/rules-config/rule-set.ts';
import { type FakeSmsApi, startFakeAliyunSms, startFakeTencentSms } from './fake-sms-apis.ts';
import { firingNotification } from './sample-notification.ts';

const SHIPPED = path.resolve(import.meta.dirname, '../../../alert-rules');

const SMS_RECEIVER = `
  - name: oncall-sms
    primary:
      - kind: tencent_sms
        secret_id_env: TC_SECRET_ID
        secret_key_env: TC_SECRET_KEY
        endpoint_env: TC_SMS_ENDPOINT
        sdk_app_id: "1400000001"
        template_id: "1234567"
        sign_name: 订单脉搏
        phone_numbers: ["+8613800000001", "+8613800000002"]
        template_params: [rule, store, count]
        max_per_number: 2
        per_number_window: 10m
    backup:
      - kind: aliyun_sms
        access_key_id_env: ALI_KEY_ID
        access_key_secret_env: ALI_KEY_SECRET
        endpoint_env: ALI_SMS_ENDPOINT
        template_code: SMS_123456789
        sign_name: 订单脉搏
        phone_numbers_env: ALI_PHONES
        template_params: [rule, store, count, status]
`;

async function rulesWith(receivers: string): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'op-sms-rules-'));
  await cp(SHIPPED, dir, { recursive: true, filter: (src) => !src.includes(`${path.sep}prometheus`) });
  const routes = path.join(dir, 'routes.yaml');
  await writeFile(routes, `${await readFile(routes, 'utf8')}${receivers}`);
  return dir;
}

describe('SMS channels in routes.yaml', () => {
  let tencentConfig: ChannelConfig;
  let aliyunConfig: ChannelConfig;
  let required: string[];

  beforeAll(async () => {
    const loaded = await loadRuleSet(await rulesWith(SMS_RECEIVER));
    if (!loaded.ok) throw new Error(loaded.errors.map(formatLoadError).join('\n'));
    const receiver = loaded.ruleSet.routing.receivers['oncall-sms']!;
    tencentConfig = receiver.primary[0]!;
    aliyunConfig = receiver.backup[0]!;
    required = requiredEnvVars(loaded.ruleSet.routing);
  });

  it('reads both kinds with their settings, naming only variables', () => {
    expect(tencentConfig).toEqual({
      kind: 'tencent_sms',
      secretIdEnv: 'TC_SECRET_ID',
      secretKeyEnv: 'TC_SECRET_KEY',
      endpointEnv: 'TC_SMS_ENDPOINT',
      sdkAppId: '1400000001',
      templateId: '1234567',
      region: 'ap-guangzhou',
      signName: '订单脉搏',
      phoneNumbers: ['+8613800000001', '+8613800000002'],
      templateParams: ['rule', 'store', 'count'],
      rateLimit: { max: 2, windowMs: 600_000 },
    });
    expect(aliyunConfig).toMatchObject({
      kind: 'aliyun_sms',
      accessKeyIdEnv: 'ALI_KEY_ID',
      accessKeySecretEnv: 'ALI_KEY_SECRET',
      templateCode: 'SMS_123456789',
      phoneNumbers: [],
      phoneNumbersEnv: 'ALI_PHONES',
      rateLimit: { max: 5, windowMs: 600_000 },
    });
    // The endpoint override may stay unset; the secrets and the numbers' variable may not.
    expect(required).toEqual(
      expect.arrayContaining(['TC_SECRET_ID', 'TC_SECRET_KEY', 'ALI_KEY_SECRET', 'ALI_PHONES']),
    );
    expect(required).not.toContain('TC_SMS_ENDPOINT');
  });

  it('refuses literal secrets, bad template ids, unknown template fields and channels without numbers', async () => {
    const loaded = await loadRuleSet(
      await rulesWith(`
  - name: broken-sms
    primary:
      - kind: tencent_sms
        secret_id_env: TC_SECRET_ID
        secret_key: "plain-text-secret"
        sdk_app_id: "1400000001"
        template_id: "abc"
        sign_name: 订单脉搏
        template_params: [rule, order_id]
`),
    );
    expect(loaded.ok).toBe(false);
    const messages = loaded.ok ? '' : loaded.errors.map(formatLoadError).join('\n');
    expect(messages).toMatch(/secret_key.*secret_key_env/);
    expect(messages).toMatch(/template_id.*template id/);
    expect(messages).toMatch(/order_id/);
    expect(messages).toMatch(/phone_numbers or phone_numbers_env/);
    expect(messages).toMatch(/secret_key_env/);
  });

  describe('delivering through loopback fakes that verify signatures', () => {
    let tencent: FakeSmsApi;
    let aliyun: FakeSmsApi;
    const suppressions: SmsSuppression[] = [];
    const clock = { now: Date.parse('2026-12-01T02:00:00Z') };
    let env: Record<string, string>;
    const build = (
      config: ChannelConfig,
      overrides: Record<string, string> = {},
      limiter = new PhoneRateLimiter(),
    ) =>
      createChannel(config, {
        env: { ...env, ...overrides },
        now: () => clock.now,
        smsLimiter: limiter,
        onSmsSuppressed: (e) => suppressions.push(e),
      });

    beforeAll(async () => {
      tencent = await startFakeTencentSms('AKIDtest', 'tencent-secret-key');
      aliyun = await startFakeAliyunSms('LTAItest', 'aliyun-secret');
      env = {
        TC_SECRET_ID: 'AKIDtest',
        TC_SECRET_KEY: 'tencent-secret-key',
        TC_SMS_ENDPOINT: tencent.baseUrl,
        ALI_KEY_ID: 'LTAItest',
        ALI_KEY_SECRET: 'aliyun-secret',
        ALI_SMS_ENDPOINT: aliyun.baseUrl,
        ALI_PHONES: '13800000003, 13800000004',
      };
    });
    afterAll(async () => {
      await tencent.close();
      await aliyun.close();
    });

    it('Tencent Cloud: a signed SendSms with the template values cut to 6 characters', async () => {
      await build(tencentConfig).send(
        firingNotification({ rule: 'order_stalled', storeId: 'SH-PUDONG-01', count: 12 }),
      );
      expect(tencent.badSignatures).toBe(0);
      expect(tencent.sent).toEqual([
        {
          phones: ['+8613800000001', '+8613800000002'],
          params: ['order_', 'SH-PUD', '12'],
          signName: '订单脉搏',
          template: '1234567',
        },
      ]);
    });

    it('Alibaba Cloud: a signed SendSms with named template values and the numbers from the environment', async () => {
      await build(aliyunConfig).send(firingNotification({ rule: 'order_stalled', storeId: 's-9', count: 3 }));
      expect(aliyun.badSignatures).toBe(0);
      expect(aliyun.sent).toEqual([
        {
          phones: ['13800000003', '13800000004'],
          params: { rule: 'order_stalled', store: 's-9', count: '3', status: '告警' },
          signName: '订单脉搏',
          template: 'SMS_123456789',
        },
      ]);
    });

    it('a wrong secret is refused by the fake and is a permanent failure in both shapes', async () => {
      const tencentError = await build(tencentConfig, { TC_SECRET_KEY: 'wrong' })
        .send(firingNotification())
        .catch((e: unknown) => e);
      expect(tencentError).toBeInstanceOf(DeliveryError);
      expect(tencentError).toMatchObject({ retryable: false, code: 'rejected' });
      expect((tencentError as Error).message).toContain('AuthFailure.SignatureFailure');
      expect((tencentError as Error).message).not.toContain('wrong');

      const aliyunError = await build(aliyunConfig, { ALI_KEY_SECRET: 'wrong' })
        .send(firingNotification())
        .catch((e: unknown) => e);
      expect(aliyunError).toMatchObject({ retryable: false, code: 'rejected', status: 400 });
      expect((aliyunError as Error).message).toContain('SignatureDoesNotMatch');
      expect(tencent.badSignatures).toBe(1);
      expect(aliyun.badSignatures).toBe(1);
    });

    it('provider flow control is reported as rate_limited', async () => {
      aliyun.refuse.add('13800000003');
      const error = await build(aliyunConfig)
        .send(firingNotification())
        .catch((e: unknown) => e);
      aliyun.refuse.clear();
      expect(error).toMatchObject({ code: 'rate_limited', retryable: false });
      expect((error as Error).message).toContain('isv.BUSINESS_LIMIT_CONTROL');

      tencent.refuse.add('+8613800000001');
      tencent.refuse.add('+8613800000002');
      const all = await build(tencentConfig)
        .send(firingNotification())
        .catch((e: unknown) => e);
      tencent.refuse.clear();
      expect(all).toMatchObject({ code: 'rate_limited' });
    });

    it('texts a number at most max_per_number times per window and counts the rest as suppressed', async () => {
      const limiter = new PhoneRateLimiter();
      const channel = build(tencentConfig, {}, limiter);
      const before = tencent.sent.length;
      suppressions.length = 0;
      for (let i = 0; i < 4; i++) {
        await channel.send(firingNotification({ count: i }));
        clock.now += 60_000;
      }
      expect(tencent.sent.length - before).toBe(2);
      expect(suppressions).toEqual([
        { channel: 'tencent_sms', suppressed: 2 },
        { channel: 'tencent_sms', suppressed: 2 },
      ]);
      // The window slides: ten minutes after the first text, one more is allowed.
      clock.now += 6 * 60_000;
      await channel.send(firingNotification());
      expect(tencent.sent.length - before).toBe(3);
    });

    it('counts concurrent sends together, and gives back the slot of a number the provider refused', async () => {
      const channel = build(tencentConfig, {}, new PhoneRateLimiter());
      const before = tencent.sent.length;
      await Promise.all([1, 2, 3].map((count) => channel.send(firingNotification({ count }))));
      expect(tencent.sent.length - before).toBe(2);

      const refusing = build(tencentConfig, {}, new PhoneRateLimiter());
      tencent.refuse.add('+8613800000001');
      await refusing.send(firingNotification());
      await refusing.send(firingNotification());
      tencent.refuse.clear();
      // +…001 was refused twice, so both of its slots are free again; +…002 has used its two.
      const afterRefusals = tencent.sent.length;
      await refusing.send(firingNotification());
      expect(tencent.sent.slice(afterRefusals)).toEqual([
        expect.objectContaining({ phones: ['+8613800000001'] }),
      ]);
    });
  });
});
