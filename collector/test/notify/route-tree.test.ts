import { describe, expect, it } from 'vitest';
import {
  matchRoutes,
  parseMatcher,
  ROOT_ROUTE_DEFAULTS,
  type Route,
  type RouteTree,
  routeTreeProblems,
} from '../../src/notify/route-tree.ts';

const m = parseMatcher;

// Modelled on Alertmanager's own routing examples, with OrderPulse labels.
const root: Route = {
  receiver: 'default',
  groupBy: ['rule'],
  groupWaitMs: 30_000,
  routes: [
    {
      matchers: [m('severity="critical"')],
      receiver: 'pager',
      continue: true,
      groupWaitMs: 5_000,
    },
    {
      matchers: [m('rule=~"payment_.*|callback_silent"')],
      receiver: 'payments-team',
      groupBy: ['rule', 'provider'],
      routes: [{ matchers: [m('store_id="s-001"')], receiver: 'store-001', repeatIntervalMs: 60_000 }],
    },
    { matchers: [m('rule=~"payment_unapplied"')], receiver: 'never-reached' },
    { matchers: [m('store_id!~"s-0.*"'), m('region!=""')], receiver: 'regional' },
  ],
};

const receiversOf = (labels: Record<string, string>) => matchRoutes(root, labels).map((r) => r.receiver);

describe('route tree matching (Alertmanager semantics)', () => {
  it('sends unmatched alerts to the root receiver with root defaults', () => {
    expect(matchRoutes(root, { rule: 'tracking_silent', severity: 'warning' })).toEqual([
      {
        receiver: 'default',
        routeId: '0',
        groupBy: ['rule'],
        groupWaitMs: 30_000,
        groupIntervalMs: ROOT_ROUTE_DEFAULTS.groupIntervalMs,
        repeatIntervalMs: ROOT_ROUTE_DEFAULTS.repeatIntervalMs,
      },
    ]);
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

  it('descends into the deepest matching route and inherits unset settings from parents', () => {
    const [pager, store] = matchRoutes(root, {
      rule: 'callback_silent',
      severity: 'critical',
      store_id: 's-001',
    });
    expect(pager).toMatchObject({ receiver: 'pager', routeId: '0.0', groupWaitMs: 5_000, groupBy: ['rule'] });
    expect(store).toEqual({
      receiver: 'store-001',
      routeId: '0.1.0',
      groupBy: ['rule', 'provider'],
      groupWaitMs: 30_000,
      groupIntervalMs: ROOT_ROUTE_DEFAULTS.groupIntervalMs,
      repeatIntervalMs: 60_000,
    });
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

  it('parses the matcher syntax of Alertmanager', () => {
    expect(parseMatcher('severity="critical"')).toEqual({
      name: 'severity',
      operator: '=',
      value: 'critical',
    });
    expect(parseMatcher('store_id =~ "s-0.*"')).toEqual({ name: 'store_id', operator: '=~', value: 's-0.*' });
    expect(parseMatcher('rule!=order_stalled')).toEqual({
      name: 'rule',
      operator: '!=',
      value: 'order_stalled',
    });
    expect(parseMatcher('summary!~"a \\"quoted\\" b"')).toEqual({
      name: 'summary',
      operator: '!~',
      value: 'a "quoted" b',
    });
    expect(() => parseMatcher('no operator')).toThrow();
  });

  it('reports undefined receivers, duplicates, missing primary channels and bad regexes', () => {
    const tree: RouteTree = {
      route: { receiver: 'a', routes: [{ receiver: 'ghost', matchers: [m('rule=~"("')] }] },
      receivers: [
        { name: 'a', primary: [{ kind: 'slack', urlEnv: 'X' }], backup: [] },
        { name: 'a', primary: [], backup: [] },
      ],
    };
    expect(routeTreeProblems(tree)).toEqual([
      'receiver "a" is defined twice',
      'receiver "a" has no primary channel',
      'route.routes[0] names receiver "ghost", which is not defined',
      'route.routes[0] has an invalid regular expression for rule: (',
    ]);
    expect(routeTreeProblems({ route: { receiver: 'a' }, receivers: [tree.receivers[0]!] })).toEqual([]);
  });
});
