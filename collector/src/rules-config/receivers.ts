// The receivers of routes.yaml: named lists of primary and backup channels.
import { type ChannelConfig, readChannel } from './channel-configs.ts';
import { ENV_VAR_NAME } from './common-fields.ts';
import { problem } from './problem.ts';
import type { Cursor } from './yaml-cursor.ts';

export interface Receiver {
  name: string;
  /** Tried first; every channel in the list is sent to. Empty means "drop" (a null receiver). */
  primary: readonly ChannelConfig[];
  /** Used when delivery to the primary channels fails (so one broken channel does not silence a receiver). */
  backup: readonly ChannelConfig[];
  sendResolved: boolean;
}

/** Receivers by name; undefined when the list itself is missing or unreadable. */
export function readReceivers(cursor: Cursor): Record<string, Receiver> | undefined {
  if (!cursor.required()) return undefined;
  const items = cursor.list();
  if (items === undefined) return undefined;
  if (items.length === 0) {
    cursor.error(problem('ruleError.noReceivers'));
    return undefined;
  }
  const receivers: Record<string, Receiver> = Object.create(null);
  for (const item of items) {
    const object = item.object(['name', 'primary', 'backup', 'send_resolved']);
    if (object === undefined) continue;
    const nameCursor = object.get('name');
    const name = nameCursor.required() ? nameCursor.string() : undefined;
    if (name !== undefined && !/^[a-z][a-z0-9_-]*$/.test(name)) {
      nameCursor.error(problem('ruleError.receiverNameSyntax', { name }));
    }
    const primaryCursor = object.get('primary');
    const primary = primaryCursor.required() ? readChannels(primaryCursor) : [];
    const backup = readChannels(object.get('backup'));
    if (backup.length > 0 && primary.length === 0) {
      object.get('backup').error(problem('ruleError.backupWithoutPrimary'));
    }
    const sendResolved = object.get('send_resolved').boolean() ?? true;
    if (name === undefined) continue;
    if (Object.hasOwn(receivers, name)) {
      nameCursor.error(problem('ruleError.receiverTwice', { name }));
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

/** Every environment variable the receivers need, for start-up checks and /readyz. */
export function requiredEnvVars(routing: { receivers: Readonly<Record<string, Receiver>> }): string[] {
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
