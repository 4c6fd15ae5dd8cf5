// One channel of a receiver in routes.yaml: its kind and the settings that kind takes. Channels
// carry only the NAMES of environment variables that hold URLs and secrets, never the values.
import { readEnvVarName } from './common-fields.ts';
import { type ProblemKey, problem } from './problem.ts';
import {
  type EnvKeyReader,
  readMobile,
  readSmsSettings,
  SMS_KEYS,
  type SmsSettings,
} from './sms-settings.ts';
import type { Cursor } from './yaml-cursor.ts';

export const CHANNEL_KINDS = [
  'webhook',
  'wecom',
  'dingtalk',
  'feishu',
  'slack',
  'email',
  'alertmanager',
  'tencent_sms',
  'aliyun_sms',
] as const;
export type ChannelKind = (typeof CHANNEL_KINDS)[number];

/** `lang` on a channel that writes sentences: `zh-CN`, `en`, or `both` (Chinese first). */
export const CHANNEL_LANGS = ['zh-CN', 'en', 'both'] as const;
export type ChannelLang = (typeof CHANNEL_LANGS)[number];

/** The language a channel was given in routes.yaml; absent, the channel's default (robots: zh-CN). */
type Lang = { lang?: ChannelLang };

export type ChannelConfig =
  /** Alertmanager-compatible webhook JSON to the URL in `urlEnv`. */
  | { kind: 'webhook'; urlEnv: string; bearerTokenEnv?: string }
  /** WeCom (企业微信) group robot; the URL carries the robot key. */
  | ({ kind: 'wecom'; urlEnv: string; mentionedMobiles: readonly string[] } & Lang)
  /** DingTalk robot; with `secretEnv` each request is signed (HMAC-SHA256 of timestamp + secret). */
  | ({
      kind: 'dingtalk';
      urlEnv: string;
      secretEnv?: string;
      atMobiles: readonly string[];
      atAll: boolean;
    } & Lang)
  /** Feishu/Lark robot; with `secretEnv` each request is signed. */
  | ({ kind: 'feishu'; urlEnv: string; secretEnv?: string } & Lang)
  | ({ kind: 'slack'; urlEnv: string; channel?: string } & Lang)
  /** `smtpUrlEnv` holds an SMTP URL such as smtps://user:pass@host:465 (nodemailer form). */
  | ({ kind: 'email'; smtpUrlEnv: string; from: string; to: readonly string[] } & Lang)
  /** Base URL of a Prometheus Alertmanager; alerts are POSTed to /api/v2/alerts. */
  | { kind: 'alertmanager'; urlEnv: string; bearerTokenEnv?: string }
  /** Tencent Cloud SMS (API 3.0 SendSms, TC3-HMAC-SHA256); `endpointEnv` overrides the API's base URL. */
  | ({
      kind: 'tencent_sms';
      secretIdEnv: string;
      secretKeyEnv: string;
      sdkAppId: string;
      templateId: string;
      region: string;
    } & SmsSettings)
  /** Alibaba Cloud SMS (dysmsapi SendSms, RPC HMAC-SHA1 signature). */
  | ({
      kind: 'aliyun_sms';
      accessKeyIdEnv: string;
      accessKeySecretEnv: string;
      templateCode: string;
    } & SmsSettings);

/** Keys that would hold a literal secret; refused with a pointer to the *_env form. */
const LITERAL_SECRET_KEYS: Readonly<Record<string, string>> = {
  url: 'url_env',
  webhook: 'url_env',
  secret: 'secret_env',
  token: 'bearer_token_env',
  bearer_token: 'bearer_token_env',
  password: 'smtp_url_env',
  smtp_url: 'smtp_url_env',
  secret_id: 'secret_id_env',
  secret_key: 'secret_key_env',
  access_key_id: 'access_key_id_env',
  access_key_secret: 'access_key_secret_env',
};

const CHANNEL_KEYS: Record<ChannelKind, readonly string[]> = {
  webhook: ['url_env', 'bearer_token_env'],
  wecom: ['url_env', 'mentioned_mobiles', 'lang'],
  dingtalk: ['url_env', 'secret_env', 'at_mobiles', 'at_all', 'lang'],
  feishu: ['url_env', 'secret_env', 'lang'],
  slack: ['url_env', 'channel', 'lang'],
  email: ['smtp_url_env', 'from', 'to', 'lang'],
  alertmanager: ['url_env', 'bearer_token_env'],
  tencent_sms: ['secret_id_env', 'secret_key_env', 'sdk_app_id', 'template_id', 'region', ...SMS_KEYS],
  aliyun_sms: ['access_key_id_env', 'access_key_secret_env', 'template_code', ...SMS_KEYS],
};

export function readChannel(cursor: Cursor): ChannelConfig | undefined {
  const kindCursor = cursor.peek('kind');
  const kindText = kindCursor?.peekString();
  const kind = (CHANNEL_KINDS as readonly string[]).includes(kindText ?? '')
    ? (kindText as ChannelKind)
    : undefined;
  if (kind === undefined && kindCursor !== undefined) {
    // Which keys are allowed depends on the kind, so an unknown kind is the only thing to report.
    kindCursor.oneOf(CHANNEL_KINDS);
    return undefined;
  }
  const allowed = [
    'kind',
    ...(kind === undefined ? [] : CHANNEL_KEYS[kind]),
    ...Object.keys(LITERAL_SECRET_KEYS),
  ];
  const object = cursor.object(allowed);
  if (object === undefined) return undefined;
  for (const key of Object.keys(LITERAL_SECRET_KEYS)) {
    if (object.has(key)) {
      object.get(key).error(problem('ruleError.secretInFile', { envKey: LITERAL_SECRET_KEYS[key]! }));
    }
  }
  const kindField = object.get('kind');
  if (!kindField.required() || kind === undefined) return undefined;
  const env: EnvKeyReader = (key, required) => {
    const field = object.get(key);
    if (required && !field.required()) return undefined;
    return field.present ? readEnvVarName(field) : undefined;
  };
  const langField = object.get('lang');
  const langValue = langField.present ? langField.oneOf(CHANNEL_LANGS) : undefined;
  const lang = langValue === undefined ? {} : { lang: langValue };
  switch (kind) {
    case 'webhook':
    case 'alertmanager': {
      const urlEnv = env('url_env', true);
      const bearerTokenEnv = env('bearer_token_env', false);
      if (urlEnv === undefined) return undefined;
      return { kind, urlEnv, ...(bearerTokenEnv === undefined ? {} : { bearerTokenEnv }) };
    }
    case 'wecom': {
      const urlEnv = env('url_env', true);
      const mentionedMobiles = object.get('mentioned_mobiles').stringList(readMobile) ?? [];
      return urlEnv === undefined ? undefined : { kind, urlEnv, mentionedMobiles, ...lang };
    }
    case 'dingtalk': {
      const urlEnv = env('url_env', true);
      const secretEnv = env('secret_env', false);
      const atMobiles = object.get('at_mobiles').stringList(readMobile) ?? [];
      const atAll = object.get('at_all').boolean() ?? false;
      if (urlEnv === undefined) return undefined;
      return { kind, urlEnv, ...(secretEnv === undefined ? {} : { secretEnv }), atMobiles, atAll, ...lang };
    }
    case 'feishu': {
      const urlEnv = env('url_env', true);
      const secretEnv = env('secret_env', false);
      if (urlEnv === undefined) return undefined;
      return { kind, urlEnv, ...(secretEnv === undefined ? {} : { secretEnv }), ...lang };
    }
    case 'slack': {
      const urlEnv = env('url_env', true);
      const channel = object.get('channel').name(80);
      if (urlEnv === undefined) return undefined;
      return { kind, urlEnv, ...(channel === undefined ? {} : { channel }), ...lang };
    }
    case 'tencent_sms': {
      const secretIdEnv = env('secret_id_env', true);
      const secretKeyEnv = env('secret_key_env', true);
      const sdkAppId = requiredText(object.get('sdk_app_id'), /^[0-9]{1,20}$/, 'ruleError.smsSdkAppId');
      const templateId = requiredText(object.get('template_id'), /^[0-9]{1,20}$/, 'ruleError.smsTemplateId');
      const region = object.get('region').name(40) ?? 'ap-guangzhou';
      const sms = readSmsSettings(object, env);
      if (!secretIdEnv || !secretKeyEnv || !sdkAppId || !templateId || !sms) return undefined;
      return { kind, secretIdEnv, secretKeyEnv, sdkAppId, templateId, region, ...sms };
    }
    case 'aliyun_sms': {
      const accessKeyIdEnv = env('access_key_id_env', true);
      const accessKeySecretEnv = env('access_key_secret_env', true);
      const templateCode = requiredText(
        object.get('template_code'),
        /^SMS_[0-9]{1,20}$/,
        'ruleError.smsTemplateCode',
      );
      const sms = readSmsSettings(object, env);
      if (!accessKeyIdEnv || !accessKeySecretEnv || !templateCode || !sms) return undefined;
      return { kind, accessKeyIdEnv, accessKeySecretEnv, templateCode, ...sms };
    }
    case 'email': {
      const smtpUrlEnv = env('smtp_url_env', true);
      const fromCursor = object.get('from');
      const from = fromCursor.required() ? readAddress(fromCursor) : undefined;
      const toCursor = object.get('to');
      const to = toCursor.required() ? toCursor.stringList(readAddress) : undefined;
      if (to !== undefined && to.length === 0) toCursor.error(problem('ruleError.noAddresses'));
      if (smtpUrlEnv === undefined || from === undefined || to === undefined || to.length === 0)
        return undefined;
      return { kind, smtpUrlEnv, from, to, ...lang };
    }
  }
}

function requiredText(cursor: Cursor, pattern: RegExp, what: ProblemKey): string | undefined {
  if (!cursor.required()) return undefined;
  const text = cursor.string();
  if (text === undefined) return undefined;
  if (!pattern.test(text)) {
    cursor.error(problem(what));
    return undefined;
  }
  return text;
}

function readAddress(cursor: Cursor): string | undefined {
  const text = cursor.string();
  if (text === undefined) return undefined;
  const bare = /<([^<>]+)>\s*$/.exec(text)?.[1] ?? text;
  if (!/^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$/.test(bare.trim())) {
    cursor.error(problem('ruleError.notEmail', { text }));
    return undefined;
  }
  return text;
}
