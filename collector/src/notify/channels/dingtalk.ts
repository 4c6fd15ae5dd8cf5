// DingTalk (钉钉) custom robot, markdown message. With "加签" security the robot needs
// `timestamp` (epoch ms) and `sign` = Base64(HmacSHA256(key = secret, message = `${timestamp}\n${secret}`))
// as query parameters; DingTalk refuses a timestamp more than an hour off.
import { createHmac } from 'node:crypto';
import { type Channel, DEFAULT_CHANNEL_TIMEOUT_MS, type MessageLanguage } from '../channel.ts';
import { DEFAULT_RENDER_OPTIONS, markdownOf, type RenderOptions, robotTitleOf } from '../message-text.ts';
import type { Notification } from '../notification.ts';
import { postToRobot, type RobotReplyRules } from '../robot-reply.ts';
import { ConfiguredChannel } from './configured-channel.ts';

/** 130101: sending too fast (20 messages per minute); 410100: throttled. */
const REPLY_RULES: RobotReplyRules = {
  robot: 'DingTalk',
  codeFields: ['errcode'],
  messageFields: ['errmsg'],
  rateLimitCodes: [130101, 410100],
};

export function dingTalkSign(secret: string, timestampMs: number): string {
  return createHmac('sha256', secret).update(`${timestampMs}\n${secret}`, 'utf8').digest('base64');
}

/** The robot URL with `timestamp` and `sign` appended; URLSearchParams percent-encodes `+`, `/`, `=`. */
export function signedDingTalkUrl(url: string, secret: string, timestampMs: number): string {
  const signed = new URL(url);
  signed.searchParams.set('timestamp', String(timestampMs));
  signed.searchParams.set('sign', dingTalkSign(secret, timestampMs));
  return signed.toString();
}

export interface DingTalkChannelOptions {
  url: string;
  secret?: string;
  atMobiles?: readonly string[];
  atAll?: boolean;
  language?: MessageLanguage;
  timeoutMs?: number;
  render?: RenderOptions;
  now?: () => number;
}

export function dingTalkPayload(
  n: Notification,
  language: MessageLanguage,
  atMobiles: readonly string[],
  render: RenderOptions,
  atAll = false,
) {
  // DingTalk only notifies a mentioned member when the text itself contains `@mobile`.
  const mentions = atMobiles.length > 0 ? `\n\n${atMobiles.map((m) => `@${m}`).join(' ')}` : '';
  return {
    msgtype: 'markdown',
    markdown: {
      title: robotTitleOf(n, language),
      text: markdownOf(n, language, render) + mentions,
    },
    at: { atMobiles: [...atMobiles], isAtAll: atAll && n.status === 'firing' },
  };
}

export class DingTalkChannel extends ConfiguredChannel<DingTalkChannelOptions> implements Channel {
  readonly type = 'dingtalk' as const;

  async send(n: Notification, signal?: AbortSignal): Promise<void> {
    const {
      url,
      secret,
      atMobiles = [],
      language = 'zh',
      timeoutMs = DEFAULT_CHANNEL_TIMEOUT_MS,
    } = this.options;
    const now = this.options.now ?? Date.now;
    const target = secret ? signedDingTalkUrl(url, secret, now()) : url;
    const render = this.options.render ?? DEFAULT_RENDER_OPTIONS;
    const payload = dingTalkPayload(n, language, atMobiles, render, this.options.atAll ?? false);
    await postToRobot(target, payload, { timeoutMs, signal }, REPLY_RULES);
  }
}
