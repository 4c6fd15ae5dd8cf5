// Receivers with live channels, built once from configuration. Channels are addressed by a key that
// records their place in the receiver (`primary/0/dingtalk`), which is what the outbox stores.
import type { ChannelConfig } from '../rules-config/channel-configs.ts';
import type { Receiver } from '../rules-config/receivers.ts';
import type { Channel } from './channel.ts';
import { ChannelConfigError, type ChannelDependencies, createChannel } from './create-channel.ts';
import type { Notification } from './notification.ts';

export type ChannelTier = 'primary' | 'backup';

/** `P`: what the channel delivers; alert notifications unless said otherwise. */
export interface KeyedChannel<P = Notification> {
  key: string;
  tier: ChannelTier;
  channel: Channel<P>;
}

export interface ReceiverChannels<P = Notification> {
  name: string;
  sendResolved: boolean;
  primary: readonly KeyedChannel<P>[];
  backup: readonly KeyedChannel<P>[];
}

/** What the outbox needs: a Map works; a config reloader can pass something that swaps its contents. */
export interface ReceiverRegistry<P = Notification> {
  get(name: string): ReceiverChannels<P> | undefined;
}

export function channelKey(
  tier: ChannelTier,
  index: number,
  channel: Pick<Channel<unknown>, 'type'>,
): string {
  return `${tier}/${index}/${channel.type}`;
}

export function keyChannels<P>(tier: ChannelTier, channels: readonly Channel<P>[]): KeyedChannel<P>[] {
  return channels.map((channel, index) => ({ key: channelKey(tier, index, channel), tier, channel }));
}

/** Throws `ChannelConfigError` when a named environment variable is missing. */
export function buildReceiver(receiver: Receiver, deps: ChannelDependencies): ReceiverChannels {
  return {
    name: receiver.name,
    sendResolved: receiver.sendResolved,
    primary: keyChannels(
      'primary',
      receiver.primary.map((c) => createChannel(c, deps)),
    ),
    backup: keyChannels(
      'backup',
      receiver.backup.map((c) => createChannel(c, deps)),
    ),
  };
}

/** Throws `ChannelConfigError` when a named environment variable is missing. */
export function buildReceivers(
  receivers: readonly Receiver[],
  deps: ChannelDependencies,
): Map<string, ReceiverChannels> {
  return new Map(receivers.map((receiver) => [receiver.name, buildReceiver(receiver, deps)]));
}

/** A channel of routes.yaml that could not be built, e.g. because its environment variable is unset. */
export interface LeftOutChannel {
  tier: ChannelTier;
  index: number;
  kind: ChannelConfig['kind'];
  /** Why, naming the variable (never its value). */
  reason: string;
  /** The unset variable, when that is the reason. */
  variable?: string;
}

export interface ConfiguredReceiver {
  /** Undefined when it has channels but not one of them could be built: it delivers nowhere. */
  receiver: ReceiverChannels | undefined;
  leftOut: LeftOutChannel[];
}

/**
 * Builds a receiver from the channels whose settings are present, leaving out the others. Keys keep
 * each channel's position in routes.yaml, so rows already queued still name the right channel when
 * a variable is set later. A receiver with backups only sends to them (see Outbox.enqueue).
 */
export function buildConfiguredReceiver(receiver: Receiver, deps: ChannelDependencies): ConfiguredReceiver {
  const leftOut: LeftOutChannel[] = [];
  const build = (tier: ChannelTier, configs: readonly ChannelConfig[]): KeyedChannel[] => {
    const keyed: KeyedChannel[] = [];
    configs.forEach((config, index) => {
      try {
        const channel = createChannel(config, deps);
        keyed.push({ key: channelKey(tier, index, channel), tier, channel });
      } catch (error) {
        if (!(error instanceof ChannelConfigError)) throw error;
        leftOut.push({
          tier,
          index,
          kind: config.kind,
          reason: error.message,
          ...(error.variable !== undefined && { variable: error.variable }),
        });
      }
    });
    return keyed;
  };
  const primary = build('primary', receiver.primary);
  const backup = build('backup', receiver.backup);
  // A receiver written with no channels is a deliberate drop; one whose channels are all unset is not.
  if (primary.length === 0 && backup.length === 0 && leftOut.length > 0)
    return { receiver: undefined, leftOut };
  return { receiver: { name: receiver.name, sendResolved: receiver.sendResolved, primary, backup }, leftOut };
}

/** Releases what the channels hold; call after the outbox worker has stopped. */
export function closeReceivers(receivers: Iterable<ReceiverChannels>): void {
  for (const receiver of receivers) {
    for (const keyed of [...receiver.primary, ...receiver.backup]) keyed.channel.close?.();
  }
}
