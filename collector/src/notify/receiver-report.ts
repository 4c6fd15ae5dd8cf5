// Which receivers will deliver where with a given environment: for `orderpulse routes check` and the
// start-up warnings. Names variables and says whether each is set; never shows a value.
import type { ChannelConfig } from '../rules-config/channel-configs.ts';
import type { RoutingConfig } from '../rules-config/routes.ts';
import type { Environment } from './create-channel.ts';
import { buildConfiguredReceiver, type ChannelTier, closeReceivers } from './receivers.ts';

export interface ChannelReport {
  tier: ChannelTier;
  kind: ChannelConfig['kind'];
  variables: { name: string; set: boolean }[];
  /** Built and used; false when a variable it needs is unset. */
  delivers: boolean;
  reason?: string;
}

export interface ReceiverReport {
  name: string;
  /** `primary`: its primaries (backups on failure); `backup`: its backups only; `nowhere`; `drop` (no channels written). */
  delivery: 'primary' | 'backup' | 'nowhere' | 'drop';
  channels: ChannelReport[];
}

/** The variable names a channel's `*_env` settings hold, in the order routes.yaml gives them. */
export function channelVariables(channel: ChannelConfig): string[] {
  return Object.entries(channel)
    .filter(([key, value]) => key.endsWith('Env') && typeof value === 'string')
    .map(([, value]) => value as string);
}

export function reportReceivers(routing: RoutingConfig, env: Environment): ReceiverReport[] {
  return Object.values(routing.receivers).map((receiver) => {
    const built = buildConfiguredReceiver(receiver, { env });
    if (built.receiver) closeReceivers([built.receiver]);
    const channels = (['primary', 'backup'] as const).flatMap((tier) =>
      receiver[tier].map((config, index): ChannelReport => {
        const leftOut = built.leftOut.find((l) => l.tier === tier && l.index === index);
        return {
          tier,
          kind: config.kind,
          variables: channelVariables(config).map((name) => ({
            name,
            set: (env[name] ?? '').trim() !== '',
          })),
          delivers: leftOut === undefined,
          ...(leftOut !== undefined && { reason: leftOut.reason }),
        };
      }),
    );
    const delivers = (tier: ChannelTier) => channels.some((c) => c.tier === tier && c.delivers);
    const delivery =
      channels.length === 0
        ? 'drop'
        : delivers('primary')
          ? 'primary'
          : delivers('backup')
            ? 'backup'
            : 'nowhere';
    return { name: receiver.name, delivery, channels };
  });
}

const DELIVERY_TEXT: Record<ReceiverReport['delivery'], string> = {
  primary: 'delivers',
  backup: 'delivers (no primary channel is configured)',
  nowhere: 'DELIVERS NOWHERE (no channel is configured)',
  drop: 'drops everything (no channels written)',
};

/** One block per receiver: its delivery, then a line per channel with its variables set or unset. */
export function formatReceiverReport(reports: readonly ReceiverReport[]): string {
  const lines: string[] = [];
  for (const r of reports) {
    const used = r.channels.filter((c) => c.delivers).map((c) => `${c.kind} (${c.tier})`);
    const missingBackup =
      r.delivery === 'primary' && r.channels.some((c) => c.tier === 'backup' && !c.delivers);
    lines.push(
      `${r.name}: ${DELIVERY_TEXT[r.delivery]}${used.length > 0 && r.delivery !== 'drop' ? ` to ${used.join(', ')}` : ''}${missingBackup ? '; a backup channel is not configured' : ''}`,
    );
    for (const c of r.channels) {
      const vars = c.variables.map((v) => `${v.name} ${v.set ? 'set' : 'unset'}`).join(', ');
      lines.push(`  ${c.tier.padEnd(7)} ${c.kind.padEnd(12)} ${vars}${c.delivers ? '' : ' -> left out'}`);
    }
  }
  return `${lines.join('\n')}\n`;
}
