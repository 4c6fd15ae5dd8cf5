// WeCom (企业微信) group robot, markdown message. The robot refuses markdown over 4096 bytes, so the text
// is cut to fit rather than losing the whole notification.
import { type Channel, DEFAULT_CHANNEL_TIMEOUT_MS, type MessageLanguage } from '../channel.ts';
import { DEFAULT_RENDER_OPTIONS, markdownOf, type RenderOptions, truncateUtf8 } from '../message-text.ts';
import type { Notification } from '../notification.ts';
import { postJson } from '../post-json.ts';
import { checkRobotReply } from '../robot-reply.ts';

const MAX_MARKDOWN_BYTES = 4096;
/** 45009: api freq out of limit (20 messages per minute per robot). */
const RATE_LIMIT_CODES = [45009];

export interface WeComChannelOptions {
  url: string;
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

export class WeComChannel implements Channel {
  readonly type = 'wecom' as const;
  readonly #options: WeComChannelOptions;

  constructor(options: WeComChannelOptions) {
    this.#options = options;
  }

  async send(n: Notification, signal?: AbortSignal): Promise<void> {
    const { url, language = 'zh', timeoutMs = DEFAULT_CHANNEL_TIMEOUT_MS } = this.#options;
    const payload = weComPayload(n, language, this.#options.render ?? DEFAULT_RENDER_OPTIONS);
    const reply = await postJson(url, payload, { timeoutMs, signal });
    checkRobotReply(reply.body, {
      robot: 'WeCom',
      codeFields: ['errcode'],
      messageFields: ['errmsg'],
      rateLimitCodes: RATE_LIMIT_CODES,
    });
  }
}
