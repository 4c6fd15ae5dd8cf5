// E-mail over SMTP through nodemailer: subject, plain text and HTML, Chinese and English by default.
// SMTP replies decide retrying: 4xx is transient by RFC 5321, 5xx permanent; no reply at all (connection
// refused, timeout) is transient.
import nodemailer, { type Transporter } from 'nodemailer';
import type Mail from 'nodemailer/lib/mailer';
import { type Channel, DEFAULT_CHANNEL_TIMEOUT_MS, type MessageLanguage } from '../channel.ts';
import { DeliveryError } from '../delivery-error.ts';
import {
  DEFAULT_RENDER_OPTIONS,
  dashboardLinkText,
  factsOf,
  languagesOf,
  plainTextOf,
  type RenderOptions,
  titleOf,
} from '../message-text.ts';
import type { Notification } from '../notification.ts';
import { ConfiguredChannel } from './configured-channel.ts';

function escapeHtml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

export interface EmailMessage {
  subject: string;
  text: string;
  html: string;
}

export function emailMessage(
  n: Notification,
  language: MessageLanguage,
  render: RenderOptions,
): EmailMessage {
  const langs = languagesOf(language);
  const sections = langs.map((lang) => {
    const rows = factsOf(n, lang, render)
      .map(
        ([label, value]) =>
          `<tr><th align="left">${escapeHtml(label)}</th><td>${escapeHtml(value)}</td></tr>`,
      )
      .join('');
    return (
      `<section lang="${lang === 'zh' ? 'zh-CN' : 'en'}"><h2>${escapeHtml(titleOf(n, lang))}</h2>` +
      `<table>${rows}</table>` +
      `<p><a href="${escapeHtml(n.dashboardUrl)}">${escapeHtml(dashboardLinkText(lang))}</a></p></section>`
    );
  });
  return {
    subject: langs.map((lang) => titleOf(n, lang)).join(' | '),
    text: plainTextOf(n, language, render),
    html: `<!doctype html><html><body>${sections.join('<hr>')}</body></html>`,
  };
}

interface SmtpError extends Error {
  code?: string;
  responseCode?: number;
}

function toSmtpDeliveryError(error: unknown): DeliveryError {
  const e = error as SmtpError;
  const status = typeof e.responseCode === 'number' ? e.responseCode : undefined;
  const retryable = status === undefined || (status >= 400 && status < 500);
  return new DeliveryError(`SMTP delivery failed: ${e.code ?? ''} ${e.message ?? String(error)}`.trim(), {
    code: status === undefined && e.code === 'ETIMEDOUT' ? 'timeout' : 'smtp',
    retryable,
    status,
    cause: error,
  });
}

export interface EmailChannelOptions {
  /** `smtp://` or `smtps://` URL, credentials included. */
  smtpUrl: string;
  from: string;
  to: readonly string[];
  language?: MessageLanguage;
  timeoutMs?: number;
  render?: RenderOptions;
}

export class EmailChannel extends ConfiguredChannel<EmailChannelOptions> implements Channel {
  readonly type = 'email' as const;
  readonly #transport: Transporter;

  constructor(options: EmailChannelOptions) {
    super(options);
    const timeoutMs = options.timeoutMs ?? DEFAULT_CHANNEL_TIMEOUT_MS;
    this.#transport = nodemailer.createTransport({
      url: options.smtpUrl,
      connectionTimeout: timeoutMs,
      greetingTimeout: timeoutMs,
      socketTimeout: timeoutMs,
    });
  }

  async send(n: Notification, signal?: AbortSignal): Promise<void> {
    const message = emailMessage(
      n,
      this.options.language ?? 'both',
      this.options.render ?? DEFAULT_RENDER_OPTIONS,
    );
    // nodemailer ≥ 10.5 honours `signal`; its type definitions predate it.
    const mail: Mail.Options & { signal?: AbortSignal } = {
      from: this.options.from,
      to: [...this.options.to],
      ...message,
      ...(signal ? { signal } : {}),
    };
    try {
      await this.#transport.sendMail(mail);
    } catch (error) {
      throw toSmtpDeliveryError(error);
    }
  }

  close(): void {
    this.#transport.close();
  }
}
