// Every sample in testdata/valid loads; every sample in testdata/invalid fails with the one
// precise error listed here (Alertmanager-style config testdata).
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { LoadError } from '../../src/rules-config/load-error.ts';
import { loadRuleSet } from '../../src/rules-config/rule-set.ts';

const testdata = path.join(import.meta.dirname, 'testdata');
const samples = (kind: string): string[] => readdirSync(path.join(testdata, kind)).sort();

type Expected = Omit<LoadError, 'rule' | 'line' | 'column' | 'message_ref'> & {
  rule?: string;
  line: number;
  column?: number;
};

const INVALID: Record<string, Expected> = {
  'unknown-key': {
    file: 'rules.yaml',
    rule: 'order_stalled',
    field: 'limit',
    line: 3,
    column: 5,
    message: 'unknown key "limit"; did you mean "limits"?',
  },
  'unknown-rule': {
    file: 'rules.yaml',
    field: 'rules.order_stale',
    line: 3,
    message:
      'unknown built-in rule "order_stale"; did you mean "order_stalled"? (custom rules go in custom/*.yaml)',
  },
  'zero-limit': {
    file: 'rules.yaml',
    rule: 'payment_unapplied',
    field: 'limit',
    line: 3,
    message: 'must be a positive duration, not 0',
  },
  'duration-without-unit': {
    file: 'rules.yaml',
    rule: 'tracking_silent',
    field: 'limit',
    line: 3,
    message: 'must be a duration with a unit such as "48s" or "48m", not the number 48',
  },
  'malformed-duration': {
    file: 'rules.yaml',
    rule: 'callback_silent',
    field: 'limit',
    line: 3,
    message:
      'must be a duration: "10 minutes" is not a duration; use digits with ms, s, m, h, d or w, e.g. "2m" or "1h30m"',
  },
  'threshold-out-of-range': {
    file: 'rules.yaml',
    rule: 'reconciliation_mismatch',
    field: 'threshold',
    line: 3,
    message: 'must be greater than 0 and less than 1 (0 % – 100 %), not 1.5',
  },
  'terminal-status-limit': {
    file: 'rules.yaml',
    rule: 'order_stalled',
    field: 'limits.delivered',
    line: 5,
    message:
      '"delivered" is a terminal status; order_stalled watches only created, paid, picking, packed, shipped',
  },
  'bad-severity': {
    file: 'rules.yaml',
    rule: 'shipment_anomaly',
    field: 'severity',
    line: 3,
    message: 'must be one of critical, warning, info, not "high"',
  },
  'unknown-provider': {
    file: 'rules.yaml',
    rule: 'callback_silent',
    field: 'providers[1]',
    line: 3,
    message: 'must be one of wechatpay, alipay, other, not "unionpay"',
  },
  'scope-overlap': {
    file: 'rules.yaml',
    rule: 'order_stalled',
    field: 'scope.exclude_stores',
    line: 5,
    message: 'store "S2" is both included and excluded',
  },
  'reserved-label': {
    file: 'rules.yaml',
    rule: 'tracking_silent',
    field: 'labels.severity',
    line: 4,
    message: 'label "severity" is set by OrderPulse itself; choose another name',
  },
  'duplicate-key': { file: 'rules.yaml', field: '', line: 4, message: 'duplicate key "limit"' },
  'unknown-receiver': {
    file: 'routes.yaml',
    field: 'route.routes[0].receiver',
    line: 5,
    message: 'receiver "pager" is not defined under receivers (defined: default)',
  },
  'literal-secret': {
    file: 'routes.yaml',
    field: 'receivers[0].primary[0].url',
    line: 7,
    message:
      'secrets and URLs may not be written in rule files; put the value in an environment variable and name it in url_env',
  },
  'bad-env-name': {
    file: 'routes.yaml',
    field: 'receivers[0].primary[0].secret_env',
    line: 8,
    message:
      '"dingtalk-secret" is not an environment variable name (A-Z, 0-9 and _, not starting with a digit)',
  },
  'unknown-channel-kind': {
    file: 'routes.yaml',
    field: 'receivers[0].primary[0].kind',
    line: 6,
    message:
      'must be one of webhook, wecom, dingtalk, feishu, slack, email, alertmanager, tencent_sms, aliyun_sms, not "pagerduty"',
  },
  'duplicate-receiver': {
    file: 'routes.yaml',
    field: 'receivers[1].name',
    line: 6,
    message: 'receiver "default" is defined twice',
  },
  'bad-matcher-regex': {
    file: 'routes.yaml',
    field: 'route.routes[0].matchers[0]',
    line: 4,
    message: 'invalid regular expression in "store_id=~"SH-("": missing closing ): `SH-(`',
  },
  // RE2 refuses backreferences and lookaround, which is how matchers stay linear-time.
  'matcher-backreference': {
    file: 'routes.yaml',
    field: 'route.routes[0].matchers[1]',
    line: 4,
    message:
      'invalid regular expression in "store_id=~"(SH)-\\\\1"": invalid escape sequence: `\\1` (patterns use RE2 syntax, which has no backreferences or lookaround)',
  },
  'repeat-shorter-than-group': {
    file: 'routes.yaml',
    field: 'route.repeat_interval',
    line: 4,
    message:
      'repeat_interval must not be shorter than group_interval (a group is only re-sent at a group interval)',
  },
  'escalation-half': {
    file: 'routes.yaml',
    field: 'route.escalate_after',
    line: 2,
    message: 'escalate_after and escalate_to must be given together',
  },
  'email-without-to': {
    file: 'routes.yaml',
    field: 'receivers[0].primary[0].to',
    line: 6,
    message: 'is required',
  },
  'missing-routes': {
    file: 'routes.yaml',
    field: '',
    line: 0,
    message: 'is missing; the rule directory needs rules.yaml and routes.yaml',
  },
  'unknown-file': {
    file: 'alerts.yaml',
    field: '',
    line: 0,
    message:
      'is not a rule file OrderPulse knows (it reads rules.yaml, routes.yaml, calendar.yaml and custom/*.yaml; prometheus/ is left to other tools)',
  },
  'custom-duplicate-name': {
    file: 'custom/b.yaml',
    rule: 'big_order',
    field: 'name',
    line: 2,
    message: 'custom rule "big_order" is already defined in custom/a.yaml',
  },
  'custom-builtin-clash': {
    file: 'custom/rules.yaml',
    rule: 'order_stalled',
    field: 'name',
    line: 2,
    message: '"order_stalled" is a built-in rule; tune it in rules.yaml or give the custom rule another name',
  },
  'custom-unknown-field': {
    file: 'custom/rules.yaml',
    rule: 'big_order',
    field: 'when',
    line: 3,
    column: 11,
    message: 'column 1: unknown field "amout_fen"; did you mean "amount_fen"?',
  },
  'custom-bad-regex': {
    file: 'custom/rules.yaml',
    rule: 'odd_store',
    field: 'when',
    line: 3,
    column: 28,
    message: 'column 18: invalid regular expression: missing closing ]: `[`',
  },
  // `^(a+)+$` (catastrophic for a backtracking engine) is accepted; the lookahead is not.
  'custom-lookahead-regex': {
    file: 'custom/rules.yaml',
    rule: 'not_test_store',
    field: 'when',
    line: 6,
    column: 28,
    message:
      'column 18: invalid regular expression: invalid or unsupported Perl syntax: `(?!` (patterns use RE2 syntax, which has no backreferences or lookaround)',
  },
  'custom-type-error': {
    file: 'custom/rules.yaml',
    rule: 'big_order',
    field: 'when',
    line: 3,
    column: 22,
    message: 'column 12: ">" needs two numbers or two strings, not amount_fen (number) and a string',
  },
  'custom-proto-access': {
    file: 'custom/rules.yaml',
    rule: 'sneaky',
    field: 'when',
    line: 3,
    message:
      'column 1: unknown field "constructor"; known fields: type, source, order_id, store_id, occurred_at, status, order_status, amount_fen, region, channel, provider, transaction_id, carrier, tracking_no, state, location, destination_region',
  },
  'custom-unknown-route': {
    file: 'custom/rules.yaml',
    rule: 'big_order',
    field: 'route',
    line: 5,
    message:
      'route "supervisr" is not matched by any route in routes.yaml (add a matcher route="supervisr"; no route matches on route="…")',
  },
  'custom-missing-when': {
    file: 'custom/rules.yaml',
    rule: 'big_order',
    field: 'when',
    line: 2,
    message: 'is required',
  },
  'custom-unknown-status': {
    file: 'custom/rules.yaml',
    rule: 'paid_big',
    field: 'when',
    line: 5,
    column: 23,
    message: 'line 2, column 17: "payed" is never a value of status; did you mean "paid"?',
  },
  'calendar-bad-timezone': {
    file: 'calendar.yaml',
    field: 'time_zone',
    line: 1,
    message: '"Asia/Peking" is not an IANA time zone such as Asia/Shanghai',
  },
  'calendar-overnight-range': {
    file: 'calendar.yaml',
    field: 'business_hours.default.daily[0]',
    line: 3,
    message:
      '"22:00-02:00" ends before it starts; a range across midnight is written as two, e.g. "22:00-24:00" and "00:00-02:00" the next day',
  },
  'calendar-missing-day': {
    file: 'calendar.yaml',
    field: 'business_hours.default',
    line: 3,
    message: 'opening hours missing for sun; give every day (write [] for closed) or use daily',
  },
  'promotion-ends-before-start': {
    file: 'calendar.yaml',
    field: 'promotions[0].to',
    line: 4,
    message: 'must be after from',
  },
  'promotion-without-offset': {
    file: 'calendar.yaml',
    field: 'promotions[0].from',
    line: 3,
    message: '"2026-11-10T00:00:00" is not an RFC 3339 time with an offset, e.g. 2026-11-10T20:00:00+08:00',
  },
  'promotion-unknown-param': {
    file: 'calendar.yaml',
    field: 'promotions[0].overrides.payment_unapplied.limits',
    line: 6,
    message: 'unknown key "limits"; did you mean "limit"?',
  },
};

describe('valid samples', () => {
  it.each(samples('valid'))('%s loads', async (name) => {
    const result = await loadRuleSet(path.join(testdata, 'valid', name));
    expect(result.ok ? [] : result.errors).toEqual([]);
  });
});

describe('invalid samples', () => {
  it('has an expectation for every sample directory, and a directory for every expectation', () => {
    expect(samples('invalid')).toEqual(Object.keys(INVALID).sort());
  });

  it.each(samples('invalid'))('%s is rejected precisely', async (name) => {
    const result = await loadRuleSet(path.join(testdata, 'invalid', name));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const { line, column, ...expected } = INVALID[name]!;
    const [first] = result.errors;
    expect(first).toMatchObject(expected);
    expect(first?.rule).toBe(expected.rule);
    expect(first?.line ?? 0).toBe(line);
    if (column !== undefined) expect(first?.column).toBe(column);
  });
});
