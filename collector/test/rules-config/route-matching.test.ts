import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseMatcher } from '../../src/domain/alerts/matchers.ts';
import { alertRoutingLabels, groupKey, matchRoutes } from '../../src/rules-config/route-matching.ts';
import { ROUTE_DEFAULTS, type Route } from '../../src/rules-config/routes.ts';
import { loadRuleSet } from '../../src/rules-config/rule-set.ts';

const full = path.join(import.meta.dirname, 'testdata/valid/full');

async function rootOf(dir: string): Promise<Route> {
  const result = await loadRuleSet(dir);
  if (!result.ok) throw new Error('sample must load');
  return result.ruleSet.routing.route;
}

// Modelled on Alertmanager's own routing examples, with OrderPulse labels. The loader fills in
// every inherited setting, so the tree is written out here as it would arrive from routes.yaml.
function route(path: string, fields: Partial<Route> & { receiver: string }): Route {
  return {
    path,
    matchers: [],
    continue: false,
    groupBy: ['rule'],
    groupWaitMs: 30_000,
    groupIntervalMs: ROUTE_DEFAULTS.groupIntervalMs,
    repeatIntervalMs: ROUTE_DEFAULTS.repeatIntervalMs,
    ackTimeoutMs: ROUTE_DEFAULTS.ackTimeoutMs,
    routes: [],
    ...fields,
  };
}
const m = parseMatcher;
const tree = route('route', {
  receiver: 'default',
  routes: [
    route('route.routes[0]', {
      matchers: [m('severity="critical"')],
      receiver: 'pager',
      continue: true,
      groupWaitMs: 5_000,
    }),
    route('route.routes[1]', {
      matchers: [m('rule=~"payment_.*|callback_silent"')],
      receiver: 'payments-team',
      groupBy: ['rule', 'provider'],
      routes: [
        route('route.routes[1].routes[0]', {
          matchers: [m('store_id="s-001"')],
          receiver: 'store-001',
          groupBy: ['rule', 'provider'],
          repeatIntervalMs: 60_000,
        }),
      ],
    }),
    route('route.routes[2]', { matchers: [m('rule=~"payment_unapplied"')], receiver: 'never-reached' }),
    route('route.routes[3]', {
      matchers: [m('store_id!~"s-0.*"'), m('region!=""')],
      receiver: 'regional',
    }),
  ],
});
const receiversOf = (labels: Record<string, string>) => matchRoutes(tree, labels).map((r) => r.receiver);

describe('matchRoutes (Alertmanager semantics)', () => {
  it('sends unmatched alerts to the root', () => {
    expect(matchRoutes(tree, { rule: 'tracking_silent', severity: 'warning' })).toEqual([tree]);
  });

  it('stops at the first matching child unless that child has continue', () => {
    // critical continues, payments matches and stops, so "never-reached" is never tried
    expect(receiversOf({ rule: 'payment_unapplied', severity: 'critical', store_id: 's-009' })).toEqual([
      'pager',
      'payments-team',
    ]);
    expect(receiversOf({ rule: 'payment_unapplied', severity: 'warning', store_id: 's-009' })).toEqual([
      'payments-team',
    ]);
  });

  it('descends into the deepest matching route', () => {
    const [pager, store] = matchRoutes(tree, {
      rule: 'callback_silent',
      severity: 'critical',
      store_id: 's-001',
    });
    expect(pager).toBe(tree.routes[0]);
    expect(store).toBe(tree.routes[1]!.routes[0]);
  });

  it('treats a missing label as the empty string and anchors regular expressions', () => {
    expect(receiversOf({ rule: 'order_stalled', store_id: 'x-1', region: 'GD' })).toEqual(['regional']);
    // region missing reads as "", so region!="" fails
    expect(receiversOf({ rule: 'order_stalled', store_id: 'x-1' })).toEqual(['default']);
    // anchored: "s-0.*" does not match "xs-01" partially
    expect(receiversOf({ rule: 'order_stalled', store_id: 's-01', region: 'GD' })).toEqual(['default']);
    expect(receiversOf({ rule: 'order_stalled', store_id: 'xs-01', region: 'GD' })).toEqual(['regional']);
    // "payment_.*|callback_silent" must match whole values, not a prefix
    expect(receiversOf({ rule: 'prepayment_unapplied_x' })).toEqual(['default']);
  });
});

describe('alertRoutingLabels', () => {
  it('adds rule, severity, store_id and route, which alert labels cannot override', () => {
    expect(
      alertRoutingLabels({
        rule: 'order_stalled',
        severity: 'warning',
        storeId: 'S1',
        route: 'supervisor',
        labels: { team: 'fulfilment', rule: 'fake', severity: 'info' },
      }),
    ).toEqual({
      team: 'fulfilment',
      rule: 'order_stalled',
      severity: 'warning',
      store_id: 'S1',
      route: 'supervisor',
    });
    expect(alertRoutingLabels({ rule: 'callback_silent', severity: 'critical' })).toEqual({
      rule: 'callback_silent',
      severity: 'critical',
    });
  });
});

describe('groupKey', () => {
  it('groups by the route and its group_by labels only', async () => {
    const root = await rootOf(full);
    const payments = root.routes[1]!;
    const a = { rule: 'payment_unapplied', store_id: 'S1', provider: 'wechatpay', order: 'O1' };
    const b = { ...a, order: 'O2' };
    expect(groupKey(payments, a)).toBe(groupKey(payments, b));
    expect(groupKey(payments, a)).not.toBe(groupKey(payments, { ...a, store_id: 'S2' }));
    // '...' on the root groups by every label.
    expect(groupKey(root, a)).not.toBe(groupKey(root, b));
    // The same labels on different routes are different groups.
    expect(groupKey(root, a)).not.toBe(groupKey(payments, a));
  });

  it('never returns an empty route list', async () => {
    const root = await rootOf(full);
    expect(matchRoutes(root, {})).toEqual([root]);
  });
});
