// WeCom (企业微信) group robot, markdown message. The robot refuses markdown over 4096 bytes, so the text
// is cut to fit rather than losing the whole notification.
import { type Channel, DEFAULT_CHANNEL_TIMEOUT_MS, type MessageLanguage } from '../channel.ts';
import {
  DEFAULT_RENDER_OPTIONS,
  markdownOf,
  type RenderOptions,
  robotTitleOf,
  truncateUtf8,
} from '../message-text.ts';
import type { Notification } from '../notification.ts';
import { postToRobot, type RobotReplyRules } from '../robot-reply.ts';
import { ConfiguredChannel } from './configured-channel.ts';

const MAX_MARKDOWN_BYTES = 4096;
/** 45009: api freq out of limit (20 messages per minute per robot). */
const REPLY_RULES: RobotReplyRules = {
  robot: 'WeCom',
  codeFields: ['errcode'],
  messageFields: ['errmsg'],
  rateLimitCodes: [45009],
};

export interface WeComChannelOptions {
  url: string;
  mentionedMobiles?: readonly string[];
  language?: MessageLanguage;
  timeoutMs?: number;
  render?: RenderOptions;
}

export function weComPayload(n: Notification, language: MessageLanguage, render: RenderOptions) {
  return {
    msgtype: 'markdown',
    markdown: { content: truncateUtf8(markdownOf(n, language, render), MAX_MARKDOWN_BYTES) },
  };
}

export function weComMentionPayload(n: Notification, language: MessageLanguage, mobiles: readonly string[]) {
  return {
    msgtype: 'text',
    text: {
      content: robotTitleOf(n, language),
      mentioned_mobile_list: [...mobiles],
    },
  };
}

export class WeComChannel extends ConfiguredChannel<WeComChannelOptions> implements Channel {
  readonly type = 'wecom' as const;

  async send(n: Notification, signal?: AbortSignal): Promise<void> {
    const { language = 'zh', timeoutMs = DEFAULT_CHANNEL_TIMEOUT_MS } = this.options;
    const payload = weComPayload(n, language, this.options.render ?? DEFAULT_RENDER_OPTIONS);
    await postToRobot(this.options.url, payload, { timeoutMs, signal }, REPLY_RULES);
    const mobiles = this.options.mentionedMobiles ?? [];
    // Markdown messages cannot @-mention; a short text message carries the mentions. Resolved
    // notifications do not wake anyone up.
    if (mobiles.length > 0 && n.status === 'firing') {
      const mention = weComMentionPayload(n, language, mobiles);
      await postToRobot(this.options.url, mention, { timeoutMs, signal }, REPLY_RULES);
    }
  }
}
