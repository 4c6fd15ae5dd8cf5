// Receivers with live channels, built once from configuration. Channels are addressed by a key that
// records their place in the receiver (`primary/0/dingtalk`), which is what the outbox stores.
import type { Receiver } from '../rules-config/routes.ts';
import type { Channel } from './channel.ts';
import { type ChannelDependencies, createChannel } from './create-channel.ts';

export type ChannelTier = 'primary' | 'backup';

export interface KeyedChannel {
  key: string;
  tier: ChannelTier;
  channel: Channel;
}

export interface ReceiverChannels {
  name: string;
  sendResolved: boolean;
  primary: readonly KeyedChannel[];
  backup: readonly KeyedChannel[];
}

/** What the outbox needs: a Map works; a config reloader can pass something that swaps its contents. */
export interface ReceiverRegistry {
  get(name: string): ReceiverChannels | undefined;
}

export function channelKey(tier: ChannelTier, index: number, channel: Pick<Channel, 'type'>): string {
  return `${tier}/${index}/${channel.type}`;
}

export function keyChannels(tier: ChannelTier, channels: readonly Channel[]): KeyedChannel[] {
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

/** Releases what the channels hold; call after the outbox worker has stopped. */
export function closeReceivers(receivers: Iterable<ReceiverChannels>): void {
  for (const receiver of receivers) {
    for (const keyed of [...receiver.primary, ...receiver.backup]) keyed.channel.close?.();
  }
}
