// The port every notification integration implements, and the configuration shapes that select one.
// Configuration names environment variables, never secrets: webhook URLs of chat robots carry access
// tokens, so they are secrets too. The shapes are a structural superset of what the routes.yaml loader
// (rules-config/routes.ts) produces, so its channel objects can be passed in unchanged.
import type { Notification } from './notification.ts';

export interface Channel {
  /** The integration, e.g. `dingtalk`; used in metrics labels and logs. */
  readonly type: ChannelType;
  /** Delivers or throws a `DeliveryError`. Must honour `signal` (worker shutdown). */
  send(notification: Notification, signal?: AbortSignal): Promise<void>;
  /** Releases connections (SMTP); HTTP channels hold nothing. */
  close?(): void;
}

export type ChannelType = ChannelConfig['kind'];

/** Which languages a message carries; chat robots default to `zh`, Slack to `en`, e-mail to both. */
export type MessageLanguage = 'zh' | 'en' | 'both';

interface HttpChannelCommon {
  /** Environment variable holding the endpoint URL. */
  urlEnv: string;
  timeoutMs?: number;
}

export interface WebhookChannelConfig extends HttpChannelCommon {
  kind: 'webhook';
  /** Environment variable holding a bearer token for `Authorization`. */
  bearerTokenEnv?: string;
}

export interface WeComChannelConfig extends HttpChannelCommon {
  kind: 'wecom';
  /** Members to @-mention by mobile number (sent as a follow-up text message: markdown cannot mention). */
  mentionedMobiles?: readonly string[];
  language?: MessageLanguage;
}

export interface DingTalkChannelConfig extends HttpChannelCommon {
  kind: 'dingtalk';
  /** Environment variable holding the robot's signing secret (`SEC…`); unset means unsigned. */
  secretEnv?: string;
  atMobiles?: readonly string[];
  atAll?: boolean;
  language?: MessageLanguage;
}

export interface FeishuChannelConfig extends HttpChannelCommon {
  kind: 'feishu';
  /** Environment variable holding the robot's signing secret; unset means unsigned. */
  secretEnv?: string;
  language?: MessageLanguage;
}

export interface SlackChannelConfig extends HttpChannelCommon {
  kind: 'slack';
  /** Overrides the webhook's default channel where Slack still allows it (legacy webhooks). */
  channel?: string;
  language?: MessageLanguage;
}

export interface EmailChannelConfig {
  kind: 'email';
  /** Environment variable holding an SMTP URL, e.g. `smtps://user:pass@smtp.example.com:465`. */
  smtpUrlEnv: string;
  from: string;
  to: readonly string[];
  language?: MessageLanguage;
  timeoutMs?: number;
}

export interface AlertmanagerChannelConfig extends HttpChannelCommon {
  kind: 'alertmanager';
  /** Environment variable holding a bearer token, when the Alertmanager sits behind a proxy that needs one. */
  bearerTokenEnv?: string;
}

export type ChannelConfig =
  | WebhookChannelConfig
  | WeComChannelConfig
  | DingTalkChannelConfig
  | FeishuChannelConfig
  | SlackChannelConfig
  | EmailChannelConfig
  | AlertmanagerChannelConfig;

export const DEFAULT_CHANNEL_TIMEOUT_MS = 10_000;
