// WeCom (企业微信) group robot, markdown message. The robot refuses markdown over 4096 bytes, so the text
// is cut to fit rather than losing the whole notification.
import { type Channel, DEFAULT_CHANNEL_TIMEOUT_MS, type MessageLanguage } from '../channel.ts';
import {
  DEFAULT_RENDER_OPTIONS,
  markdownOf,
  type RenderOptions,
  titleOf,
  truncateUtf8,
  unmentionable,
} from '../message-text.ts';
import type { Notification } from '../notification.ts';
import { postJson } from '../post-json.ts';
import { checkRobotReply } from '../robot-reply.ts';

const MAX_MARKDOWN_BYTES = 4096;
/** 45009: api freq out of limit (20 messages per minute per robot). */
const RATE_LIMIT_CODES = [45009];

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
      content: titleOf(n, language === 'en' ? 'en' : 'zh', unmentionable),
      mentioned_mobile_list: [...mobiles],
    },
  };
}

export class WeComChannel implements Channel {
  readonly type = 'wecom' as const;
  readonly #options: WeComChannelOptions;

  constructor(options: WeComChannelOptions) {
    this.#options = options;
  }

  async send(n: Notification, signal?: AbortSignal): Promise<void> {
    const { language = 'zh', timeoutMs = DEFAULT_CHANNEL_TIMEOUT_MS } = this.#options;
    const payload = weComPayload(n, language, this.#options.render ?? DEFAULT_RENDER_OPTIONS);
    await this.#post(payload, timeoutMs, signal);
    const mobiles = this.#options.mentionedMobiles ?? [];
    // Markdown messages cannot @-mention; a short text message carries the mentions. Resolved
    // notifications do not wake anyone up.
    if (mobiles.length > 0 && n.status === 'firing') {
      await this.#post(weComMentionPayload(n, language, mobiles), timeoutMs, signal);
    }
  }

  async #post(payload: unknown, timeoutMs: number, signal: AbortSignal | undefined): Promise<void> {
    const reply = await postJson(this.#options.url, payload, { timeoutMs, signal });
    checkRobotReply(reply.body, {
      robot: 'WeCom',
      codeFields: ['errcode'],
      messageFields: ['errmsg'],
      rateLimitCodes: RATE_LIMIT_CODES,
    });
  }
}
