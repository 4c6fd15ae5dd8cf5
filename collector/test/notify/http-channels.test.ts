import { createHmac } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AlertmanagerChannel } from '../../src/notify/channels/alertmanager.ts';
import { DingTalkChannel } from '../../src/notify/channels/dingtalk.ts';
import { FeishuChannel } from '../../src/notify/channels/feishu.ts';
import { SlackChannel } from '../../src/notify/channels/slack.ts';
import { WebhookChannel } from '../../src/notify/channels/webhook.ts';
import { WeComChannel } from '../../src/notify/channels/wecom.ts';
import { ChannelConfigError, createChannel } from '../../src/notify/create-channel.ts';
import { DeliveryError } from '../../src/notify/delivery-error.ts';
import { type LoopbackReceiver, startReceiver } from './loopback-receiver.ts';
import { firingNotification, resolvedNotification } from './sample-notification.ts';

let receiver: LoopbackReceiver;
beforeEach(async () => {
  receiver = await startReceiver();
});
afterEach(async () => {
  await receiver.close();
});

async function failureOf(promise: Promise<unknown>): Promise<DeliveryError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(DeliveryError);
    return error as DeliveryError;
  }
  throw new Error('expected the send to fail');
}

describe('generic webhook (Alertmanager webhook JSON v4)', () => {
  it('posts the Alertmanager payload with every documented field', async () => {
    const channel = new WebhookChannel({ url: `${receiver.baseUrl}/hook`, bearerToken: 'tok-1' });
    await channel.send(firingNotification());
    expect(receiver.requests).toHaveLength(1);
    const req = receiver.requests[0]!;
    expect(req.method).toBe('POST');
    expect(req.url.pathname).toBe('/hook');
    expect(req.headers.authorization).toBe('Bearer tok-1');
    expect(req.headers['content-type']).toContain('application/json');
    expect(req.json).toMatchObject({
      version: '4',
      groupKey: '0:{rule="payment_unapplied",store_id="s-001"}',
      truncatedAlerts: 1,
      status: 'firing',
      receiver: 'store-oncall',
      groupLabels: { rule: 'payment_unapplied', store_id: 's-001' },
      commonLabels: {
        alertname: 'payment_unapplied',
        severity: 'critical',
        store_id: 's-001',
        rule: 'payment_unapplied',
      },
      externalURL: 'https://orderpulse.example.com',
    });
    const body = req.json as { alerts: Array<Record<string, unknown>>; commonLabels: Record<string, string> };
    // provider differs between the two alerts, so it is not common
    expect(body.commonLabels.provider).toBeUndefined();
    expect(body.alerts).toHaveLength(2);
    expect(body.alerts[0]).toEqual({
      status: 'firing',
      labels: {
        alertname: 'payment_unapplied',
        severity: 'critical',
        store_id: 's-001',
        rule: 'payment_unapplied',
        provider: 'wechatpay',
      },
      annotations: {
        summary: 'order o-1001 payment not applied',
        summary_zh: '订单 o-1001 支付未入账',
        entity: 'order/o-1001',
        dashboard_url: firingNotification().dashboardUrl,
      },
      startsAt: '2026-11-25T10:00:00.000Z',
      endsAt: '0001-01-01T00:00:00Z',
      generatorURL: firingNotification().dashboardUrl,
      fingerprint: 'a-1',
    });
  });

  it('sends resolved notifications with status resolved and real end times', async () => {
    await new WebhookChannel({ url: `${receiver.baseUrl}/hook` }).send(resolvedNotification());
    const body = receiver.requests[0]!.json as {
      status: string;
      alerts: Array<{ status: string; endsAt: string }>;
    };
    expect(body.status).toBe('resolved');
    expect(body.alerts.map((a) => [a.status, a.endsAt])).toEqual([
      ['resolved', '2026-11-25T10:20:00.000Z'],
      ['resolved', '2026-11-25T10:20:00.000Z'],
    ]);
    expect(receiver.requests[0]!.headers.authorization).toBeUndefined();
  });

  it('classifies failures: 5xx and 429 retryable, other 4xx permanent, refused connection retryable', async () => {
    const channel = new WebhookChannel({ url: `${receiver.baseUrl}/hook` });
    receiver.script.push(
      { status: 500, body: 'boom' },
      { status: 429, headers: { 'retry-after': '7' } },
      { status: 400, body: 'bad' },
    );
    const e500 = await failureOf(channel.send(firingNotification()));
    expect([e500.retryable, e500.status, e500.code]).toEqual([true, 500, 'http_status']);
    const e429 = await failureOf(channel.send(firingNotification()));
    expect([e429.retryable, e429.status, e429.code, e429.retryAfterMs]).toEqual([
      true,
      429,
      'rate_limited',
      7000,
    ]);
    const e400 = await failureOf(channel.send(firingNotification()));
    expect([e400.retryable, e400.status]).toEqual([false, 400]);

    const closedUrl = `${receiver.baseUrl}/hook`;
    await receiver.close();
    const refused = await failureOf(new WebhookChannel({ url: closedUrl }).send(firingNotification()));
    expect([refused.retryable, refused.code, refused.status]).toEqual([true, 'network', undefined]);
    receiver = await startReceiver();
  });

  it('gives up on a receiver that never answers after the timeout, as a retryable failure', async () => {
    receiver.script.push({ status: 200, hang: true });
    const channel = new WebhookChannel({ url: `${receiver.baseUrl}/slow`, timeoutMs: 150 });
    const error = await failureOf(channel.send(firingNotification()));
    expect([error.code, error.retryable]).toEqual(['timeout', true]);
  });

  it('never puts the secret-bearing URL in error messages', async () => {
    receiver.script.push({ status: 500 });
    const channel = new WebhookChannel({ url: `${receiver.baseUrl}/hook?access_token=SECRET123` });
    const error = await failureOf(channel.send(firingNotification()));
    expect(error.message).not.toContain('SECRET123');
  });
});

describe('WeCom group robot', () => {
  it('sends a markdown message in Chinese with the facts and the dashboard link', async () => {
    receiver.fallback = { status: 200, body: '{"errcode":0,"errmsg":"ok"}' };
    await new WeComChannel({ url: `${receiver.baseUrl}/cgi-bin/webhook/send?key=k1` }).send(
      firingNotification(),
    );
    const req = receiver.requests[0]!;
    expect(req.url.searchParams.get('key')).toBe('k1');
    const body = req.json as { msgtype: string; markdown: { content: string } };
    expect(body.msgtype).toBe('markdown');
    expect(body.markdown.content).toContain('【告警:3】支付未入账（严重）');
    expect(body.markdown.content).toContain('3 笔支付超过 2 分钟未入账');
    expect(body.markdown.content).toContain('已持续 5分钟');
    expect(body.markdown.content).toContain('o-1001, o-1002');
    expect(body.markdown.content).toContain(`(${firingNotification().dashboardUrl})`);
    // 10:00Z is 18:00 in Asia/Shanghai, the default zone
    expect(body.markdown.content).toContain('2026/11/25 18:00:00（GMT+8）');
  });

  it('treats an error code in a 200 reply as a failure; the rate limit code is retryable', async () => {
    const channel = new WeComChannel({ url: `${receiver.baseUrl}/send` });
    receiver.script.push(
      { status: 200, body: '{"errcode":93000,"errmsg":"invalid webhook url"}' },
      { status: 200, body: '{"errcode":45009,"errmsg":"api freq out of limit"}' },
    );
    const permanent = await failureOf(channel.send(firingNotification()));
    expect([permanent.retryable, permanent.code]).toEqual([false, 'rejected']);
    expect(permanent.message).toContain('93000');
    const limited = await failureOf(channel.send(firingNotification()));
    expect([limited.retryable, limited.code]).toEqual([true, 'rate_limited']);
  });

  it('mentions members by mobile in a follow-up text message while firing, not when resolved', async () => {
    receiver.fallback = { status: 200, body: '{"errcode":0,"errmsg":"ok"}' };
    const channel = new WeComChannel({ url: `${receiver.baseUrl}/send`, mentionedMobiles: ['13800000001'] });
    await channel.send(firingNotification());
    expect(receiver.requests.map((r) => (r.json as { msgtype: string }).msgtype)).toEqual([
      'markdown',
      'text',
    ]);
    expect(receiver.requests[1]!.json).toEqual({
      msgtype: 'text',
      text: { content: '【告警:3】支付未入账（严重） 门店 s-001', mentioned_mobile_list: ['13800000001'] },
    });
    await channel.send(resolvedNotification());
    expect(receiver.requests).toHaveLength(3);
  });

  it('keeps the markdown within the robot limit of 4096 bytes', async () => {
    receiver.fallback = { status: 200, body: '{"errcode":0,"errmsg":"ok"}' };
    const long = firingNotification({ summary: { zh: '很长的摘要'.repeat(400), en: 'x' } });
    await new WeComChannel({ url: `${receiver.baseUrl}/send`, language: 'both' }).send(long);
    const content = (receiver.requests[0]!.json as { markdown: { content: string } }).markdown.content;
    expect(Buffer.byteLength(content, 'utf8')).toBeLessThanOrEqual(4096);
    expect(content.endsWith('…')).toBe(true);
  });
});

describe('DingTalk robot', () => {
  const secret = 'SEC0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcd';
  const nowMs = Date.parse('2026-11-25T10:06:00Z');

  it('signs the URL with timestamp and HmacSHA256(secret, "timestamp\\nsecret") that verifies independently', async () => {
    receiver.fallback = { status: 200, body: '{"errcode":0,"errmsg":"ok"}' };
    const channel = new DingTalkChannel({
      url: `${receiver.baseUrl}/robot/send?access_token=tok`,
      secret,
      atMobiles: ['13800000000'],
      now: () => nowMs,
    });
    await channel.send(firingNotification());
    const req = receiver.requests[0]!;
    expect(req.url.searchParams.get('access_token')).toBe('tok');
    const timestamp = req.url.searchParams.get('timestamp');
    expect(timestamp).toBe(String(nowMs));
    // The receiver's side of the check, written from DingTalk's documentation.
    const expected = createHmac('sha256', Buffer.from(secret, 'utf8'))
      .update(Buffer.from(`${timestamp}\n${secret}`, 'utf8'))
      .digest('base64');
    expect(req.url.searchParams.get('sign')).toBe(expected);
    // base64 `+`, `/` and `=` must arrive percent-encoded, not as a space
    const rawSign = /[?&]sign=([^&]*)/.exec(req.url.search)![1]!;
    expect(rawSign).not.toMatch(/[+/=]/);
    expect(decodeURIComponent(rawSign)).toBe(expected);

    const body = req.json as { msgtype: string; markdown: { title: string; text: string }; at: unknown };
    expect(body.msgtype).toBe('markdown');
    expect(body.markdown.title).toBe('【告警:3】支付未入账（严重） 门店 s-001');
    expect(body.markdown.text).toContain('@13800000000');
    expect(body.at).toEqual({ atMobiles: ['13800000000'], isAtAll: false });
  });

  it('@-mentions everyone only while firing when atAll is set', async () => {
    receiver.fallback = { status: 200, body: '{"errcode":0,"errmsg":"ok"}' };
    const channel = new DingTalkChannel({
      url: `${receiver.baseUrl}/robot/send?access_token=tok`,
      atAll: true,
    });
    await channel.send(firingNotification());
    await channel.send(resolvedNotification());
    const flags = receiver.requests.map((r) => (r.json as { at: { isAtAll: boolean } }).at.isAtAll);
    expect(flags).toEqual([true, false]);
  });

  it('sends no signature when no secret is configured', async () => {
    receiver.fallback = { status: 200, body: '{"errcode":0,"errmsg":"ok"}' };
    await new DingTalkChannel({ url: `${receiver.baseUrl}/robot/send?access_token=tok` }).send(
      firingNotification(),
    );
    expect(receiver.requests[0]!.url.searchParams.has('sign')).toBe(false);
  });

  it('reports a refused signature (errcode 310000) as permanent and "too fast" (130101) as retryable', async () => {
    const channel = new DingTalkChannel({ url: `${receiver.baseUrl}/robot/send?access_token=tok`, secret });
    receiver.script.push(
      { status: 200, body: '{"errcode":310000,"errmsg":"sign not match"}' },
      { status: 200, body: '{"errcode":130101,"errmsg":"send too fast"}' },
    );
    expect((await failureOf(channel.send(firingNotification()))).retryable).toBe(false);
    expect((await failureOf(channel.send(firingNotification()))).retryable).toBe(true);
  });
});

describe('Feishu / Lark robot', () => {
  const secret = 'feishu-secret-xyz';
  const nowMs = Date.parse('2026-11-25T10:06:00.750Z');

  it('puts timestamp (seconds) and sign = HmacSHA256(key "timestamp\\nsecret", empty message) in the body', async () => {
    receiver.fallback = { status: 200, body: '{"code":0,"msg":"success","data":{}}' };
    await new FeishuChannel({
      url: `${receiver.baseUrl}/open-apis/bot/v2/hook/abc`,
      secret,
      now: () => nowMs,
    }).send(firingNotification());
    const body = receiver.requests[0]!.json as {
      timestamp: string;
      sign: string;
      msg_type: string;
      card: {
        header: { title: { content: string }; template: string };
        elements: Array<{ text: { tag: string; content: string } }>;
      };
    };
    expect(body.timestamp).toBe(String(Math.floor(nowMs / 1000)));
    const expected = createHmac('sha256', `${body.timestamp}\n${secret}`)
      .update(Buffer.alloc(0))
      .digest('base64');
    expect(body.sign).toBe(expected);
    expect(body.msg_type).toBe('interactive');
    expect(body.card.header.title.content).toContain('支付未入账');
    expect(body.card.header.template).toBe('red');
    expect(body.card.elements[0]!.text.tag).toBe('lark_md');
    expect(body.card.elements[0]!.text.content).toContain('3 笔支付超过 2 分钟未入账');
  });

  it('shows a resolved notification in green and treats a non-zero code as a refusal', async () => {
    receiver.script.push(
      { status: 200, body: '{"code":0,"msg":"success"}' },
      {
        status: 200,
        body: '{"code":19021,"msg":"sign match fail or timestamp is not within one hour from current time"}',
      },
    );
    const channel = new FeishuChannel({ url: `${receiver.baseUrl}/hook`, secret });
    await channel.send(resolvedNotification());
    const card = (
      receiver.requests[0]!.json as { card: { header: { template: string; title: { content: string } } } }
    ).card;
    expect(card.header.template).toBe('green');
    expect(card.header.title.content).toContain('已恢复');
    const error = await failureOf(channel.send(firingNotification()));
    expect([error.retryable, error.code]).toEqual([false, 'rejected']);
  });
});

describe('Slack incoming webhook', () => {
  it('sends blocks plus a fallback text, escaping mrkdwn control characters', async () => {
    const n = firingNotification({ summary: { zh: '摘要', en: 'refunds <&> payments' } });
    await new SlackChannel({ url: `${receiver.baseUrl}/services/T/B/X` }).send(n);
    const body = receiver.requests[0]!.json as {
      text: string;
      blocks: Array<{ type: string; text: { type: string; text: string } }>;
    };
    expect(body.text).toBe('[FIRING:3] Payment unapplied (critical) Store s-001');
    expect(body.blocks.map((b) => b.type)).toEqual(['header', 'section']);
    expect(body.blocks[1]!.text.text).toContain('refunds &lt;&amp;&gt; payments');
    expect(body.blocks[1]!.text.text).toContain(`<${n.dashboardUrl}|Open dashboard>`);
    expect(body).not.toHaveProperty('channel');
  });

  it('names the channel when configured and writes both languages on request', async () => {
    await new SlackChannel({ url: `${receiver.baseUrl}/s`, channel: '#logistics', language: 'both' }).send(
      resolvedNotification(),
    );
    const body = receiver.requests[0]!.json as {
      channel: string;
      text: string;
      blocks: Array<{ type: string }>;
    };
    expect(body.channel).toBe('#logistics');
    expect(body.text).toBe(
      '【已恢复】支付未入账（严重） 门店 s-001 / [RESOLVED] Payment unapplied (critical) Store s-001',
    );
    expect(body.blocks).toHaveLength(4);
  });
});

describe('Prometheus Alertmanager push', () => {
  it('posts /api/v2/alerts with labels, annotations, startsAt, a future endsAt while firing', async () => {
    const nowMs = Date.parse('2026-11-25T10:06:00Z');
    await new AlertmanagerChannel({
      url: `${receiver.baseUrl}/am/`,
      now: () => nowMs,
      instance: 'collector:8080',
    }).send(
      // a rule's own `service` label does not take its alerts away from OrderPulse's routes
      firingNotification({
        alerts: firingNotification().alerts.map((a) => ({ ...a, labels: { ...a.labels, service: 'shop' } })),
      }),
    );
    const req = receiver.requests[0]!;
    expect(req.url.pathname).toBe('/am/api/v2/alerts');
    const alerts = req.json as Array<Record<string, unknown>>;
    expect(alerts).toHaveLength(2);
    expect(alerts[1]).toEqual({
      labels: {
        alertname: 'payment_unapplied',
        severity: 'critical',
        store_id: 's-001',
        rule: 'payment_unapplied',
        provider: 'alipay',
        service: 'orderpulse',
        instance: 'collector:8080',
      },
      annotations: {
        summary: 'order o-1002 payment not applied',
        summary_zh: '订单 o-1002 支付未入账',
        entity: 'order/o-1002',
        dashboard_url: firingNotification().dashboardUrl,
      },
      startsAt: '2026-11-25T10:01:00.000Z',
      endsAt: '2026-11-25T11:06:00.000Z',
      generatorURL: firingNotification().dashboardUrl,
    });
  });

  it('keeps a firing alert alive for twice the route repeat interval when that is longer', async () => {
    const nowMs = Date.parse('2026-11-25T10:06:00Z');
    const n = firingNotification({ repeatIntervalMs: 4 * 3_600_000 });
    await new AlertmanagerChannel({ url: receiver.baseUrl, now: () => nowMs }).send(n);
    const alerts = receiver.requests[0]!.json as Array<{ endsAt: string }>;
    expect(alerts[0]!.endsAt).toBe('2026-11-25T18:06:00.000Z');
  });

  it('resolves alerts by sending their real endsAt', async () => {
    await new AlertmanagerChannel({ url: receiver.baseUrl }).send(resolvedNotification());
    const alerts = receiver.requests[0]!.json as Array<{ endsAt: string }>;
    expect(alerts.map((a) => a.endsAt)).toEqual(['2026-11-25T10:20:00.000Z', '2026-11-25T10:20:00.000Z']);
  });
});

describe('createChannel reads secrets from the environment variables the config names', () => {
  it('builds a signed DingTalk channel from env and refuses a missing variable at construction', async () => {
    receiver.fallback = { status: 200, body: '{"errcode":0,"errmsg":"ok"}' };
    const env = { OP_DING_URL: `${receiver.baseUrl}/robot/send?access_token=t`, OP_DING_SECRET: 'SECabc' };
    const channel = createChannel(
      { kind: 'dingtalk', urlEnv: 'OP_DING_URL', secretEnv: 'OP_DING_SECRET', atMobiles: [], atAll: false },
      { env },
    );
    expect(channel.type).toBe('dingtalk');
    await channel.send(firingNotification());
    expect(receiver.requests[0]!.url.searchParams.has('sign')).toBe(true);

    expect(() =>
      createChannel(
        { kind: 'dingtalk', urlEnv: 'OP_DING_URL', secretEnv: 'OP_MISSING', atMobiles: [], atAll: false },
        { env },
      ),
    ).toThrow(ChannelConfigError);
    expect(() => createChannel({ kind: 'slack', urlEnv: 'OP_NOPE' }, { env })).toThrow(/OP_NOPE/);
  });
});

describe('event values cannot inject markup into the chat robots', () => {
  const EVIL_STORE = '**[点此重新授权](https://evil.example)**';
  // Values from events: a store id, order ids (the samples) and a summary built from them.
  const hostile = () =>
    firingNotification({
      storeId: EVIL_STORE,
      sampleEntityIds: ['o-1\n\n# @all 立即处理', '<at id=all></at>', '![x](https://evil.example/p.png)'],
      summary: {
        zh: '订单 _o-9_ 停滞 @所有人 <font color="red">加急</font>',
        en: 'order `o-9` stalled @everyone [more](https://evil.example)',
      },
      dashboardUrl: 'https://orderpulse.example.com/#/alerts?store_id=x',
    });

  /** What a renderer would turn into a link, emphasis, a heading, a tag or a mention. */
  function expectInert(markdown: string, languages: number) {
    // Our own markup: the dashboard link once per language, headings, bold labels. Nothing else.
    expect(markdown.match(/\]\(/g)).toHaveLength(languages);
    const theirs = markdown
      .replace(/^### /gm, '')
      .replace(/\*\*[^*\n]+\*\*: /g, '')
      .replace(/\[[^\]\n]+\]\(https:\/\/orderpulse\.example\.com\/[^)\n]*\)/g, '');
    expect(theirs).not.toMatch(/[*`<>#@]|\]\(|:\/\//);
    expect(theirs).not.toContain('_o-9_');
    expect(markdown).not.toMatch(/@(all|所有人|everyone)/i);
    // A value's line break would start a heading of its own.
    expect(markdown).not.toMatch(/\n# /);
    // Still readable by the on-call person.
    expect(markdown).toContain('点此重新授权');
    expect(markdown).toContain('立即处理');
  }

  it('WeCom: the markdown content and the mention text', async () => {
    receiver.fallback = { status: 200, body: '{"errcode":0,"errmsg":"ok"}' };
    await new WeComChannel({
      url: `${receiver.baseUrl}/cgi-bin/webhook/send?key=k1`,
      mentionedMobiles: ['13800000000'],
    }).send(hostile());
    const [markdown, mention] = receiver.requests.map((r) => r.json as Record<string, { content: string }>);
    expectInert(markdown!.markdown!.content, 1);
    expect(mention!.text!.content).not.toMatch(/@|\n/);
  });

  it('DingTalk: the markdown text and title, in both languages', async () => {
    receiver.fallback = { status: 200, body: '{"errcode":0,"errmsg":"ok"}' };
    await new DingTalkChannel({
      url: `${receiver.baseUrl}/robot/send?access_token=tok`,
      language: 'both',
    }).send(hostile());
    const body = receiver.requests[0]!.json as {
      markdown: { title: string; text: string };
      at: { isAtAll: boolean };
    };
    expectInert(body.markdown.text, 2);
    expect(body.markdown.title).not.toMatch(/@|\n/);
    expect(body.at.isAtAll).toBe(false);
  });

  it('Feishu: the lark_md text and the header', async () => {
    receiver.fallback = { status: 200, body: '{"code":0,"msg":"success"}' };
    await new FeishuChannel({ url: `${receiver.baseUrl}/open-apis/bot/v2/hook/abc`, language: 'en' }).send(
      hostile(),
    );
    const card = (
      receiver.requests[0]!.json as {
        card: { header: { title: { content: string } }; elements: Array<{ text: { content: string } }> };
      }
    ).card;
    expectInert(card.elements[0]!.text.content, 1);
    expect(card.header.title.content).not.toMatch(/@|\n/);
  });
});
