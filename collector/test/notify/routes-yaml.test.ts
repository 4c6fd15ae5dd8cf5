// The shipped alert-rules/routes.yaml, loaded by the rules-config loader, drives this module unchanged:
// the route matches handed to the alerting dispatcher are the loader's own, and every channel it
// configures is built from environment variables and delivers to a loopback receiver.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildReceivers } from '../../src/notify/receivers.ts';
import { matchRoutes } from '../../src/notify/route-tree.ts';
import type { ChannelConfig } from '../../src/rules-config/channel-configs.ts';
import { matchRoutes as loaderMatchRoutes } from '../../src/rules-config/route-matching.ts';
import type { Route, RoutingConfig } from '../../src/rules-config/routes.ts';
import { loadRuleSet } from '../../src/rules-config/rule-set.ts';
import { type LoopbackReceiver, startReceiver } from './loopback-receiver.ts';
import { firingNotification } from './sample-notification.ts';

const RULES_DIR = path.resolve(import.meta.dirname, '../../../alert-rules');

let routing: RoutingConfig;
let receiver: LoopbackReceiver;

beforeAll(async () => {
  const loaded = await loadRuleSet(RULES_DIR);
  if (!loaded.ok) throw new Error(`alert-rules/ does not load: ${JSON.stringify(loaded.errors)}`);
  routing = loaded.ruleSet.routing;
  // Answers every robot's success shape at once: errcode for WeCom/DingTalk, code for Feishu.
  receiver = await startReceiver({ status: 200, body: '{"errcode":0,"code":0,"errmsg":"ok"}' });
});
afterAll(async () => {
  await receiver.close();
});

function envNamesOf(channel: ChannelConfig): string[] {
  return Object.entries(channel)
    .filter(([key]) => key.endsWith('Env'))
    .map(([, value]) => value as string);
}

describe('alert-rules/routes.yaml through the notify module', () => {
  it('names each route the loader matched by its position in the tree', () => {
    const routeAt = (routeId: string): Route | undefined => {
      let route: Route | undefined = routing.route;
      for (const index of routeId.split('.').slice(1)) route = route?.routes[Number(index)];
      return route;
    };
    const labelSets: Array<Record<string, string>> = [
      { rule: 'callback_silent', severity: 'critical', store_id: 's-001', route: 'payments' },
      { rule: 'payment_unapplied', severity: 'warning', store_id: 's-002', route: 'payments' },
      { rule: 'reconciliation_mismatch', severity: 'warning', store_id: 's-003', route: 'finance' },
      { rule: 'tracking_silent', severity: 'warning', store_id: 's-004', team: 'logistics' },
      { rule: 'order_stalled', severity: 'critical', store_id: 's-005' },
      { rule: 'order_stalled', severity: 'info', store_id: 's-006' },
    ];
    const seenIds = new Set<string>();
    for (const labels of labelSets) {
      const ours = matchRoutes(routing.route, labels);
      const theirs = loaderMatchRoutes(routing.route, labels);
      expect(
        ours.map((m) => routeAt(m.routeId)),
        JSON.stringify(labels),
      ).toEqual(theirs);
      expect(ours.map((m) => m.receiver)).toEqual(theirs.map((r) => r.receiver));
      expect(ours.map((m) => m.groupBy)).toEqual(theirs.map((r) => r.groupBy));
      expect(ours.length).toBeGreaterThan(0);
      for (const m of ours) seenIds.add(m.routeId);
    }
    // The label sets reach more than the root, so the ids are really positions.
    expect([...seenIds].some((id) => id !== '0')).toBe(true);
  });

  it('builds every configured channel from environment variables, and each delivers', async () => {
    const receivers = Object.values(routing.receivers);
    const env: Record<string, string> = {};
    for (const r of receivers) {
      for (const channel of [...r.primary, ...r.backup]) {
        for (const name of envNamesOf(channel)) {
          env[name] = /SECRET|TOKEN/.test(name)
            ? `secret-for-${name}`
            : channel.kind === 'email'
              ? 'smtp://127.0.0.1:1'
              : `${receiver.baseUrl}/${name}?access_token=t`;
        }
      }
    }
    const built = buildReceivers(receivers, { env });
    const sent: string[] = [];
    for (const r of built.values()) {
      for (const keyed of [...r.primary, ...r.backup]) {
        // e-mail has its own test against a real SMTP server
        if (keyed.channel.type === 'email') continue;
        const before = receiver.requests.length;
        await keyed.channel.send(firingNotification({ receiver: r.name }));
        expect(receiver.requests.length, `${r.name} ${keyed.key}`).toBe(before + 1);
        sent.push(`${r.name}:${keyed.key}`);
      }
    }
    expect(sent.length).toBeGreaterThan(0);
    expect(() => buildReceivers(receivers, { env: {} })).toThrow(/environment variable/);
  });
});
