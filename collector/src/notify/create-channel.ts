// Turns channel configuration into live channels, reading the environment variables it names. Resolving
// at construction means a missing secret fails at start-up (or on config reload), not at 3 a.m. when the
// first alert tries to leave.
import type { ChannelConfig } from '../rules-config/routes.ts';
import type { Channel } from './channel.ts';
import { AlertmanagerChannel } from './channels/alertmanager.ts';
import { DingTalkChannel } from './channels/dingtalk.ts';
import { EmailChannel } from './channels/email.ts';
import { FeishuChannel } from './channels/feishu.ts';
import { SlackChannel } from './channels/slack.ts';
import { WebhookChannel } from './channels/webhook.ts';
import { WeComChannel } from './channels/wecom.ts';
import type { RenderOptions } from './message-text.ts';

export type Environment = Readonly<Record<string, string | undefined>>;

export class ChannelConfigError extends Error {
  /** The unset environment variable, when that is what is wrong (its name only, never a value). */
  readonly variable: string | undefined;

  constructor(message: string, variable?: string) {
    super(message);
    this.name = 'ChannelConfigError';
    this.variable = variable;
  }
}

export interface ChannelDependencies {
  env: Environment;
  render?: RenderOptions;
  /** Clock for signatures and Alertmanager validity; defaults to the wall clock. */
  now?: () => number;
}

function required(env: Environment, name: string, what: string): string {
  const value = env[name];
  if (value === undefined || value.trim() === '') {
    throw new ChannelConfigError(`environment variable ${name} (${what}) is not set`, name);
  }
  return value.trim();
}

function optional(env: Environment, name: string | undefined, what: string): string | undefined {
  return name === undefined ? undefined : required(env, name, what);
}

export function createChannel(config: ChannelConfig, deps: ChannelDependencies): Channel {
  const { env, render, now } = deps;
  switch (config.kind) {
    case 'webhook':
      return new WebhookChannel({
        url: required(env, config.urlEnv, 'webhook URL'),
        bearerToken: optional(env, config.bearerTokenEnv, 'webhook bearer token'),
      });
    case 'wecom':
      return new WeComChannel({
        url: required(env, config.urlEnv, 'WeCom robot URL'),
        mentionedMobiles: config.mentionedMobiles,
        render,
      });
    case 'dingtalk':
      return new DingTalkChannel({
        url: required(env, config.urlEnv, 'DingTalk robot URL'),
        secret: optional(env, config.secretEnv, 'DingTalk signing secret'),
        atMobiles: config.atMobiles,
        atAll: config.atAll,
        render,
        now,
      });
    case 'feishu':
      return new FeishuChannel({
        url: required(env, config.urlEnv, 'Feishu robot URL'),
        secret: optional(env, config.secretEnv, 'Feishu signing secret'),
        render,
        now,
      });
    case 'slack':
      return new SlackChannel({
        url: required(env, config.urlEnv, 'Slack webhook URL'),
        channel: config.channel,
        render,
      });
    case 'email':
      if (config.to.length === 0)
        throw new ChannelConfigError('an e-mail channel needs at least one recipient');
      return new EmailChannel({
        smtpUrl: required(env, config.smtpUrlEnv, 'SMTP URL'),
        from: config.from,
        to: config.to,
        render,
      });
    case 'alertmanager':
      return new AlertmanagerChannel({
        url: required(env, config.urlEnv, 'Alertmanager URL'),
        bearerToken: optional(env, config.bearerTokenEnv, 'Alertmanager bearer token'),
        now,
      });
  }
}
