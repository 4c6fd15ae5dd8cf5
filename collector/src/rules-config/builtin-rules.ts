// rules.yaml: the parameters of the built-in rules, mapped onto BuiltinRuleParams. Keys that are
// not written keep the defaults from params.ts, so a file can tune one number.
import type { ParamOverrides } from '../domain/alerts/calendar.ts';
import { ORDER_STATUSES, type OrderStatus, PAYMENT_PROVIDERS } from '../domain/events.ts';
import {
  BUILTIN_RULES,
  type BuiltinRuleName,
  type BuiltinRuleParams,
  DEFAULT_RULE_PARAMS,
  SEVERITIES,
} from '../domain/rules/params.ts';
import { readLabels, readRouteLabel, readScope } from './common-fields.ts';
import type { ObjectCursor } from './object-cursor.ts';
import { closestName } from './spelling.ts';
import type { Cursor } from './yaml-cursor.ts';

/** Statuses order_stalled may watch; the others are terminal, an order rests there for good. */
export const STALLABLE_STATUSES = ['created', 'paid', 'picking', 'packed', 'shipped'] as const;

/** How a rule's alerts are labelled for routing (see routes.yaml). */
export interface RuleRouting {
  /** Becomes the alert's `route` label; routes.yaml matches it with `route="…"`. */
  route?: string;
  labels: Readonly<Record<string, string>>;
}

const COMMON_KEYS = ['enabled', 'severity', 'for', 'cool_down'];
const ROUTING_KEYS = ['scope', 'route', 'labels', 'description'];
const SPECIFIC_KEYS: Record<BuiltinRuleName, readonly string[]> = {
  payment_unapplied: ['limit'],
  order_stalled: ['limits'],
  tracking_silent: ['limit'],
  shipment_anomaly: ['returns_threshold', 'stuck_at_location'],
  callback_silent: ['limit', 'min_orders', 'providers'],
  reconciliation_mismatch: ['window', 'threshold'],
};

export interface BuiltinRulesResult {
  params: BuiltinRuleParams;
  routing: Record<BuiltinRuleName, RuleRouting>;
  /** Cursors of each `route:` value, so the loader can check them against routes.yaml. */
  routeCursors: Array<{ route: string; cursor: Cursor }>;
}

export function readBuiltinRules(root: Cursor): BuiltinRulesResult {
  const params = structuredClone(DEFAULT_RULE_PARAMS) as BuiltinRuleParams;
  const routing = Object.fromEntries(BUILTIN_RULES.map((name) => [name, { labels: {} }])) as Record<
    BuiltinRuleName,
    RuleRouting
  >;
  const routeCursors: BuiltinRulesResult['routeCursors'] = [];
  const file = root.object(['rules'], { extensions: true });
  if (file === undefined) {
    if (root.present) return { params, routing, routeCursors };
    root.error(
      'rules.yaml is empty; write `rules:` with the built-in rules to tune (or {} for the defaults)',
    );
    return { params, routing, routeCursors };
  }
  const rulesCursor = file.get('rules');
  // `rules:` with nothing under it keeps every default, like `rules: {}`.
  const rules = rulesCursor.isNull ? [] : (rulesCursor.entries() ?? []);
  for (const [name, cursor] of rules) {
    if (!(BUILTIN_RULES as readonly string[]).includes(name)) {
      const guess = closestName(name, BUILTIN_RULES);
      const hint =
        guess === undefined ? `built-in rules are ${BUILTIN_RULES.join(', ')}` : `did you mean "${guess}"?`;
      cursor.error(`unknown built-in rule "${name}"; ${hint} (custom rules go in custom/*.yaml)`);
      continue;
    }
    const rule = name as BuiltinRuleName;
    const ruleCursor = cursor.forRule(rule);
    const object = ruleCursor.object([...COMMON_KEYS, ...ROUTING_KEYS, ...SPECIFIC_KEYS[rule]]);
    if (object === undefined) continue;
    const values = readTunables(rule, object, 'full');
    const target = params[rule] as unknown as Record<string, unknown>;
    Object.assign(target, values);
    if (object.has('scope')) target.scope = readScope(object.get('scope'));
    const routeCursor = object.get('route');
    const route = routeCursor.present ? readRouteLabel(routeCursor) : undefined;
    if (route !== undefined) {
      routing[rule].route = route;
      routeCursors.push({ route, cursor: routeCursor });
    }
    if (object.has('labels')) routing[rule].labels = readLabels(object.get('labels'));
    if (object.has('description')) object.get('description').string();
  }
  return { params, routing, routeCursors };
}

/** Reads the overrides of one promotion: `overrides: { order_stalled: { limits: … }, … }`. */
export function readParamOverrides(cursor: Cursor): ParamOverrides {
  const overrides: Record<string, unknown> = {};
  const entries = cursor.entries() ?? [];
  for (const [name, value] of entries) {
    if (!(BUILTIN_RULES as readonly string[]).includes(name)) {
      const guess = closestName(name, BUILTIN_RULES);
      const hint =
        guess === undefined ? `built-in rules are ${BUILTIN_RULES.join(', ')}` : `did you mean "${guess}"?`;
      value.error(`unknown built-in rule "${name}"; ${hint}`);
      continue;
    }
    const rule = name as BuiltinRuleName;
    const object = value.object([...COMMON_KEYS, ...SPECIFIC_KEYS[rule]]);
    if (object === undefined) continue;
    overrides[rule] = readTunables(rule, object, 'override');
  }
  return overrides as ParamOverrides;
}

/**
 * The rule's tunable values that are written in `object`, keyed like BuiltinRuleParams. In
 * `full` mode order_stalled limits are merged over the defaults; in `override` mode they are
 * returned as written, with `null` for "off".
 */
function readTunables(
  rule: BuiltinRuleName,
  object: ObjectCursor,
  mode: 'full' | 'override',
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const set = (key: string, value: unknown): void => {
    if (value !== undefined) out[key] = value;
  };
  set('enabled', object.get('enabled').boolean());
  set('severity', object.get('severity').oneOf(SEVERITIES));
  set('forMs', object.get('for').duration({ positive: false }));
  set('coolDownMs', object.get('cool_down').duration({ positive: false }));
  switch (rule) {
    case 'payment_unapplied':
    case 'tracking_silent':
      set('limitMs', object.get('limit').duration({ positive: true }));
      break;
    case 'order_stalled': {
      const limits = readStatusLimits(object.get('limits'));
      if (limits === undefined) break;
      if (mode === 'override') {
        out.limitsMs = limits;
        break;
      }
      const merged: Partial<Record<OrderStatus, number>> = { ...DEFAULT_RULE_PARAMS.order_stalled.limitsMs };
      for (const [status, ms] of Object.entries(limits) as Array<[OrderStatus, number | null]>) {
        if (ms === null) delete merged[status];
        else merged[status] = ms;
      }
      out.limitsMs = merged;
      break;
    }
    case 'shipment_anomaly':
      set('returnsThreshold', object.get('returns_threshold').integer(1, 100));
      set('stuckAtLocationMs', object.get('stuck_at_location').duration({ positive: true }));
      break;
    case 'callback_silent': {
      set('limitMs', object.get('limit').duration({ positive: true }));
      set('minOrders', object.get('min_orders').integer(0, 1_000_000));
      const providers = object.get('providers');
      const list = providers.stringList((item) => item.oneOf(PAYMENT_PROVIDERS));
      if (list !== undefined && list.length === 0) providers.error('must name at least one payment provider');
      else set('providers', list);
      break;
    }
    case 'reconciliation_mismatch':
      set('windowMs', object.get('window').duration({ positive: true }));
      set('threshold', readFraction(object.get('threshold')));
      break;
  }
  return out;
}

/** `limits: { paid: 2m, picking: off }`; `off` (or null) stops watching that status. */
function readStatusLimits(cursor: Cursor): Partial<Record<OrderStatus, number | null>> | undefined {
  const entries = cursor.entries();
  if (entries === undefined) return undefined;
  const limits: Partial<Record<OrderStatus, number | null>> = {};
  for (const [status, value] of entries) {
    if (!(STALLABLE_STATUSES as readonly string[]).includes(status)) {
      const known = (ORDER_STATUSES as readonly string[]).includes(status);
      value.error(
        known
          ? `"${status}" is a terminal status; order_stalled watches only ${STALLABLE_STATUSES.join(', ')}`
          : `unknown order status "${status}"; order_stalled watches ${STALLABLE_STATUSES.join(', ')}`,
      );
      continue;
    }
    if (value.isNull || isOff(value)) {
      limits[status as OrderStatus] = null;
      continue;
    }
    const ms = value.duration({ positive: true });
    if (ms !== undefined) limits[status as OrderStatus] = ms;
  }
  return limits;
}

function isOff(cursor: Cursor): boolean {
  return cursor.peekString() === 'off';
}

/** A share in (0, 1): either a number such as 0.01 or a percentage such as "1%". */
function readFraction(cursor: Cursor): number | undefined {
  if (!cursor.present) return undefined;
  const text = cursor.peekString();
  let value: number | undefined;
  if (text !== undefined) {
    const match = /^(\d+(?:\.\d+)?)\s*%$/.exec(text.trim());
    if (!match) {
      cursor.error(`must be a fraction such as 0.01 or a percentage such as "1%", not "${text}"`);
      return undefined;
    }
    value = Number(match[1]) / 100;
  } else {
    value = cursor.number();
    if (value === undefined) return undefined;
  }
  if (!(value > 0 && value < 1)) {
    cursor.error(`must be greater than 0 and less than 1 (0 % – 100 %), not ${value}`);
    return undefined;
  }
  return value;
}
