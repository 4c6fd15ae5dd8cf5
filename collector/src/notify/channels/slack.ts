// Slack incoming webhook: Block Kit for the message, `text` as the fallback shown in notifications.
import { type Channel, DEFAULT_CHANNEL_TIMEOUT_MS, type MessageLanguage } from '../channel.ts';
import {
  DEFAULT_RENDER_OPTIONS,
  dashboardLinkText,
  factsOf,
  languagesOf,
  type RenderOptions,
  titleOf,
} from '../message-text.ts';
import type { Notification } from '../notification.ts';
import { postJson } from '../post-json.ts';
import { ConfiguredChannel } from './configured-channel.ts';

/** Slack's mrkdwn treats these three as control characters. */
function escapeMrkdwn(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

/** Header blocks hold at most 150 characters of plain text. */
function headerText(text: string): string {
  return text.length <= 150 ? text : `${text.slice(0, 149)}…`;
}

export function slackPayload(
  n: Notification,
  language: MessageLanguage,
  render: RenderOptions,
  channel?: string,
) {
  const langs = languagesOf(language);
  const blocks: unknown[] = [];
  for (const lang of langs) {
    const facts = factsOf(n, lang, render)
      .map(([label, value]) => `*${escapeMrkdwn(label)}:* ${escapeMrkdwn(value)}`)
      .join('\n');
    blocks.push(
      { type: 'header', text: { type: 'plain_text', text: headerText(titleOf(n, lang)) } },
      {
        type: 'section',
        text: {
          type: 'mrkdwn',
          text: `${facts}\n<${n.dashboardUrl}|${escapeMrkdwn(dashboardLinkText(lang))}>`,
        },
      },
    );
  }
  return { ...(channel ? { channel } : {}), text: langs.map((lang) => titleOf(n, lang)).join(' / '), blocks };
}

export interface SlackChannelOptions {
  url: string;
  channel?: string;
  language?: MessageLanguage;
  timeoutMs?: number;
  render?: RenderOptions;
}

export class SlackChannel extends ConfiguredChannel<SlackChannelOptions> implements Channel {
  readonly type = 'slack' as const;

  async send(n: Notification, signal?: AbortSignal): Promise<void> {
    const { url, language = 'en', timeoutMs = DEFAULT_CHANNEL_TIMEOUT_MS } = this.options;
    const render = this.options.render ?? DEFAULT_RENDER_OPTIONS;
    await postJson(url, slackPayload(n, language, render, this.options.channel), {
      timeoutMs,
      signal,
    });
  }
}
