// deploy/alertmanager.yml against the labels OrderPulse really sends: the collector's own alerts as
// its Alertmanager channel builds them (from alerts of the shipped rules, through the production
// grouping and payload code), its Watchdog, and the alerts of the Prometheus rules. Checked with the
// real amtool (`config routes test`) and, for the inhibition, a real Alertmanager running the file.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { withRoutingLabels } from '../../src/alerting/rule-set-adapter.ts';
import { groupAlerts } from '../../src/domain/alerts/grouping.ts';
import { applySignal } from '../../src/domain/alerts/lifecycle.ts';
import { planNotifications } from '../../src/domain/alerts/notification-plan.ts';
import type { Severity } from '../../src/domain/rules/params.ts';
import {
  DEFAULT_FIRING_VALIDITY_MS,
  type PostableAlert,
  postableAlerts,
} from '../../src/notify/channels/alertmanager.ts';
import { notificationFromPlan } from '../../src/notify/notification-from-plan.ts';
import { watchdogAlert } from '../../src/notify/watchdog.ts';
import { loadRuleSet, type RuleSet } from '../../src/rules-config/rule-set.ts';
import { eventually, type RunningAlertmanager, startAlertmanager } from './alertmanager-server.ts';
import { runTool } from './real-tool.ts';
import { repoPath } from './repo-paths.ts';

const CONFIG = repoPath('deploy/alertmanager.yml');
// what docker-compose's Prometheus scrapes, and what ORDERPULSE_INSTANCE is set to beside it
const INSTANCE = 'collector:8080';
const NOW = Date.now();

let ruleSet: RuleSet;

/** The payload the collector's Alertmanager channel posts for one alert of `rule` in store S1. */
function collectorAlert(rule: string, severity: Severity, entityId = 'o-1'): PostableAlert {
  const signal = withRoutingLabels(
    {
      rule,
      entityType: 'order',
      entityId,
      storeId: 'S1',
      condition: 'firing',
      severity,
      at: NOW - 60_000,
      summary: { zh: '测试', en: 'test' },
      labels: {},
    },
    ruleSet,
  );
  const alert = applySignal(undefined, signal, { forMs: 0, coolDownMs: 300_000 }, NOW, () => `a-${entityId}`)
    .alert!;
  // the first pass starts the group wait, the second (after it) notifies
  const waiting = planNotifications(groupAlerts([alert], NOW), {}, NOW);
  const later = NOW + 60_000;
  const [planned] = planNotifications(groupAlerts([alert], later), waiting.state, later).notifications;
  const notification = notificationFromPlan(planned!, {
    receiver: 'alertmanager',
    dashboardBaseUrl: 'https://orderpulse.example.com',
    now: NOW,
  });
  const [postable] = postableAlerts(notification, NOW, DEFAULT_FIRING_VALIDITY_MS, INSTANCE);
  return postable!;
}

const watchdog = () =>
  watchdogAlert({
    instance: INSTANCE,
    startedAt: NOW,
    now: NOW,
    intervalMs: 60_000,
    generatorURL: 'http://x',
  });

interface PrometheusRuleFile {
  groups: { rules: { alert?: string; labels?: Record<string, string> }[] }[];
}

function prometheusAlerts(): Record<string, string>[] {
  const file = parse(
    readFileSync(repoPath('alert-rules/prometheus/orderpulse.rules.yml'), 'utf8'),
  ) as PrometheusRuleFile;
  return file.groups.flatMap((g) =>
    g.rules.flatMap((r) => (r.alert ? [{ alertname: r.alert, instance: INSTANCE, ...r.labels }] : [])),
  );
}

function routesTo(labels: Record<string, string>): string {
  const args = Object.entries(labels).map(([k, v]) => `${k}=${v}`);
  const run = runTool('amtool', ['config', 'routes', 'test', `--config.file=${CONFIG}`, ...args]);
  expect(run.status, run.output).toBe(0);
  return run.output
    .split('\n')
    .filter((line) => line.trim() !== '' && !line.startsWith('Warning'))
    .join('\n')
    .trim();
}

const expectedReceivers = (labels: Record<string, string>) =>
  labels.alertname === 'Watchdog'
    ? 'deadmans-switch'
    : labels.severity === 'critical'
      ? 'oncall-dingtalk,ops-wecom'
      : 'ops-wecom';

beforeAll(async () => {
  const loaded = await loadRuleSet(repoPath('alert-rules'));
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.errors));
  ruleSet = loaded.ruleSet;
});

describe('deploy/alertmanager.yml routes what OrderPulse sends (amtool)', () => {
  it('amtool check-config accepts it', () => {
    const run = runTool('amtool', ['check-config', CONFIG]);
    expect(run.status, run.output).toBe(0);
  });

  it('pages on-call for the collector’s critical alerts and sends the rest to ops', () => {
    const critical = collectorAlert('payment_unapplied', 'critical');
    const warning = collectorAlert('order_stalled', 'warning');
    expect(critical.labels).toMatchObject({
      service: 'orderpulse',
      instance: INSTANCE,
      severity: 'critical',
    });
    expect(routesTo(critical.labels)).toBe('oncall-dingtalk,ops-wecom');
    expect(routesTo(warning.labels)).toBe('ops-wecom');
  });

  it('sends the Watchdog to the dead man’s switch only', () => {
    expect(routesTo(watchdog().labels)).toBe('deadmans-switch');
  });

  it('routes every Prometheus rule alert by its severity', () => {
    const alerts = prometheusAlerts();
    expect(alerts.length).toBeGreaterThan(5);
    for (const labels of alerts) expect(routesTo(labels), labels.alertname).toBe(expectedReceivers(labels));
  });

  it('groups by the store labels the alerts carry', () => {
    const config = parse(readFileSync(CONFIG, 'utf8')) as { route: { group_by: string[] } };
    const storeLabels = Object.keys(collectorAlert('payment_unapplied', 'critical').labels).filter((k) =>
      k.startsWith('store'),
    );
    expect(storeLabels.length).toBeGreaterThan(0);
    for (const label of storeLabels) expect(config.route.group_by).toContain(label);
  });
});

describe('deploy/alertmanager.yml inhibitions in a real Alertmanager', () => {
  let alertmanager: RunningAlertmanager;

  beforeAll(async () => {
    alertmanager = await startAlertmanager(readFileSync(CONFIG, 'utf8'));
  }, 60_000);
  afterAll(async () => {
    await alertmanager?.stop();
  });

  it('a down collector (from Prometheus) inhibits the alerts it pushed, but not its Watchdog', async () => {
    const endsAt = new Date(Date.now() + 3_600_000).toISOString();
    const collectorDown = {
      labels: {
        ...prometheusAlerts().find((a) => a.alertname === 'OrderPulseCollectorDown'),
        job: 'orderpulse',
      },
      annotations: {},
      startsAt: new Date().toISOString(),
      endsAt,
    };
    const response = await fetch(`${alertmanager.url}/api/v2/alerts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([collectorDown, collectorAlert('payment_unapplied', 'critical'), watchdog()]),
    });
    expect(response.status, await response.text()).toBe(200);
    const alerts = await eventually(
      'the collector alert to be inhibited',
      () => alertmanager.alerts(),
      (all) => all.find((a) => a.labels.alertname === 'payment_unapplied')?.status.state === 'suppressed',
    );
    const state = (name: string) => alerts.find((a) => a.labels.alertname === name)?.status.state;
    expect(state('OrderPulseCollectorDown')).toBe('active');
    expect(state('Watchdog')).toBe('active');
  }, 90_000);
});
