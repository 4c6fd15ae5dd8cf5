// Every query the dashboards run, each with the same question asked of the raw tables (the
// baseline): the Grafana panels' SQL as provisioned in grafana/dashboards (macros substituted the
// way Grafana's PostgreSQL datasource does), and the collector's own dashboard endpoints that read
// SQL. A panel's baseline is its own SQL with each reporting view replaced by a subquery computing
// the same columns from `events`, `orders`, `payments` or `shipments` over the panel's time range
// (plus a margin so whole buckets are covered), so the outer query — filters, grouping, ordering —
// is identical and only the source differs.

import { listShipmentRisks } from '../collector/src/carriers/shipment-risk-list.ts';
import { trendsOfTotals } from '../collector/src/domain/reconciliation/store-trends.ts';
import { DEFAULT_RULE_PARAMS } from '../collector/src/domain/rules/params.ts';
import { storeTotalsInRange } from '../collector/src/reconciliation/store-trend-queries.ts';
import type { Queryable } from '../collector/src/store/database.ts';
import { findOrder } from '../collector/src/store/orders.ts';
import {
  allPanels,
  dashboards,
  renderSql,
  selectedValues,
  type Target,
} from '../collector/test/deploy/grafana-files.ts';

export interface TimeRangeChoice {
  label: string;
  hours: number;
}

/** Grafana's usual pickers: last 6 h, 24 h, 7 d, 30 d. */
export const RANGES: TimeRangeChoice[] = [
  { label: '6h', hours: 6 },
  { label: '24h', hours: 24 },
  { label: '7d', hours: 168 },
  { label: '30d', hours: 720 },
];

export interface DashboardQuery {
  /** Dashboard file or endpoint. */
  where: string;
  name: string;
  /** Time range label, or '—' when the query has none. */
  range: string;
  /** Runs the product's query; resolves to the number of rows (or items) it returns. */
  run(db: Queryable): Promise<number>;
  /** The SQL, for EXPLAIN when a query is slow (absent for endpoints running several statements). */
  sql?: string;
  /** The same question over the raw tables; absent with `noBaseline` saying why. */
  baseline?: { sql: string; run(db: Queryable): Promise<number> };
  noBaseline?: string;
}

const lit = (d: Date) => `'${d.toISOString()}'::timestamptz`;
const ORIGIN = `TIMESTAMPTZ '2000-01-01 00:00+00'`;

/** Raw-table definitions of the reporting views, for a time range [from, to]. */
function rawViews(from: Date, to: Date, tz: string): Record<string, string> {
  const tzl = `'${tz}'`;
  // Bucketed views: whole buckets around the range (the panel's own filter then picks exactly).
  const eventsIn = (type: string, margin: string) =>
    `FROM events WHERE type = '${type}' AND occurred_at >= ${lit(from)} - interval '${margin}' AND occurred_at < ${lit(to)} + interval '${margin}'`;
  const bucketed = (step: string) => `date_bin(interval '1 ${step}', occurred_at, ${ORIGIN})`;
  const callbacks = (step: string) =>
    `SELECT ${bucketed(step)} AS bucket, payload->>'provider' AS provider, payload->>'status' AS status,
            count(*) AS callbacks, sum((payload->>'amountFen')::bigint) AS amount_fen
     ${eventsIn('payment.notify', '1 hour')} GROUP BY 1, 2, 3`;
  const localDay = `(occurred_at AT TIME ZONE ${tzl})::date`;
  return {
    order_status_minutely: `SELECT ${bucketed('minute')} AS bucket, payload->>'status' AS status, count(*) AS orders,
            coalesce(sum((payload->>'amountFen')::bigint), 0) AS amount_fen
     ${eventsIn('order.status', '1 hour')} GROUP BY 1, 2`,
    callback_rate_minutely: callbacks('minute'),
    callback_rate_hourly: callbacks('hour'),
    order_status_daily: `SELECT ${localDay} AS day, ${localDay}::timestamp AT TIME ZONE ${tzl} AS day_start, store_id,
            payload->>'status' AS status, count(*) AS orders, coalesce(sum((payload->>'amountFen')::bigint), 0) AS amount_fen
     ${eventsIn('order.status', '1 day')} GROUP BY 1, 2, 3, 4`,
    order_status_daily_total: `SELECT ${localDay} AS day, ${localDay}::timestamp AT TIME ZONE ${tzl} AS day_start,
            payload->>'status' AS status, count(*) AS orders, coalesce(sum((payload->>'amountFen')::bigint), 0) AS amount_fen
     ${eventsIn('order.status', '1 day')} GROUP BY 1, 2, 3`,
    // Paid orders and paid-for orders around the range, matched by order id, counted on the day
    // each side happened (what 0052's order_match and daily rollup keep).
    store_daily_mismatch: `WITH p AS (
       SELECT order_id, min(store_id) AS store_id, min(occurred_at) AS pay_at FROM payments
       WHERE status = 'success' AND occurred_at >= ${lit(from)} - interval '1 day' AND occurred_at < ${lit(to)} + interval '1 day'
       GROUP BY order_id
     ), o AS (
       SELECT order_id, store_id, coalesce(paid_at, status_at) AS paid_at FROM orders
       WHERE order_is_paid(status, paid_at)
         AND coalesce(paid_at, status_at) >= ${lit(from)} - interval '1 day' AND coalesce(paid_at, status_at) < ${lit(to)} + interval '1 day'
     ), m AS (
       SELECT coalesce(o.store_id, p.store_id) AS store_id, p.pay_at, o.paid_at FROM o FULL JOIN p USING (order_id)
     ), c AS (
       SELECT (pay_at AT TIME ZONE ${tzl})::date AS day, store_id, 0 AS paid, 1 AS with_payment,
              (paid_at IS NULL)::int AS missing_order, 0 AS missing_payment FROM m WHERE pay_at IS NOT NULL
       UNION ALL
       SELECT (paid_at AT TIME ZONE ${tzl})::date, store_id, 1, 0, 0, (pay_at IS NULL)::int FROM m WHERE paid_at IS NOT NULL
     )
     SELECT day, day::timestamp AT TIME ZONE ${tzl} AS day_start, store_id, sum(paid) AS orders_paid,
            sum(with_payment) AS orders_with_payment, sum(missing_order) AS missing_orders,
            sum(missing_payment) AS missing_payments,
            (sum(missing_order) + sum(missing_payment))::float8 / nullif(sum(paid) + sum(missing_order), 0) AS mismatch_rate
     FROM c GROUP BY day, store_id`,
    carrier_silence: `SELECT carrier, count(*) AS open_shipments,
            count(*) FILTER (WHERE date_bin(interval '1 hour', last_update_at, ${ORIGIN}) + interval '1 hour' <= now() - interval '24 hours') AS silent_24h,
            count(*) FILTER (WHERE date_bin(interval '1 hour', last_update_at, ${ORIGIN}) + interval '1 hour' <= now() - interval '48 hours') AS silent_48h,
            date_bin(interval '1 hour', min(last_update_at), ${ORIGIN}) AS oldest_update_hour,
            greatest(0, extract(epoch FROM now() - date_bin(interval '1 hour', min(last_update_at), ${ORIGIN})))::bigint AS max_silence_seconds
     FROM shipments WHERE state NOT IN ('delivered', 'rejected', 'returned') GROUP BY carrier`,
  };
}

/** The panel's SQL with each reporting view read from the raw tables instead; undefined if it reads none. */
function rawVariant(sql: string, from: Date, to: Date, tz: string): string | undefined {
  const views = rawViews(from, to, tz);
  let replaced = false;
  const out = sql.replace(/\borderpulse\.(\w+)/g, (whole, view: string) => {
    const raw = views[view];
    if (raw === undefined) return whole;
    replaced = true;
    return `(${raw}) AS ${view}`;
  });
  return replaced ? out : undefined;
}

const sqlRunner = (sql: string) => async (db: Queryable) => (await db.query(sql)).rows.length;

export interface QuerySetOptions {
  now: Date;
  timeZone: string;
  /** Store ids, for the store variable's "10 stores" selection and the endpoints' store filter. */
  stores: string[];
  /** An existing order id for the order-detail endpoint. */
  sampleOrderId: string;
}

export function dashboardQueries(options: QuerySetOptions): DashboardQuery[] {
  const { now, timeZone: tz } = options;
  const queries: DashboardQuery[] = [];
  // the endpoints first: quick, and listed before the long raw scans of the panels
  const dayOf = (ms: number) =>
    new Intl.DateTimeFormat('en-CA', {
      timeZone: tz,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
    }).format(ms);
  for (const days of [7, 30]) {
    const from = dayOf(now.getTime() - (days - 1) * 86_400_000);
    const to = dayOf(now.getTime());
    queries.push({
      where: 'GET /v1/reconciliation/stores',
      name: 'store missing-order trends',
      range: `${days}d`,
      run: async (db) => {
        const threshold = DEFAULT_RULE_PARAMS.reconciliation_mismatch.threshold;
        return trendsOfTotals(await storeTotalsInRange(db, from, to, threshold), { threshold, minDays: 2 })
          .stores.length;
      },
      noBaseline: 'reads the daily bill reconciliation results (the raw alternative re-matches bills)',
    });
  }
  for (const filter of [{}, { storeId: options.stores[0]! }]) {
    queries.push({
      where: 'GET /v1/shipments',
      name: `shipment risks${'storeId' in filter ? ' (one store)' : ''}`,
      range: '—',
      run: async (db) => (await listShipmentRisks(db, { ...filter, limit: 200 }, now.getTime())).length,
      noBaseline: 'reads shipments and their checkpoints in events',
    });
  }
  queries.push({
    where: 'GET /v1/orders/:id',
    name: 'order detail',
    range: '—',
    run: async (db) => ((await findOrder(db, options.sampleOrderId)) ? 1 : 0),
    noBaseline: 'point lookups by order id',
  });
  const storeChoices = [
    { label: 'all stores', text: "'__all'" },
    { label: '10 stores', text: selectedValues(options.stores.slice(0, 10)) },
  ];
  for (const { file, dashboard } of dashboards()) {
    const hasStore = dashboard.templating?.list.some((v) => v.name === 'store') ?? false;
    for (const panel of allPanels(dashboard)) {
      for (const target of (panel.targets ?? []) as Target[]) {
        if (!target.rawSql) continue;
        const timed = /\$__time/.test(target.rawSql);
        const ranges = timed ? RANGES : [{ label: '—', hours: 0 }];
        for (const range of ranges) {
          // "10 stores" at the dashboard's own 30-day range only: the store filter's cost
          for (const store of hasStore ? storeChoices : [storeChoices[0]!]) {
            if (store !== storeChoices[0] && range.hours !== 720) continue;
            const from = new Date(now.getTime() - range.hours * 3_600_000);
            const timeRange = { from, to: now };
            const sql = renderSql(target.rawSql, timeRange, { store: store.text }, 'orderpulse');
            // a query without a time range (today, open waybills) is compared over today
            const rawFrom = timed ? from : new Date(now.getTime() - 24 * 3_600_000);
            const raw = rawVariant(sql, rawFrom, now, tz);
            queries.push({
              where: file.replace(/\.json$/, ''),
              name: hasStore ? `${panel.title} (${store.label})` : panel.title,
              range: range.label,
              run: sqlRunner(sql),
              sql,
              ...(raw === undefined
                ? { noBaseline: 'reads the raw table itself' }
                : store === storeChoices[0]
                  ? { baseline: { sql: raw, run: sqlRunner(raw) } }
                  : // the raw side computes every store before the panel's filter: the all-stores row's baseline
                    { noBaseline: 'raw: as for all stores' }),
            });
          }
        }
      }
    }
  }

  return queries;
}
