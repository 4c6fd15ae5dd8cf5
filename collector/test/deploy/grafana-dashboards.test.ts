import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HISTOGRAM_METRIC_NAMES, METRIC_NAMES } from '../../src/metrics/catalogue.ts';
import { EventWriter } from '../../src/store/event-writer.ts';
import { drainReportingRollups } from '../../src/store/reporting-rollups.ts';
import { openTestDatabase, STORE_KINDS, type TestDatabase } from '../support/test-database.ts';
import { mountsOf, readCompose } from './compose-file.ts';
import {
  allPanels,
  dashboardProviders,
  dashboards,
  provisionedDatasources,
  renderSql,
  selectedValues,
  type Target,
} from './grafana-files.ts';
import { runTool } from './real-tool.ts';
import { sampleTraffic } from './sample-traffic.ts';

const REQUIRED_DASHBOARDS = [
  'orderpulse-ops-wall',
  'orderpulse-store-missing-orders',
  'orderpulse-payments-callbacks',
  'orderpulse-carriers',
];

const sqlTargets = () =>
  dashboards().flatMap(({ file, dashboard }) =>
    allPanels(dashboard).flatMap((panel) =>
      (panel.targets ?? [])
        .filter((t): t is Target & { rawSql: string } => typeof t.rawSql === 'string')
        .map((target) => ({ name: `${file} › ${panel.title} › ${target.refId}`, panel, target })),
    ),
  );

const promTargets = () =>
  dashboards().flatMap(({ file, dashboard }) =>
    allPanels(dashboard).flatMap((panel) =>
      (panel.targets ?? [])
        .filter((t): t is Target & { expr: string } => typeof t.expr === 'string')
        .map((target) => ({ name: `${file} › ${panel.title} › ${target.refId}`, expr: target.expr })),
    ),
  );

describe('Grafana provisioning and dashboards', () => {
  it('provisions a TimescaleDB-flavoured PostgreSQL datasource and a Prometheus one with fixed uids', () => {
    const sources = provisionedDatasources();
    const postgres = sources.find((s) => s.type === 'grafana-postgresql-datasource');
    const prometheus = sources.find((s) => s.type === 'prometheus');
    expect(postgres?.uid).toBe('orderpulse-postgres');
    expect(postgres?.jsonData?.timescaledb).toBe(true);
    expect(prometheus?.uid).toBe('orderpulse-prometheus');
    expect(new Set(sources.map((s) => s.uid)).size).toBe(sources.length);
  });

  it('has the four dashboards, with unique dashboard uids and unique panel ids', () => {
    const all = dashboards();
    const uids = all.map((d) => d.dashboard.uid);
    expect(new Set(uids).size).toBe(uids.length);
    expect(uids).toEqual(expect.arrayContaining(REQUIRED_DASHBOARDS));
    for (const { file, dashboard } of all) {
      const ids = allPanels(dashboard).map((p) => p.id);
      expect(new Set(ids).size, file).toBe(ids.length);
      expect(ids.length, file).toBeGreaterThan(3);
    }
  });

  it('points every panel, query and variable at a provisioned datasource uid of the matching type', () => {
    const byUid = new Map(provisionedDatasources().map((s) => [s.uid, s.type]));
    let checked = 0;
    for (const { file, dashboard } of dashboards()) {
      for (const panel of allPanels(dashboard)) {
        const where = `${file} › ${panel.title}`;
        expect(panel.targets?.length, where).toBeGreaterThan(0);
        for (const ref of [panel.datasource, ...(panel.targets ?? []).map((t) => t.datasource)]) {
          expect(ref?.uid, where).toBeDefined();
          expect(byUid.has(ref?.uid ?? ''), `${where}: ${ref?.uid}`).toBe(true);
          expect(ref?.type, where).toBe(byUid.get(ref?.uid ?? ''));
          checked += 1;
        }
      }
      for (const variable of dashboard.templating?.list ?? []) {
        if (variable.type !== 'query') continue;
        expect(byUid.has(variable.datasource?.uid ?? ''), `${file} variable ${variable.name}`).toBe(true);
      }
    }
    expect(checked).toBeGreaterThan(40);
  });

  it('loads the dashboards from the directory docker-compose mounts into Grafana', () => {
    const grafana = readCompose().services.grafana;
    const mount = grafana && mountsOf(grafana).find((m) => m.source === './grafana/dashboards');
    expect(mount).toBeDefined();
    expect(dashboardProviders().map((p) => p.options.path)).toContain(mount?.target);
  });

  it('queries only metrics the collector exports, in PromQL the real promtool parses', () => {
    const exported = new Set<string>([...Object.values(METRIC_NAMES), 'up']);
    for (const name of HISTOGRAM_METRIC_NAMES) {
      for (const suffix of ['_bucket', '_sum', '_count']) exported.add(`${name}${suffix}`);
    }
    const targets = promTargets();
    expect(targets.length).toBeGreaterThan(10);
    for (const { name, expr } of targets) {
      for (const metric of expr.match(/orderpulse_[a-z0-9_]+/g) ?? [])
        expect(exported, `${name}: ${metric}`).toContain(metric);
    }
    // promtool parses each expression as a recording rule, with Prometheus' own parser
    const rules = {
      groups: [
        {
          name: 'dashboard-queries',
          rules: targets.map(({ expr }, i) => ({ record: `dashboard:query_${i}`, expr })),
        },
      ],
    };
    const file = join(mkdtempSync(join(tmpdir(), 'op-dash-')), 'dashboard-queries.rules.yml');
    writeFileSync(file, JSON.stringify(rules));
    const run = runTool('promtool', ['check', 'rules', file]);
    expect(run.status, run.output).toBe(0);
  });
});

// Every SQL query of every dashboard, run against the real schema (all migrations applied) with
// data that went through the real group-commit writer, as Grafana would send it.
describe.each(STORE_KINDS)('dashboard SQL on %s', (kind) => {
  let store: TestDatabase;
  const now = Date.now();
  const range = { from: new Date(now - 40 * 86_400_000), to: new Date(now + 60_000) };

  beforeAll(async () => {
    store = await openTestDatabase(kind);
    const writer = new EventWriter(store.db, { maxBatchEvents: 500, queueLimit: 100_000 });
    await writer.write(sampleTraffic(now));
    await writer.close();
    // commits stage rows; the collector applies them in the background, here at once
    await drainReportingRollups(store.db);
  });

  afterAll(async () => {
    await store?.dispose();
  });

  it('runs every query without error, for "All" and for a selection; time series return a time column; panels see data', async () => {
    const values: Record<string, string[]> = {};
    const allValues: Record<string, string> = {};
    for (const { dashboard } of dashboards()) {
      for (const variable of dashboard.templating?.list ?? []) {
        if (variable.type !== 'query' || !variable.query) continue;
        const { rows } = await store.db.query<Record<string, string>>(
          renderSql(variable.query, range, {}, store.schema),
        );
        values[variable.name] = rows.map((r) => String(Object.values(r)[0]));
        expect(values[variable.name]!.length, variable.name).toBeGreaterThan(1);
        allValues[variable.name] = variable.allValue ?? selectedValues(values[variable.name]!);
      }
    }
    const modes: Record<string, Record<string, string>> = {
      all: allValues,
      selection: Object.fromEntries(
        Object.entries(values).map(([name, v]) => [name, selectedValues(v.slice(0, 2))]),
      ),
    };

    const targets = sqlTargets();
    expect(targets.length).toBeGreaterThan(12);
    for (const [mode, variables] of Object.entries(modes)) {
      let withRows = 0;
      for (const { name, target } of targets) {
        const sql = renderSql(target.rawSql, range, variables, store.schema);
        let rows: Record<string, unknown>[];
        try {
          rows = (await store.db.query(sql)).rows;
        } catch (error) {
          throw new Error(`${name} (${mode}) failed: ${(error as Error).message}\n${sql}`);
        }
        if (target.format === 'time_series' && rows.length > 0) {
          expect(Object.keys(rows[0]!), name).toContain('time');
          expect(rows[0]!.time, name).toBeInstanceOf(Date);
        }
        if (rows.length > 0) withRows += 1;
      }
      // every panel query has data to show for this traffic
      expect(withRows, mode).toBe(targets.length);
    }
  });

  it('shows callbacks per 5 minutes whatever the bin width: wider bins over long ranges keep the totals', async () => {
    const target = sqlTargets().find((t) => t.panel.title === 'Callbacks per 5 minutes by provider');
    expect(target).toBeDefined();
    const perRange = async (from: Date) => {
      const { rows } = await store.db.query<{ time: Date; value: number }>(
        renderSql(target!.target.rawSql, { from, to: range.to }, {}, store.schema),
      );
      const { rows: width } = await store.db.query<{ ms: number }>(
        `SELECT (extract(epoch FROM greatest(interval '5 minutes', report_bucket_width($1, $2))) * 1000)::int AS ms`,
        [from, range.to],
      );
      const binMs = width[0]!.ms;
      // every bin starts on a multiple of its width (date_bin from 2000-01-01 UTC)
      for (const r of rows) expect(r.time.getTime() % binMs).toBe(0);
      const total = rows.reduce((sum, r) => sum + Number(r.value), 0) * (binMs / 300_000);
      const { rows: raw } = await store.db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM payments WHERE occurred_at BETWEEN $1 AND $2`,
        [from, range.to],
      );
      return { binMs, total, callbacks: raw[0]!.n };
    };
    const day = await perRange(new Date(now - 86_400_000));
    const month = await perRange(range.from);
    expect(day.binMs).toBe(300_000);
    expect(month.binMs).toBeGreaterThanOrEqual(3_600_000);
    expect(day.callbacks).toBeGreaterThan(0);
    expect(day.total).toBeCloseTo(day.callbacks, 6);
    expect(month.total).toBeCloseTo(month.callbacks, 6);
  });

  it('gives the same daily totals for "All" (total rollup) as for every store selected (per-store rollup)', async () => {
    const target = sqlTargets().find((t) => t.target.rawSql.includes('order_status_daily_total'));
    expect(target).toBeDefined();
    const stores = (await store.db.query<{ store_id: string }>('SELECT DISTINCT store_id FROM orders')).rows;
    const run = async (text: string) =>
      (await store.db.query(renderSql(target!.target.rawSql, range, { store: text }, store.schema))).rows;
    const all = await run("'__all'");
    expect(all.length).toBeGreaterThan(0);
    expect(await run(selectedValues(stores.map((s) => s.store_id)))).toEqual(all);
  });
});
