// Turns channel configuration into live channels, reading the environment variables it names. Resolving
// at construction means a missing secret fails at start-up (or on config reload), not at 3 a.m. when the
// first alert tries to leave.
import type { ChannelConfig, ChannelLang } from '../rules-config/channel-configs.ts';
import type { SmsSettings } from '../rules-config/sms-settings.ts';
import type { Channel, MessageLanguage } from './channel.ts';
import { AlertmanagerChannel } from './channels/alertmanager.ts';
import { AliyunSmsChannel } from './channels/aliyun-sms.ts';
import { DingTalkChannel } from './channels/dingtalk.ts';
import { EmailChannel } from './channels/email.ts';
import { FeishuChannel } from './channels/feishu.ts';
import { SlackChannel } from './channels/slack.ts';
import type { SmsSuppression } from './channels/sms-delivery.ts';
import { TencentSmsChannel } from './channels/tencent-sms.ts';
import { WebhookChannel } from './channels/webhook.ts';
import { WeComChannel } from './channels/wecom.ts';
import type { RenderOptions } from './message-text.ts';
import type { PhoneRateLimiter } from './sms/phone-rate-limiter.ts';

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
  /** The `instance` label of alerts pushed to Alertmanager. */
  instance?: string;
  /** One per process, so SMS channels count texts per phone number together (and across reloads). */
  smsLimiter?: PhoneRateLimiter;
  /** Told about phone numbers an SMS channel left out because of the per-number limit. */
  onSmsSuppressed?: (event: SmsSuppression) => void;
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

/** An override: its variable may be named and still unset, meaning "the default". */
function override(env: Environment, name: string | undefined): string | undefined {
  const value = name === undefined ? undefined : env[name]?.trim();
  return value ? value : undefined;
}

function phoneNumbers(env: Environment, config: SmsSettings): string[] {
  const fromEnv = config.phoneNumbersEnv
    ? required(env, config.phoneNumbersEnv, 'SMS phone numbers')
        .split(',')
        .map((n) => n.trim())
        .filter((n) => n.length > 0)
    : [];
  const numbers = [...new Set([...config.phoneNumbers, ...fromEnv])];
  if (numbers.length === 0) throw new ChannelConfigError('an SMS channel needs at least one phone number');
  return numbers;
}

/** What every SMS channel takes alike: its recipients, rate limit, signature, template and endpoint. */
function smsDelivery(env: Environment, config: SmsSettings, deps: ChannelDependencies) {
  const endpoint = override(env, config.endpointEnv);
  return {
    phoneNumbers: phoneNumbers(env, config),
    limit: config.rateLimit,
    ...(deps.smsLimiter && { limiter: deps.smsLimiter }),
    ...(deps.onSmsSuppressed && { onSuppressed: deps.onSmsSuppressed }),
    ...(deps.now && { now: deps.now }),
    signName: config.signName,
    templateFields: config.templateParams,
    ...(config.paramMaxChars !== undefined && { paramMaxChars: config.paramMaxChars }),
    ...(endpoint && { endpoint }),
  };
}

/** routes.yaml's `lang` as the channel's option; absent, the channel keeps its default. */
function languageOf(config: { lang?: ChannelLang }): { language?: MessageLanguage } {
  if (config.lang === undefined) return {};
  return { language: config.lang === 'zh-CN' ? 'zh' : config.lang };
}

export function createChannel(config: ChannelConfig, deps: ChannelDependencies): Channel {
  const { env, render, now, instance } = deps;
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
        ...languageOf(config),
        render,
      });
    case 'dingtalk':
      return new DingTalkChannel({
        url: required(env, config.urlEnv, 'DingTalk robot URL'),
        secret: optional(env, config.secretEnv, 'DingTalk signing secret'),
        atMobiles: config.atMobiles,
        atAll: config.atAll,
        ...languageOf(config),
        render,
        now,
      });
    case 'feishu':
      return new FeishuChannel({
        url: required(env, config.urlEnv, 'Feishu robot URL'),
        secret: optional(env, config.secretEnv, 'Feishu signing secret'),
        ...languageOf(config),
        render,
        now,
      });
    case 'slack':
      return new SlackChannel({
        url: required(env, config.urlEnv, 'Slack webhook URL'),
        channel: config.channel,
        ...languageOf(config),
        render,
      });
    case 'email':
      if (config.to.length === 0)
        throw new ChannelConfigError('an e-mail channel needs at least one recipient');
      return new EmailChannel({
        smtpUrl: required(env, config.smtpUrlEnv, 'SMTP URL'),
        from: config.from,
        to: config.to,
        ...languageOf(config),
        render,
      });
    case 'alertmanager':
      return new AlertmanagerChannel({
        url: required(env, config.urlEnv, 'Alertmanager URL'),
        bearerToken: optional(env, config.bearerTokenEnv, 'Alertmanager bearer token'),
        now,
        instance,
      });
    case 'tencent_sms':
      return new TencentSmsChannel({
        secretId: required(env, config.secretIdEnv, 'Tencent Cloud SecretId'),
        secretKey: required(env, config.secretKeyEnv, 'Tencent Cloud SecretKey'),
        sdkAppId: config.sdkAppId,
        templateId: config.templateId,
        region: config.region,
        ...smsDelivery(env, config, deps),
      });
    case 'aliyun_sms':
      return new AliyunSmsChannel({
        accessKeyId: required(env, config.accessKeyIdEnv, 'Alibaba Cloud AccessKey ID'),
        accessKeySecret: required(env, config.accessKeySecretEnv, 'Alibaba Cloud AccessKey secret'),
        templateCode: config.templateCode,
        ...smsDelivery(env, config, deps),
      });
  }
}
