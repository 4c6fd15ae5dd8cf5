import { appendFile, cp, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { activePromotions, isStoreOpen, paramsAt } from '../../src/domain/alerts/calendar.ts';
import { DEFAULT_RULE_PARAMS } from '../../src/domain/rules/params.ts';
import { buildRuleContext } from '../../src/rules-config/expression/context-fields.ts';
import { requiredEnvVars } from '../../src/rules-config/receivers.ts';
import { alertRoutingLabels, matchRoutes } from '../../src/rules-config/route-matching.ts';
import { loadRuleSet, type RuleSet } from '../../src/rules-config/rule-set.ts';

const repoRoot = path.resolve(import.meta.dirname, '../../..');
const shipped = path.join(repoRoot, 'alert-rules');
const full = path.join(import.meta.dirname, 'testdata/valid/full');
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

async function load(dir: string): Promise<RuleSet> {
  const result = await loadRuleSet(dir, { now: () => 1234 });
  if (!result.ok) throw new Error(result.errors.map((e) => `${e.file}: ${e.field}: ${e.message}`).join('\n'));
  return result.ruleSet;
}

const temps: string[] = [];
afterEach(async () => {
  for (const dir of temps.splice(0)) await rm(dir, { recursive: true, force: true });
});
async function copyOf(dir: string): Promise<string> {
  const target = await mkdtemp(path.join(tmpdir(), 'op-rules-'));
  temps.push(target);
  await cp(dir, target, { recursive: true });
  return target;
}

describe('the shipped alert-rules/ directory', () => {
  it('loads cleanly with the documented defaults', async () => {
    const ruleSet = await load(shipped);
    expect(ruleSet.builtin.payment_unapplied.limitMs).toBe(2 * MINUTE);
    expect(ruleSet.builtin.order_stalled.limitsMs).toEqual({
      paid: 2 * MINUTE,
      picking: 30 * MINUTE,
      packed: 12 * HOUR,
    });
    expect(ruleSet.builtin.tracking_silent.limitMs).toBe(48 * HOUR);
    expect(ruleSet.builtin.callback_silent).toMatchObject({ limitMs: 10 * MINUTE, minOrders: 20 });
    expect(ruleSet.builtin.reconciliation_mismatch).toMatchObject({ windowMs: 24 * HOUR, threshold: 0.01 });
    expect(ruleSet.builtin.shipment_anomaly.returnsThreshold).toBe(
      DEFAULT_RULE_PARAMS.shipment_anomaly.returnsThreshold,
    );
    expect(ruleSet.files).toEqual([
      'calendar.yaml',
      'custom/priority-orders.yaml',
      'routes.yaml',
      'rules.yaml',
    ]);
    expect(ruleSet.loadedAt).toBe(1234);
    expect(ruleSet.contentHash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('tags a paid high-value order to a remote region for the supervisor', async () => {
    const ruleSet = await load(shipped);
    const rule = ruleSet.custom.find((candidate) => candidate.name === 'remote_high_value')!;
    expect(rule).toMatchObject({ severity: 'warning', tags: ['priority'], route: 'supervisor' });
    const paid = (amountFen: number, region: string) =>
      buildRuleContext({
        id: 'e',
        source: 'shop',
        occurredAt: 0,
        orderId: 'O1',
        storeId: 'S1',
        type: 'order.status',
        status: 'paid',
        amountFen,
        region,
      });
    expect(rule.matches(paid(50001, '西藏'))).toBe(true);
    expect(rule.matches(paid(50001, '上海'))).toBe(false);
    expect(rule.matches(paid(49999, '青海'))).toBe(false);

    const labels = alertRoutingLabels({
      rule: rule.name,
      severity: rule.severity,
      storeId: 'S1',
      route: rule.route!,
    });
    expect(matchRoutes(ruleSet.routing.route, labels).map((route) => route.receiver)).toEqual(['supervisor']);
  });

  it('routes built-in alerts as the comments in routes.yaml promise', async () => {
    const ruleSet = await load(shipped);
    const receiversFor = (rule: keyof RuleSet['builtin'], storeId = 'S1') => {
      const routing = ruleSet.builtinRouting[rule];
      const labels = alertRoutingLabels({
        rule,
        severity: ruleSet.builtin[rule].severity,
        storeId,
        labels: routing.labels,
        ...(routing.route === undefined ? {} : { route: routing.route }),
      });
      return matchRoutes(ruleSet.routing.route, labels).map((route) => route.receiver);
    };
    expect(receiversFor('callback_silent')).toEqual(['alertmanager', 'payments']);
    expect(receiversFor('payment_unapplied')).toEqual(['alertmanager', 'payments']);
    expect(receiversFor('reconciliation_mismatch')).toEqual(['finance']);
    expect(receiversFor('tracking_silent')).toEqual(['logistics']);
    expect(receiversFor('order_stalled')).toEqual(['oncall']);
    const payments = matchRoutes(ruleSet.routing.route, {
      rule: 'callback_silent',
      severity: 'critical',
      route: 'payments',
    });
    expect(payments[1]).toMatchObject({
      groupWaitMs: 10_000,
      groupBy: ['rule', 'store_id'],
      escalation: { afterMs: 15 * MINUTE, receiver: 'oncall' },
    });
  });

  it('names only environment variables, never secrets', async () => {
    const ruleSet = await load(shipped);
    const names = requiredEnvVars(ruleSet.routing);
    expect(names).toContain('ORDERPULSE_SMTP_URL');
    expect(names).toContain('ORDERPULSE_DINGTALK_PAYMENTS_SECRET');
    for (const name of names) expect(name).toMatch(/^ORDERPULSE_[A-Z0-9_]+$/);
  });

  it('applies the Double 11 promotion limits only during the promotion', async () => {
    const ruleSet = await load(shipped);
    const during = Date.parse('2026-11-11T12:00:00+08:00');
    const after = Date.parse('2026-11-12T02:00:00+08:00');
    const params = paramsAt(ruleSet.builtin, ruleSet.calendar, during, 'S1');
    expect(params.order_stalled.limitsMs).toEqual({ paid: 5 * MINUTE, picking: 2 * HOUR, packed: 12 * HOUR });
    expect(params.callback_silent.minOrders).toBe(50);
    expect(paramsAt(ruleSet.builtin, ruleSet.calendar, after, 'S1')).toBe(ruleSet.builtin);
  });
});

describe('the full valid sample', () => {
  it('fills defaults for omitted keys and reads every written one', async () => {
    const ruleSet = await load(full);
    expect(ruleSet.builtin.payment_unapplied).toEqual({
      enabled: true,
      severity: 'critical',
      forMs: 30_000,
      coolDownMs: 10 * MINUTE,
      scope: { stores: ['S1', 'S2'], excludeStores: [] },
      limitMs: 3 * MINUTE,
    });
    expect(ruleSet.builtinRouting.payment_unapplied).toEqual({
      route: 'payments',
      labels: { team: 'payments' },
    });
    // picking switched off; packed keeps its default; created and shipped added.
    expect(ruleSet.builtin.order_stalled.limitsMs).toEqual({
      created: HOUR,
      paid: 90_000,
      packed: 12 * HOUR,
      shipped: 3 * 24 * HOUR,
    });
    expect(ruleSet.builtin.order_stalled.scope).toEqual({ stores: [], excludeStores: ['S9'] });
    expect(ruleSet.builtin.order_stalled.coolDownMs).toBe(DEFAULT_RULE_PARAMS.order_stalled.coolDownMs);
    expect(ruleSet.builtin.tracking_silent).toMatchObject({ enabled: false, limitMs: 72 * HOUR });
    expect(ruleSet.builtin.shipment_anomaly).toMatchObject({
      returnsThreshold: 3,
      stuckAtLocationMs: 36 * HOUR,
    });
    expect(ruleSet.builtin.callback_silent).toMatchObject({
      limitMs: 15 * MINUTE,
      minOrders: 0,
      providers: ['wechatpay'],
    });
    expect(ruleSet.builtin.reconciliation_mismatch).toMatchObject({
      windowMs: 7 * 24 * HOUR,
      threshold: 0.005,
    });
  });

  it('reads receivers with primary and backup channels of every kind', async () => {
    const { routing } = await load(full);
    expect(routing.receivers.oncall).toEqual({
      name: 'oncall',
      sendResolved: false,
      primary: [{ kind: 'wecom', urlEnv: 'WECOM_ROBOT_URL', mentionedMobiles: ['13800000000'] }],
      backup: [
        {
          kind: 'dingtalk',
          urlEnv: 'DINGTALK_ROBOT_URL',
          secretEnv: 'DINGTALK_SECRET',
          atMobiles: ['+86-13900000000'],
          atAll: true,
        },
      ],
    });
    expect(routing.receivers.managers?.primary).toEqual([
      {
        kind: 'email',
        smtpUrlEnv: 'SMTP_URL',
        from: 'ops@example.com',
        to: ['"On call" <boss@example.com>', 'cto@example.com'],
      },
    ]);
    expect(routing.receivers.payments?.primary.map((channel) => channel.kind)).toEqual(['feishu', 'slack']);
    expect(routing.receivers.supervisor?.primary).toEqual([
      { kind: 'webhook', urlEnv: 'SUPERVISOR_WEBHOOK_URL', bearerTokenEnv: 'SUPERVISOR_TOKEN' },
    ]);
    expect(routing.receivers.alertmanager?.primary).toEqual([
      { kind: 'alertmanager', urlEnv: 'ALERTMANAGER_URL' },
    ]);
    expect(routing.receivers.payments?.sendResolved).toBe(true);
  });

  it('builds the route tree with inherited settings and Alertmanager matching', async () => {
    const { routing } = await load(full);
    const root = routing.route;
    expect(root).toMatchObject({
      receiver: 'oncall',
      groupBy: ['...'],
      groupWaitMs: 0,
      ackTimeoutMs: 30 * MINUTE,
    });
    const [critical, payments, supervisor] = root.routes;
    expect(critical).toMatchObject({ continue: true, groupIntervalMs: MINUTE, repeatIntervalMs: HOUR });
    expect(critical?.escalation).toEqual({ afterMs: 10 * MINUTE, receiver: 'managers' });
    expect(payments?.groupBy).toEqual(['rule', 'store_id', 'provider']);

    const receivers = (labels: Record<string, string>) =>
      matchRoutes(root, labels).map((route) => route.receiver);
    // Critical in a matching store: the nested webhook route wins, and continue lets payments match too.
    expect(
      receivers({ severity: 'critical', store_id: 'S12', rule: 'payment_unapplied', route: 'payments' }),
    ).toEqual(['webhook', 'payments']);
    // The nested route does not match callback_silent: its parent takes it.
    expect(receivers({ severity: 'critical', store_id: 'S1', rule: 'callback_silent' })).toEqual([
      'alertmanager',
    ]);
    // Regex matchers are anchored: "XS1" is not S[0-9]+.
    expect(receivers({ severity: 'critical', store_id: 'XS1', rule: 'x' })).toEqual(['oncall']);
    expect(receivers({ route: 'supervisor', store_id: 'TEST-1' })).toEqual(['oncall']);
    expect(receivers({ route: 'supervisor', store_id: 'S1' })).toEqual(['supervisor']);
    expect(supervisor?.matchers.map((m) => `${m.name}${m.operator}${m.value}`)).toEqual([
      'route=supervisor',
      'store_id!~TEST-.*',
    ]);
  });

  it('compiles custom rules from several files, honouring enabled and scope', async () => {
    const { custom } = await load(full);
    expect(custom.map((rule) => `${rule.file}:${rule.name}`)).toEqual([
      'custom/priority.yaml:remote_high_value',
      'custom/priority.yaml:suspicious_channel',
      'custom/shipping.yaml:carrier_exception_sf',
    ]);
    const [remote, suspicious, carrier] = custom;
    expect(remote?.summary).toEqual({ en: 'High-value order to a remote region', zh: '偏远地区高额订单' });
    expect(suspicious?.enabled).toBe(false);
    expect(suspicious?.matches({ channel: 'test-shop', store_id: 'S1' })).toBe(false);
    expect(suspicious?.labels).toEqual({ team: 'fraud' });
    expect(carrier?.matches({ type: 'shipment.update', carrier: 'SF', state: 'stuck', store_id: 'S3' })).toBe(
      true,
    );
    expect(
      carrier?.matches({ type: 'shipment.update', carrier: 'SF', state: 'in_transit', store_id: 'S3' }),
    ).toBe(false);
  });

  it('reads business hours per store and time zone, with closed dates', async () => {
    const { calendar } = await load(full);
    const at = (iso: string) => Date.parse(iso);
    // Default: Sunday closed, Saturday has a lunch break.
    expect(isStoreOpen(calendar, 'S5', at('2026-11-29T12:00:00+08:00'))).toBe(false);
    expect(isStoreOpen(calendar, 'S5', at('2026-11-28T12:30:00+08:00'))).toBe(false);
    expect(isStoreOpen(calendar, 'S5', at('2026-11-28T13:00:00+08:00'))).toBe(true);
    expect(isStoreOpen(calendar, 'S5', at('2026-11-27T22:59:00+08:00'))).toBe(true);
    expect(isStoreOpen(calendar, 'S5', at('2027-02-05T12:00:00+08:00'))).toBe(false);
    // S1 never closes; S2 opens Sundays 10-18 Urumqi time (UTC+6) and inherits weekdays.
    expect(isStoreOpen(calendar, 'S1', at('2026-11-29T03:00:00+08:00'))).toBe(true);
    expect(calendar.storeHours.S2?.timeZone).toBe('Asia/Urumqi');
    expect(isStoreOpen(calendar, 'S2', at('2026-11-29T10:30:00+06:00'))).toBe(true);
    expect(isStoreOpen(calendar, 'S2', at('2026-11-29T09:30:00+06:00'))).toBe(false);
    expect(isStoreOpen(calendar, 'S2', at('2026-11-30T08:30:00+06:00'))).toBe(true);
  });

  it('reads promotions with store scope and "off" limits', async () => {
    const { calendar, builtin } = await load(full);
    const during = Date.parse('2026-11-11T00:00:00+08:00');
    expect(activePromotions(calendar, during, 'S1').map((promotion) => promotion.name)).toEqual([
      'double-11',
    ]);
    expect(activePromotions(calendar, during, 'S2')).toEqual([]);
    const params = paramsAt(builtin, calendar, during, 'S1');
    expect(params.order_stalled.limitsMs).toEqual({
      created: HOUR,
      paid: 10 * MINUTE,
      picking: 2 * HOUR,
      shipped: 72 * HOUR,
    });
    expect(params.payment_unapplied).toMatchObject({
      limitMs: 5 * MINUTE,
      severity: 'warning',
      forMs: 30_000,
    });
    const newYear = Date.parse('2027-01-01T00:00:00Z');
    expect(paramsAt(builtin, calendar, newYear, 'S7').callback_silent.minOrders).toBe(100);
  });
});

describe('content hash', () => {
  it('is stable for the same bytes and changes with any byte or file name', async () => {
    const dir = await copyOf(full);
    const first = await load(dir);
    expect((await load(dir)).contentHash).toBe(first.contentHash);
    await appendFile(path.join(dir, 'rules.yaml'), '\n');
    const edited = await load(dir);
    expect(edited.contentHash).not.toBe(first.contentHash);
    await rename(path.join(dir, 'custom/shipping.yaml'), path.join(dir, 'custom/zz-shipping.yaml'));
    expect((await load(dir)).contentHash).not.toBe(edited.contentHash);
  });

  it('ignores alert-rules/prometheus/ and other non-YAML files', async () => {
    const dir = await copyOf(path.join(import.meta.dirname, 'testdata/valid/minimal'));
    const before = (await load(dir)).contentHash;
    await cp(path.join(shipped, 'prometheus'), path.join(dir, 'prometheus'), { recursive: true });
    await writeFile(path.join(dir, 'README.md'), '# notes\n');
    expect((await load(dir)).contentHash).toBe(before);
  });
});

describe('directory problems', () => {
  it('reports a missing directory', async () => {
    const result = await loadRuleSet('/nonexistent/alert-rules');
    expect(result).toEqual({
      ok: false,
      errors: [
        {
          file: '/nonexistent/alert-rules',
          field: '',
          message: 'directory does not exist',
          message_ref: { key: 'ruleError.noDirectory' },
        },
      ],
    });
  });

  // Kept out of testdata/ because the repository's formatter refuses to parse broken YAML.
  it('reports YAML syntax errors with their position', async () => {
    const dir = await copyOf(path.join(import.meta.dirname, 'testdata/valid/minimal'));
    await writeFile(path.join(dir, 'rules.yaml'), 'rules:\n  order_stalled:\n    limits: { paid: 2m\n');
    const result = await loadRuleSet(dir);
    expect(result).toEqual({
      ok: false,
      errors: [
        {
          file: 'rules.yaml',
          field: '',
          line: 4,
          column: 1,
          message:
            'invalid YAML (BAD_INDENT): Flow map in block collection must be sufficiently indented and end with a }',
          message_ref: {
            key: 'ruleError.invalidYaml',
            params: {
              code: 'BAD_INDENT',
              detail: 'Flow map in block collection must be sufficiently indented and end with a }',
            },
          },
        },
      ],
    });
  });

  it('collects errors from every file in one pass', async () => {
    const dir = await copyOf(full);
    await writeFile(path.join(dir, 'rules.yaml'), 'rules:\n  tracking_silent:\n    limit: soon\n');
    await writeFile(path.join(dir, 'calendar.yaml'), 'time_zone: Mars/Olympus\n');
    const result = await loadRuleSet(dir);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.map((error) => `${error.file} ${error.field}`)).toEqual([
      'rules.yaml limit',
      'calendar.yaml time_zone',
    ]);
  });
});

describe('half-written files', () => {
  // A hot reload may catch a file just truncated by an editor; an empty file must never load as defaults.
  it.each(['rules.yaml', 'routes.yaml', 'calendar.yaml'])('refuses an empty %s', async (file) => {
    const dir = await copyOf(full);
    await writeFile(path.join(dir, file), '');
    const result = await loadRuleSet(dir);
    expect(result.ok).toBe(false);
    if (!result.ok)
      expect(result.errors[0]).toMatchObject({ file, field: '', message: expect.stringMatching(/is empty/) });
  });

  it('accepts `rules:` with nothing under it as all defaults', async () => {
    const dir = await copyOf(path.join(import.meta.dirname, 'testdata/valid/minimal'));
    await writeFile(path.join(dir, 'rules.yaml'), '# every rule at its default\nrules:\n');
    const ruleSet = await load(dir);
    expect(ruleSet.builtin).toEqual(DEFAULT_RULE_PARAMS);
  });
});
