// The port every notification integration implements. Which channel to build is configured in
// routes.yaml (rules-config/channel-configs.ts: ChannelConfig), naming environment variables, never secrets.
import type { ChannelKind } from '../rules-config/channel-configs.ts';
import type { Notification } from './notification.ts';

export interface Channel<P = Notification> {
  /** The integration, e.g. `dingtalk`; used in metrics labels and logs. */
  readonly type: ChannelType;
  /** Delivers or throws a `DeliveryError`. Must honour `signal` (worker shutdown). */
  send(payload: P, signal?: AbortSignal): Promise<void>;
  /** Releases connections (SMTP); HTTP channels hold nothing. */
  close?(): void;
}

/** The routes.yaml kinds, and the order system's payment webhook (configured by environment). */
export type ChannelType = ChannelKind | 'order_system';

/** Which languages a message carries; chat robots default to `zh`, Slack to `en`, e-mail to both. */
export type MessageLanguage = 'zh' | 'en' | 'both';

export const DEFAULT_CHANNEL_TIMEOUT_MS = 10_000;
