// Who watches the watcher: a running collector (the app as `orderpulse serve` builds it, in process)
// keeps an always-firing Watchdog alert alive in a real Alertmanager, which routes it to a dead man's
// switch webhook; when the collector stops, Alertmanager lets the Watchdog resolve, which is what the
// switch pages on.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.ts';
import { type LoopbackReceiver, startReceiver } from '../notify/loopback-receiver.ts';
import { buildTestApp } from '../support/test-app.ts';
import { openTestDatabase, STORE_KINDS, type TestDatabase } from '../support/test-database.ts';
import { eventually, type RunningAlertmanager, startAlertmanager } from './alertmanager-server.ts';

const ROUTES = `
route:
  receiver: alertmanager
receivers:
  - name: alertmanager
    primary:
      - kind: alertmanager
        url_env: ORDERPULSE_ALERTMANAGER_URL
`;

interface WebhookBody {
  status: string;
  alerts: { status: string; labels: Record<string, string> }[];
}

describe('the Watchdog heartbeat in a real Alertmanager', () => {
  let hook: LoopbackReceiver;
  let alertmanager: RunningAlertmanager;
  let store: TestDatabase;
  let collector: App | undefined;
  const dirs: string[] = [];

  beforeAll(async () => {
    hook = await startReceiver();
    alertmanager = await startAlertmanager(`
route:
  receiver: nobody
  routes:
    - matchers: ['alertname="Watchdog"']
      receiver: deadmans-switch
      group_wait: 0s
      group_interval: 1s
      repeat_interval: 1s
receivers:
  - name: nobody
  - name: deadmans-switch
    webhook_configs:
      - url: '${hook.baseUrl}/ping'
        send_resolved: true
`);
    const rulesDir = fs.mkdtempSync(path.join(os.tmpdir(), 'op-watchdog-rules-'));
    dirs.push(rulesDir);
    fs.writeFileSync(path.join(rulesDir, 'rules.yaml'), 'rules: {}\n');
    fs.writeFileSync(path.join(rulesDir, 'routes.yaml'), ROUTES);
    store = await openTestDatabase(STORE_KINDS.includes('postgres') ? 'postgres' : 'pglite');
    collector = await buildTestApp(store.db, {
      ORDERPULSE_RULES_DIR: rulesDir,
      ORDERPULSE_ALERTMANAGER_URL: alertmanager.url,
      ORDERPULSE_INSTANCE: 'collector-7:8080',
      ORDERPULSE_WATCHDOG_INTERVAL_SECONDS: '1',
      ORDERPULSE_RECONCILE_AT: 'off',
    });
  }, 120_000);

  afterAll(async () => {
    await collector?.server.close();
    await store?.dispose();
    await alertmanager?.stop();
    await hook?.close();
    for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
  });

  const pings = () => hook.requests.map((r) => r.json as WebhookBody);

  it('is received, routed to the dead man’s switch, and kept firing (its endsAt moves on)', async () => {
    const [first] = await eventually(
      'the Watchdog in Alertmanager',
      () => alertmanager.alerts(['alertname="Watchdog"']),
      (alerts) => alerts.length === 1,
    );
    expect(first?.labels).toEqual({
      alertname: 'Watchdog',
      severity: 'none',
      service: 'orderpulse',
      instance: 'collector-7:8080',
    });
    expect(first?.status.state).toBe('active');
    expect(Date.parse(first!.endsAt)).toBeGreaterThan(Date.now());

    await eventually(
      'a later push of the Watchdog',
      () => alertmanager.alerts(['alertname="Watchdog"']),
      (alerts) => alerts.length === 1 && Date.parse(alerts[0]!.endsAt) > Date.parse(first!.endsAt),
    );
    // the switch hears it again and again while the collector runs
    await eventually(
      'repeated firing notifications at the switch',
      () => pings().filter((p) => p.status === 'firing'),
      (firing) => firing.length >= 2,
    );
    const [ping] = pings();
    expect(hook.requests[0]?.url.pathname).toBe('/ping');
    expect(ping?.alerts[0]?.labels).toMatchObject({ alertname: 'Watchdog', service: 'orderpulse' });
  }, 120_000);

  it('resolves in Alertmanager once the collector stops, so the switch notices', async () => {
    await collector!.server.close();
    collector = undefined;
    await eventually(
      'the Watchdog to resolve at the switch',
      () => pings().filter((p) => p.status === 'resolved'),
      (resolved) => resolved.length > 0,
      60_000,
    );
    expect(await alertmanager.alerts(['alertname="Watchdog"'])).toEqual([]);
  }, 120_000);
});
