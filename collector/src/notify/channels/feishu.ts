// Feishu / Lark custom robot, interactive card with lark_md text. With signature verification on, the
// body carries `timestamp` (epoch seconds, as a string) and
// `sign` = Base64(HmacSHA256(key = `${timestamp}\n${secret}`, message = "")) — note the key/message
// order is the reverse of DingTalk's.
import { createHmac } from 'node:crypto';
import { type Channel, DEFAULT_CHANNEL_TIMEOUT_MS, type MessageLanguage } from '../channel.ts';
import { DEFAULT_RENDER_OPTIONS, markdownOf, type RenderOptions, robotTitleOf } from '../message-text.ts';
import type { Notification } from '../notification.ts';
import { postToRobot, type RobotReplyRules } from '../robot-reply.ts';
import { ConfiguredChannel } from './configured-channel.ts';

/** 11232: frequency limited (100 per minute, 5 per second per robot). */
const REPLY_RULES: RobotReplyRules = {
  robot: 'Feishu',
  codeFields: ['code', 'StatusCode'],
  messageFields: ['msg', 'StatusMessage'],
  rateLimitCodes: [11232],
};

export function feishuSign(secret: string, timestampSeconds: number): string {
  return createHmac('sha256', `${timestampSeconds}\n${secret}`).update('').digest('base64');
}

export interface FeishuChannelOptions {
  url: string;
  secret?: string;
  language?: MessageLanguage;
  timeoutMs?: number;
  render?: RenderOptions;
  now?: () => number;
}

export function feishuCard(n: Notification, language: MessageLanguage, render: RenderOptions) {
  return {
    config: { wide_screen_mode: true },
    header: {
      title: { tag: 'plain_text', content: robotTitleOf(n, language) },
      template: n.status === 'resolved' ? 'green' : n.severity === 'critical' ? 'red' : 'orange',
    },
    elements: [{ tag: 'div', text: { tag: 'lark_md', content: markdownOf(n, language, render) } }],
  };
}

export class FeishuChannel extends ConfiguredChannel<FeishuChannelOptions> implements Channel {
  readonly type = 'feishu' as const;

  async send(n: Notification, signal?: AbortSignal): Promise<void> {
    const { url, secret, language = 'zh', timeoutMs = DEFAULT_CHANNEL_TIMEOUT_MS } = this.options;
    const now = this.options.now ?? Date.now;
    const card = feishuCard(n, language, this.options.render ?? DEFAULT_RENDER_OPTIONS);
    const timestamp = Math.floor(now() / 1000);
    const payload = {
      ...(secret ? { timestamp: String(timestamp), sign: feishuSign(secret, timestamp) } : {}),
      msg_type: 'interactive',
      card,
    };
    await postToRobot(url, payload, { timeoutMs, signal }, REPLY_RULES);
  }
}
