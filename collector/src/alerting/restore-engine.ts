// Restart recovery: the engine's state rebuilt from the store tables (not from a memory dump), so
// deadlines that passed while the process was down fire on the first tick, and alerts that were
// open stay open (the engine re-checks each one instead of reporting it again).
//
// In two parts, so the collector can serve ingest while the long part runs: `restoreShipments`
// before events are taken, `restoreOrders` (a million open orders: seconds) possibly after. Events
// committed meanwhile are applied once it ends; an event the order pages already reflect is applied
// a second time, which the order state absorbs (a join: mins, maxes, furthest status). Shipment
// state is not like that (each `returned` checkpoint counts once), hence shipments first.
import type { Alert } from '../domain/alerts/alert.ts';
import type { OpenCondition, RuleEngine } from '../domain/rules/engine.ts';
import type { Queryable } from '../store/database.ts';
import {
  lastNotifyPerProvider,
  openOrdersPage,
  openShipmentsPage,
  ordersById,
  shipmentsByKey,
} from './recovery-queries.ts';

export interface RestoreFigures {
  orders: number;
  shipments: number;
  openAlerts: number;
  ms: number;
  /** Of `ms`, the time spent inside the engine (the rest is reading the store). */
  engineMs: number;
}

export interface RestoreOptions {
  now: number;
  pageSize?: number;
  /** Only the orders (and their shipments) this picks; all when unset. */
  keep?: (orderId: string) => boolean;
  /** After each page taken in, with the running count. */
  onProgress?: (counts: { orders: number; shipments: number }) => void;
}

const PAGE = 20_000;

/** Times what runs inside the engine. */
class EngineClock {
  ms = 0;
  run(fn: () => void): void {
    const t = performance.now();
    fn();
    this.ms += performance.now() - t;
  }
}

const openOf = (alerts: readonly Alert[]) => alerts.filter((a) => a.status !== 'resolved');

/** Open shipments, and those with an open alert whatever their state; returns how many. */
export async function restoreShipments(
  q: Queryable,
  engine: RuleEngine,
  alerts: readonly Alert[],
  options: RestoreOptions,
  clock = new EngineClock(),
): Promise<number> {
  const { now, keep } = options;
  const pageSize = options.pageSize ?? PAGE;
  let shipments = 0;
  let next = openShipmentsPage(q, { carrier: '', trackingNo: '' }, pageSize);
  for (;;) {
    const page = await next;
    if (page.length === 0) break;
    const more = page.length === pageSize;
    const last = page[page.length - 1]!;
    if (more) next = openShipmentsPage(q, { carrier: last.carrier, trackingNo: last.trackingNo }, pageSize);
    const kept = keep === undefined ? page : page.filter((s) => keep(s.orderId));
    clock.run(() => engine.restore([], kept, now));
    shipments += kept.length;
    options.onProgress?.({ orders: 0, shipments });
    if (!more) break;
  }
  const keys = [
    ...new Set(
      openOf(alerts)
        .filter((a) => a.entityType === 'shipment')
        .map((a) => a.entityId),
    ),
  ];
  const extra = (await shipmentsByKey(q, keys)).filter(
    (s) => engine.shipment(s.carrier, s.trackingNo) === undefined && (keep === undefined || keep(s.orderId)),
  );
  engine.restore([], extra, now);
  return shipments + extra.length;
}

/**
 * Open orders (and those with an open alert), then the last payment notification per provider and
 * the open alerts' conditions; returns how many orders.
 */
export async function restoreOrders(
  q: Queryable,
  engine: RuleEngine,
  alerts: readonly Alert[],
  options: RestoreOptions & { createdSince: number; shipments?: number },
  clock = new EngineClock(),
): Promise<number> {
  const { now, keep } = options;
  const pageSize = options.pageSize ?? PAGE;
  const open = openOf(alerts);
  let orders = 0;
  // The next page is read while the engine takes in the current one.
  let next = openOrdersPage(q, '', options.createdSince, pageSize);
  for (;;) {
    const page = await next;
    if (page.length === 0) break;
    const more = page.length === pageSize;
    if (more) next = openOrdersPage(q, page[page.length - 1]!.orderId, options.createdSince, pageSize);
    const kept = keep === undefined ? page : page.filter((o) => keep(o.orderId));
    clock.run(() => engine.restore(kept, [], now));
    orders += kept.length;
    options.onProgress?.({ orders, shipments: options.shipments ?? 0 });
    if (!more) break;
  }
  // Orders in a terminal status are not in the pages above; those with an open alert must be re-checked.
  const alertOrders = [...new Set(open.filter((a) => a.entityType === 'order').map((a) => a.entityId))];
  const extraOrders = (await ordersById(q, alertOrders)).filter(
    (o) => engine.order(o.orderId) === undefined && (keep === undefined || keep(o.orderId)),
  );
  engine.restore(extraOrders, [], now);
  orders += extraOrders.length;

  const openConditions: OpenCondition[] = open.map((a) => ({
    rule: a.rule,
    entityType: a.entityType,
    entityId: a.entityId,
    storeId: a.storeId,
    severity: a.severity,
    summary: a.summary,
    labels: a.labels,
    at: a.startedAt,
  }));
  engine.restore([], [], now, { lastNotifyAt: await lastNotifyPerProvider(q), openAlerts: openConditions });
  return orders;
}

/** Both parts in one go (shipments first). */
export async function restoreEngine(
  q: Queryable,
  engine: RuleEngine,
  alerts: readonly Alert[],
  options: RestoreOptions & { createdSince: number },
): Promise<RestoreFigures> {
  const started = performance.now();
  const clock = new EngineClock();
  const shipments = await restoreShipments(q, engine, alerts, options, clock);
  const orders = await restoreOrders(q, engine, alerts, { ...options, shipments }, clock);
  return {
    orders,
    shipments,
    openAlerts: openOf(alerts).length,
    ms: Math.round(performance.now() - started),
    engineMs: Math.round(clock.ms),
  };
}
