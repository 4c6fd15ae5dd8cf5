// Every channel's message links to the phone page of the group's oldest alert: the chat robots, Slack,
// e-mail, the webhook and Alertmanager against loopback receivers, the SMS providers against loopback
// fakes that check signatures (with `link` among the template's values).
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Alert } from '../../src/domain/alerts/alert.ts';
import type { PlannedNotification } from '../../src/domain/alerts/notification-plan.ts';
import { AlertmanagerChannel } from '../../src/notify/channels/alertmanager.ts';
import { DingTalkChannel } from '../../src/notify/channels/dingtalk.ts';
import { EmailChannel } from '../../src/notify/channels/email.ts';
import { FeishuChannel } from '../../src/notify/channels/feishu.ts';
import { SlackChannel } from '../../src/notify/channels/slack.ts';
import { WebhookChannel } from '../../src/notify/channels/webhook.ts';
import { WeComChannel } from '../../src/notify/channels/wecom.ts';
import { createChannel } from '../../src/notify/create-channel.ts';
import type { Notification } from '../../src/notify/notification.ts';
import { notificationFromPlan } from '../../src/notify/notification-from-plan.ts';
import { PhoneRateLimiter } from '../../src/notify/sms/phone-rate-limiter.ts';
import { type FakeSmsApi, startFakeAliyunSms, startFakeTencentSms } from './fake-sms-apis.ts';
import { type LoopbackReceiver, startReceiver } from './loopback-receiver.ts';
import { decodeMail } from './mime-decode.ts';

const NOW = Date.parse('2026-11-11T10:00:00Z');
const BASE = 'https://orderpulse.example.com/ops/';

function alert(id: string, orderId: string, startedAt: number): Alert {
  return {
    id,
    rule: 'payment_unapplied',
    severity: 'critical',
    status: 'firing',
    entityType: 'order',
    entityId: orderId,
    storeId: 'S-001',
    summary: { zh: `订单 ${orderId} 支付未入账`, en: `order ${orderId} payment not applied` },
    labels: { provider: 'wechatpay' },
    startedAt,
    firingAt: startedAt,
    updatedAt: startedAt,
    resolvedAt: undefined,
    acknowledgedAt: undefined,
    acknowledgedBy: undefined,
    ackNote: undefined,
    reopenCount: 0,
  } as Alert;
}

function groupOf(firing: Alert[]): PlannedNotification {
  return {
    groupKey: '0:{rule="payment_unapplied",store_id="S-001"}',
    group: { labels: { rule: 'payment_unapplied', store_id: 'S-001' } },
    reason: 'new',
    level: 0,
    firing,
    resolved: [],
  } as never;
}

// The second alert is the older one: the message's "since" is its start, so the link opens it.
const notification: Notification = notificationFromPlan(
  groupOf([alert('al-newer', 'O-2', NOW - 60_000), alert('al-older/1', 'O-1', NOW - 300_000)]),
  { receiver: 'oncall', dashboardBaseUrl: BASE, now: NOW },
);
const LINK = 'https://orderpulse.example.com/ops/#/on-call/al-older%2F1';

describe('the link every message carries', () => {
  it('opens the phone page of the group oldest alert', () => {
    expect(notification.dashboardUrl).toBe(LINK);
  });

  it('opens the alerts page for a notice that has no alert', () => {
    const empty = notificationFromPlan(groupOf([]), { receiver: 'oncall', dashboardBaseUrl: BASE, now: NOW });
    expect(empty.dashboardUrl).toBe(
      'https://orderpulse.example.com/ops/#/alerts?rule=payment_unapplied&store_id=S-001',
    );
  });
});

describe('each channel renders the link', () => {
  let receiver: LoopbackReceiver;
  let smtp: SMTPServer;
  let smtpPort: number;
  const mails: string[] = [];
  let tencent: FakeSmsApi;
  let aliyun: FakeSmsApi;

  beforeAll(async () => {
    // One reply every robot takes as success: WeCom and DingTalk read `errcode`, Feishu `code`.
    receiver = await startReceiver({ status: 200, body: JSON.stringify({ errcode: 0, code: 0, msg: 'ok' }) });
    smtp = new SMTPServer({
      authOptional: true,
      hideSTARTTLS: true,
      logger: false,
      onData(stream, _session, callback) {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          mails.push(Buffer.concat(chunks).toString('utf8'));
          callback();
        });
      },
    });
    await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
    smtpPort = (smtp.server.address() as AddressInfo).port;
    tencent = await startFakeTencentSms('AKIDtest', 'tencent-secret-key');
    aliyun = await startFakeAliyunSms('LTAItest', 'aliyun-secret');
  });

  afterAll(async () => {
    await receiver.close();
    await new Promise<void>((resolve) => smtp.close(() => resolve()));
    await tencent.close();
    await aliyun.close();
  });

  const robots = [
    ['wecom', (url: string) => new WeComChannel({ url })],
    ['dingtalk', (url: string) => new DingTalkChannel({ url })],
    ['feishu', (url: string) => new FeishuChannel({ url })],
    ['slack', (url: string) => new SlackChannel({ url })],
    ['webhook', (url: string) => new WebhookChannel({ url })],
    ['alertmanager', (url: string) => new AlertmanagerChannel({ url, now: () => NOW })],
  ] as const;

  for (const [kind, make] of robots) {
    it(`${kind}: the posted message holds the link`, async () => {
      const before = receiver.requests.length;
      await make(`${receiver.baseUrl}/${kind}`).send(notification);
      const sent = receiver.requests.slice(before);
      expect(sent).toHaveLength(1);
      expect(sent[0]!.body).toContain(LINK);
    });
  }

  it('e-mail: both the text and the HTML part hold the link', async () => {
    const channel = new EmailChannel({
      smtpUrl: `smtp://127.0.0.1:${smtpPort}`,
      from: 'alerts@orderpulse.example.com',
      to: ['oncall@example.com'],
    });
    await channel.send(notification);
    channel.close();
    expect(mails).toHaveLength(1);
    const mail = decodeMail(mails[0]!);
    expect(mail.parts['text/plain']).toContain(LINK);
    expect(mail.parts['text/html']).toContain(`href="${LINK}"`);
  });

  it('SMS: a template with a `link` value gets the whole link, whatever the per-value limit', async () => {
    const env = {
      TC_SECRET_ID: 'AKIDtest',
      TC_SECRET_KEY: 'tencent-secret-key',
      TC_SMS_ENDPOINT: tencent.baseUrl,
      ALI_KEY_ID: 'LTAItest',
      ALI_KEY_SECRET: 'aliyun-secret',
      ALI_SMS_ENDPOINT: aliyun.baseUrl,
    };
    const rateLimit = { max: 5, windowMs: 600_000 };
    const options = { env, now: () => NOW, smsLimiter: new PhoneRateLimiter() };
    await createChannel(
      {
        kind: 'tencent_sms',
        secretIdEnv: 'TC_SECRET_ID',
        secretKeyEnv: 'TC_SECRET_KEY',
        endpointEnv: 'TC_SMS_ENDPOINT',
        sdkAppId: '1400000001',
        templateId: '1234567',
        region: 'ap-guangzhou',
        signName: '订单脉搏',
        phoneNumbers: ['+8613800000001'],
        templateParams: ['rule', 'store', 'link'],
        rateLimit,
      },
      options,
    ).send(notification);
    await createChannel(
      {
        kind: 'aliyun_sms',
        accessKeyIdEnv: 'ALI_KEY_ID',
        accessKeySecretEnv: 'ALI_KEY_SECRET',
        endpointEnv: 'ALI_SMS_ENDPOINT',
        templateCode: 'SMS_123456789',
        signName: '订单脉搏',
        phoneNumbers: ['13800000003'],
        templateParams: ['store', 'link'],
        rateLimit,
      },
      options,
    ).send(notification);
    expect(tencent.badSignatures).toBe(0);
    expect(aliyun.badSignatures).toBe(0);
    expect(tencent.sent.map((s) => s.params)).toEqual([['paymen', 'S-001', LINK]]);
    expect(aliyun.sent.map((s) => s.params)).toEqual([{ store: 'S-001', link: LINK }]);
  });
});
