import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  alertRoutingLabels,
  groupKey,
  matcherMatches,
  matchRoutes,
} from '../../src/rules-config/route-matching.ts';
import type { Route, RouteMatcher } from '../../src/rules-config/routes.ts';
import { loadRuleSet } from '../../src/rules-config/rule-set.ts';

const full = path.join(import.meta.dirname, 'testdata/valid/full');

async function rootOf(dir: string): Promise<Route> {
  const result = await loadRuleSet(dir);
  if (!result.ok) throw new Error('sample must load');
  return result.ruleSet.routing.route;
}

describe('matchers', () => {
  const matcher = (name: string, operator: RouteMatcher['operator'], value: string): RouteMatcher => ({
    name,
    operator,
    value,
    ...(operator.includes('~') ? { regex: new RegExp(`^(?:${value})$`, 'u') } : {}),
  });

  it('reads a missing label as the empty string, as Alertmanager does', () => {
    expect(matcherMatches(matcher('team', '=', ''), {})).toBe(true);
    expect(matcherMatches(matcher('team', '!=', 'ops'), {})).toBe(true);
    expect(matcherMatches(matcher('team', '=~', '.*'), {})).toBe(true);
    expect(matcherMatches(matcher('team', '!~', '.+'), {})).toBe(true);
  });

  it('does not read inherited properties of the label object', () => {
    expect(matcherMatches(matcher('constructor', '=', ''), {})).toBe(true);
    expect(matcherMatches(matcher('toString', '=~', '.+'), {})).toBe(false);
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
