// routes.yaml: an Alertmanager-style route tree and the receivers it names. Channels carry
// only the NAMES of environment variables that hold URLs and secrets, never the values.
import {
  LABEL_NAME,
  type Matcher,
  MatcherError,
  matcherRegex,
  parseMatcher,
} from '../domain/alerts/matchers.ts';
import {
  DEFAULT_SMS_TEMPLATE_FIELDS,
  SMS_TEMPLATE_FIELDS,
  type SmsTemplateField,
} from '../notify/sms/template-params.ts';
import { ENV_VAR_NAME, readEnvVarName } from './common-fields.ts';
import type { Cursor, ObjectCursor } from './yaml-cursor.ts';

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

export type ChannelConfig =
  /** Alertmanager-compatible webhook JSON to the URL in `urlEnv`. */
  | { kind: 'webhook'; urlEnv: string; bearerTokenEnv?: string }
  /** WeCom (企业微信) group robot; the URL carries the robot key. */
  | { kind: 'wecom'; urlEnv: string; mentionedMobiles: readonly string[] }
  /** DingTalk robot; with `secretEnv` each request is signed (HMAC-SHA256 of timestamp + secret). */
  | { kind: 'dingtalk'; urlEnv: string; secretEnv?: string; atMobiles: readonly string[]; atAll: boolean }
  /** Feishu/Lark robot; with `secretEnv` each request is signed. */
  | { kind: 'feishu'; urlEnv: string; secretEnv?: string }
  | { kind: 'slack'; urlEnv: string; channel?: string }
  /** `smtpUrlEnv` holds an SMTP URL such as smtps://user:pass@host:465 (nodemailer form). */
  | { kind: 'email'; smtpUrlEnv: string; from: string; to: readonly string[] }
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

/** What both SMS channels take: whom to text, with which approved template, how often at most. */
export interface SmsSettings {
  signName: string;
  /** Numbers written in routes.yaml; `phoneNumbersEnv` names a variable with more, comma-separated. */
  phoneNumbers: readonly string[];
  phoneNumbersEnv?: string;
  /** Which values fill the template's variables, in order (Tencent) or by these names (Alibaba). */
  templateParams: readonly SmsTemplateField[];
  /** Characters per template variable; the provider's limit by default. */
  paramMaxChars?: number;
  /** At most `max` texts per number per `windowMs`; the rest are counted as suppressed. */
  rateLimit: { max: number; windowMs: number };
  endpointEnv?: string;
}

export interface Receiver {
  name: string;
  /** Tried first; every channel in the list is sent to. Empty means "drop" (a null receiver). */
  primary: readonly ChannelConfig[];
  /** Used when delivery to the primary channels fails (so one broken channel does not silence a receiver). */
  backup: readonly ChannelConfig[];
  sendResolved: boolean;
}

/** One node of the route tree, with every inherited setting already filled in. */
export interface Route {
  /** Where it is written, e.g. `route.routes[1]`; for logs. */
  path: string;
  receiver: string;
  matchers: readonly Matcher[];
  /** Keep looking at later siblings after this route matched. */
  continue: boolean;
  /** Label names; `['...']` groups by all labels. Default `rule`, `store_id`. */
  groupBy: readonly string[];
  groupWaitMs: number;
  groupIntervalMs: number;
  repeatIntervalMs: number;
  /** An acknowledged alert still open after this long is notified again. */
  ackTimeoutMs: number;
  /** Not acknowledged within `afterMs`: also notify `receiver`. */
  escalation?: { afterMs: number; receiver: string };
  routes: readonly Route[];
}

export interface RoutingConfig {
  route: Route;
  receivers: Readonly<Record<string, Receiver>>;
}

const MINUTE = 60_000;
/** Alertmanager's defaults, and grouping by rule and store (one message per store's problem). */
export const ROUTE_DEFAULTS = {
  groupBy: ['rule', 'store_id'],
  groupWaitMs: 30_000,
  groupIntervalMs: 5 * MINUTE,
  repeatIntervalMs: 4 * 60 * MINUTE,
  ackTimeoutMs: 4 * 60 * MINUTE,
} as const;

const ROUTE_KEYS = [
  'receiver',
  'matchers',
  'continue',
  'group_by',
  'group_wait',
  'group_interval',
  'repeat_interval',
  'ack_timeout',
  'escalate_after',
  'escalate_to',
  'routes',
];
const MAX_ROUTE_DEPTH = 16;

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

const SMS_KEYS = [
  'sign_name',
  'phone_numbers',
  'phone_numbers_env',
  'template_params',
  'param_max_chars',
  'max_per_number',
  'per_number_window',
  'endpoint_env',
];

const CHANNEL_KEYS: Record<ChannelKind, readonly string[]> = {
  webhook: ['url_env', 'bearer_token_env'],
  wecom: ['url_env', 'mentioned_mobiles'],
  dingtalk: ['url_env', 'secret_env', 'at_mobiles', 'at_all'],
  feishu: ['url_env', 'secret_env'],
  slack: ['url_env', 'channel'],
  email: ['smtp_url_env', 'from', 'to'],
  alertmanager: ['url_env', 'bearer_token_env'],
  tencent_sms: ['secret_id_env', 'secret_key_env', 'sdk_app_id', 'template_id', 'region', ...SMS_KEYS],
  aliyun_sms: ['access_key_id_env', 'access_key_secret_env', 'template_code', ...SMS_KEYS],
};

export interface RoutesResult {
  routing: RoutingConfig | undefined;
  /** Every `route="…"` value the tree matches on, to check rules' `route:` against. */
  routeLabelValues: Set<string>;
}

export function readRoutes(root: Cursor): RoutesResult {
  const routeLabelValues = new Set<string>();
  const file = root.object(['route', 'receivers'], { extensions: true });
  if (file === undefined) {
    if (!root.present) root.error('routes.yaml is empty; it needs `route:` and `receivers:`');
    return { routing: undefined, routeLabelValues };
  }
  const receivers = readReceivers(file.get('receivers'));
  const routeCursor = file.get('route');
  if (!routeCursor.required()) return { routing: undefined, routeLabelValues };
  const route = readRoute(routeCursor, undefined, 'route', 0, receivers, routeLabelValues);
  if (route === undefined || receivers === undefined) return { routing: undefined, routeLabelValues };
  return { routing: { route, receivers }, routeLabelValues };
}

function readReceivers(cursor: Cursor): Record<string, Receiver> | undefined {
  if (!cursor.required()) return undefined;
  const items = cursor.list();
  if (items === undefined) return undefined;
  if (items.length === 0) {
    cursor.error('must list at least one receiver');
    return undefined;
  }
  const receivers: Record<string, Receiver> = Object.create(null);
  for (const item of items) {
    const object = item.object(['name', 'primary', 'backup', 'send_resolved']);
    if (object === undefined) continue;
    const nameCursor = object.get('name');
    const name = nameCursor.required() ? nameCursor.string() : undefined;
    if (name !== undefined && !/^[a-z][a-z0-9_-]*$/.test(name)) {
      nameCursor.error(
        `receiver name "${name}" must be lower-case letters, digits, "_" or "-", starting with a letter`,
      );
    }
    const primaryCursor = object.get('primary');
    const primary = primaryCursor.required() ? readChannels(primaryCursor) : [];
    const backup = readChannels(object.get('backup'));
    if (backup.length > 0 && primary.length === 0) {
      object.get('backup').error('a backup needs at least one primary channel to stand in for');
    }
    const sendResolved = object.get('send_resolved').boolean() ?? true;
    if (name === undefined) continue;
    if (Object.hasOwn(receivers, name)) {
      nameCursor.error(`receiver "${name}" is defined twice`);
      continue;
    }
    receivers[name] = { name, primary, backup, sendResolved };
  }
  return receivers;
}

function readChannels(cursor: Cursor): ChannelConfig[] {
  if (cursor.isNull) return [];
  const items = cursor.list() ?? [];
  const channels: ChannelConfig[] = [];
  for (const item of items) {
    const channel = readChannel(item);
    if (channel !== undefined) channels.push(channel);
  }
  return channels;
}

function readChannel(cursor: Cursor): ChannelConfig | undefined {
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
      object
        .get(key)
        .error(
          `secrets and URLs may not be written in rule files; put the value in an environment variable and name it in ${LITERAL_SECRET_KEYS[key]}`,
        );
    }
  }
  const kindField = object.get('kind');
  if (!kindField.required() || kind === undefined) return undefined;
  const env = (key: string, required: boolean): string | undefined => {
    const field = object.get(key);
    if (required && !field.required()) return undefined;
    return field.present ? readEnvVarName(field) : undefined;
  };
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
      return urlEnv === undefined ? undefined : { kind, urlEnv, mentionedMobiles };
    }
    case 'dingtalk': {
      const urlEnv = env('url_env', true);
      const secretEnv = env('secret_env', false);
      const atMobiles = object.get('at_mobiles').stringList(readMobile) ?? [];
      const atAll = object.get('at_all').boolean() ?? false;
      if (urlEnv === undefined) return undefined;
      return { kind, urlEnv, ...(secretEnv === undefined ? {} : { secretEnv }), atMobiles, atAll };
    }
    case 'feishu': {
      const urlEnv = env('url_env', true);
      const secretEnv = env('secret_env', false);
      if (urlEnv === undefined) return undefined;
      return { kind, urlEnv, ...(secretEnv === undefined ? {} : { secretEnv }) };
    }
    case 'slack': {
      const urlEnv = env('url_env', true);
      const channel = object.get('channel').name(80);
      if (urlEnv === undefined) return undefined;
      return { kind, urlEnv, ...(channel === undefined ? {} : { channel }) };
    }
    case 'tencent_sms': {
      const secretIdEnv = env('secret_id_env', true);
      const secretKeyEnv = env('secret_key_env', true);
      const sdkAppId = requiredText(
        object.get('sdk_app_id'),
        /^[0-9]{1,20}$/,
        'an SmsSdkAppId such as "1400000000"',
      );
      const templateId = requiredText(
        object.get('template_id'),
        /^[0-9]{1,20}$/,
        'a template id such as "1234567"',
      );
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
        'a template code such as "SMS_123456789"',
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
      if (to !== undefined && to.length === 0) toCursor.error('must list at least one address');
      if (smtpUrlEnv === undefined || from === undefined || to === undefined || to.length === 0)
        return undefined;
      return { kind, smtpUrlEnv, from, to };
    }
  }
}

function requiredText(cursor: Cursor, pattern: RegExp, what: string): string | undefined {
  if (!cursor.required()) return undefined;
  const text = cursor.string();
  if (text === undefined) return undefined;
  if (!pattern.test(text)) {
    cursor.error(`must be ${what}`);
    return undefined;
  }
  return text;
}

function readSmsSettings(
  object: ObjectCursor,
  env: (key: string, required: boolean) => string | undefined,
): SmsSettings | undefined {
  const signNameCursor = object.get('sign_name');
  const signName = signNameCursor.required() ? signNameCursor.string() : undefined;
  if (signName !== undefined && (signName.trim() === '' || [...signName].length > 32)) {
    signNameCursor.error('must be the approved sign name, 1 to 32 characters');
  }
  const phoneNumbers = object.get('phone_numbers').stringList(readMobile) ?? [];
  const phoneNumbersEnv = env('phone_numbers_env', false);
  if (phoneNumbers.length === 0 && phoneNumbersEnv === undefined) {
    object.error('an SMS channel needs phone_numbers or phone_numbers_env');
  }
  const paramsCursor = object.get('template_params');
  const templateParams = paramsCursor.present
    ? paramsCursor.stringList((item) => {
        const field = item.peekString();
        if (!(SMS_TEMPLATE_FIELDS as readonly string[]).includes(field ?? '')) {
          item.oneOf(SMS_TEMPLATE_FIELDS);
          return undefined;
        }
        return field;
      })
    : [...DEFAULT_SMS_TEMPLATE_FIELDS];
  const paramMaxChars = object.get('param_max_chars').integer(1, 500);
  const max = object.get('max_per_number').integer(1, 1000) ?? 5;
  const windowMs = object.get('per_number_window').duration({ positive: true }) ?? 10 * 60_000;
  const endpointEnv = env('endpoint_env', false);
  if (signName === undefined || templateParams === undefined) return undefined;
  return {
    signName,
    phoneNumbers,
    ...(phoneNumbersEnv !== undefined && { phoneNumbersEnv }),
    templateParams: templateParams as SmsTemplateField[],
    ...(paramMaxChars !== undefined && { paramMaxChars }),
    rateLimit: { max, windowMs },
    ...(endpointEnv !== undefined && { endpointEnv }),
  };
}

function readMobile(cursor: Cursor): string | undefined {
  const text = cursor.peekString();
  if (text === undefined || !/^\+?[0-9][0-9-]{4,19}$/.test(text)) {
    cursor.error('must be a phone number written as a quoted string of digits, e.g. "13800000000"');
    return undefined;
  }
  return text;
}

function readAddress(cursor: Cursor): string | undefined {
  const text = cursor.string();
  if (text === undefined) return undefined;
  const bare = /<([^<>]+)>\s*$/.exec(text)?.[1] ?? text;
  if (!/^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$/.test(bare.trim())) {
    cursor.error(`"${text}" is not an e-mail address`);
    return undefined;
  }
  return text;
}

function readRoute(
  cursor: Cursor,
  parent: Route | undefined,
  path: string,
  depth: number,
  receivers: Readonly<Record<string, Receiver>> | undefined,
  routeLabelValues: Set<string>,
): Route | undefined {
  const object = cursor.object(ROUTE_KEYS);
  if (object === undefined) return undefined;
  const isRoot = parent === undefined;
  if (depth > MAX_ROUTE_DEPTH) {
    object.error(`routes are nested more than ${MAX_ROUTE_DEPTH} levels deep`);
    return undefined;
  }
  const receiverCursor = object.get('receiver');
  let receiver = parent?.receiver;
  if (isRoot && !receiverCursor.required()) receiver = undefined;
  else if (receiverCursor.present) receiver = checkReceiver(receiverCursor, receivers);

  const matchers = readMatchers(object.get('matchers'), routeLabelValues);
  if (isRoot && matchers.length > 0)
    object.get('matchers').error('the root route matches every alert; it may not have matchers');
  const continues = object.get('continue').boolean() ?? false;
  if (isRoot && continues) object.get('continue').error('the root route cannot continue; it has no siblings');

  const groupBy = readGroupBy(object.get('group_by')) ?? parent?.groupBy ?? ROUTE_DEFAULTS.groupBy;
  const groupWaitMs =
    object.get('group_wait').duration({ positive: false }) ??
    parent?.groupWaitMs ??
    ROUTE_DEFAULTS.groupWaitMs;
  const groupIntervalMs =
    object.get('group_interval').duration({ positive: true }) ??
    parent?.groupIntervalMs ??
    ROUTE_DEFAULTS.groupIntervalMs;
  const repeatIntervalMs =
    object.get('repeat_interval').duration({ positive: true }) ??
    parent?.repeatIntervalMs ??
    ROUTE_DEFAULTS.repeatIntervalMs;
  if (repeatIntervalMs < groupIntervalMs && (object.has('repeat_interval') || object.has('group_interval'))) {
    const where = object.has('repeat_interval')
      ? object.get('repeat_interval')
      : object.get('group_interval');
    where.error(
      'repeat_interval must not be shorter than group_interval (a group is only re-sent at a group interval)',
    );
  }
  const ackTimeoutMs =
    object.get('ack_timeout').duration({ positive: true }) ??
    parent?.ackTimeoutMs ??
    ROUTE_DEFAULTS.ackTimeoutMs;
  const escalation = readEscalation(object, receivers) ?? parent?.escalation;

  const route: Route = {
    path,
    receiver: receiver ?? '',
    matchers,
    continue: continues,
    groupBy,
    groupWaitMs,
    groupIntervalMs,
    repeatIntervalMs,
    ackTimeoutMs,
    ...(escalation === undefined ? {} : { escalation }),
    routes: [],
  };
  const children: Route[] = [];
  const childCursors = object.get('routes').list() ?? [];
  childCursors.forEach((child, index) => {
    const childRoute = readRoute(
      child,
      route,
      `${path}.routes[${index}]`,
      depth + 1,
      receivers,
      routeLabelValues,
    );
    if (childRoute !== undefined) children.push(childRoute);
  });
  route.routes = children;
  return receiver === undefined ? undefined : route;
}

function checkReceiver(
  cursor: Cursor,
  receivers: Readonly<Record<string, Receiver>> | undefined,
): string | undefined {
  const name = cursor.string();
  if (name === undefined) return undefined;
  if (receivers !== undefined && !Object.hasOwn(receivers, name)) {
    const known = Object.keys(receivers);
    cursor.error(
      `receiver "${name}" is not defined under receivers (defined: ${known.join(', ') || 'none'})`,
    );
    return undefined;
  }
  return name;
}

function readEscalation(
  object: ObjectCursor,
  receivers: Readonly<Record<string, Receiver>> | undefined,
): { afterMs: number; receiver: string } | undefined {
  const after = object.get('escalate_after');
  const to = object.get('escalate_to');
  if (!after.present && !to.present) return undefined;
  if (after.present !== to.present) {
    (after.present ? to : after).error('escalate_after and escalate_to must be given together');
    return undefined;
  }
  const afterMs = after.duration({ positive: true });
  const receiver = checkReceiver(to, receivers);
  if (afterMs === undefined || receiver === undefined) return undefined;
  return { afterMs, receiver };
}

function readGroupBy(cursor: Cursor): string[] | undefined {
  if (!cursor.present) return undefined;
  const labels = cursor.stringList((item) => {
    const name = item.string();
    if (name === undefined) return undefined;
    if (name !== '...' && !LABEL_NAME.test(name)) {
      item.error(`"${name}" is not a label name (or "..." for all labels)`);
      return undefined;
    }
    return name;
  });
  if (labels?.includes('...') && labels.length > 1) {
    cursor.error('"..." already groups by every label; list nothing else with it');
  }
  return labels;
}

/** Alertmanager matcher strings: `severity="critical"`, `store_id=~"SH-.*"`, `rule!=order_stalled`. */
function readMatchers(cursor: Cursor, routeLabelValues: Set<string>): Matcher[] {
  const matchers: Matcher[] = [];
  if (!cursor.present) return matchers;
  for (const item of cursor.list() ?? []) {
    const text = item.string();
    if (text === undefined) continue;
    let matcher: Matcher;
    try {
      matcher = parseMatcher(text);
    } catch (error) {
      if (!(error instanceof MatcherError)) throw error;
      item.error(error.message);
      continue;
    }
    if (matcher.operator === '=~' || matcher.operator === '!~') {
      try {
        // Compiled now so a bad regex is a load error, and cached for matching.
        matcherRegex(matcher);
      } catch (error) {
        item.error(`invalid regular expression in "${text}": ${(error as Error).message}`);
        continue;
      }
    }
    if (matcher.name === 'route' && matcher.operator === '=') routeLabelValues.add(matcher.value);
    matchers.push(matcher);
  }
  return matchers;
}

/** Every environment variable the receivers need, for start-up checks and /readyz. */
export function requiredEnvVars(routing: RoutingConfig): string[] {
  const names = new Set<string>();
  for (const receiver of Object.values(routing.receivers)) {
    for (const channel of [...receiver.primary, ...receiver.backup]) {
      for (const [key, value] of Object.entries(channel)) {
        // An endpoint override is optional by nature: unset means the provider's own API.
        if (key === 'endpointEnv') continue;
        if (key.endsWith('Env') && typeof value === 'string' && ENV_VAR_NAME.test(value)) names.add(value);
      }
    }
  }
  return [...names].sort();
}
