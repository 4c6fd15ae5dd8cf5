// Restart recovery: the engine's state rebuilt from the store tables (not from a memory dump), so
// deadlines that passed while the process was down fire on the first tick, and alerts that were
// open stay open (the engine re-checks each one instead of reporting it again).
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

const PAGE = 20_000;

export async function restoreEngine(
  q: Queryable,
  engine: RuleEngine,
  alerts: readonly Alert[],
  options: { now: number; createdSince: number; pageSize?: number },
): Promise<RestoreFigures> {
  const started = performance.now();
  const { now } = options;
  const pageSize = options.pageSize ?? PAGE;
  const open = alerts.filter((a) => a.status !== 'resolved');
  let orders = 0;
  let shipments = 0;
  let engineMs = 0;
  const timed = (fn: () => void) => {
    const t = performance.now();
    fn();
    engineMs += performance.now() - t;
  };

  // The next page is read while the engine takes in the current one.
  let next = openOrdersPage(q, '', options.createdSince, pageSize);
  for (;;) {
    const page = await next;
    if (page.length === 0) break;
    const more = page.length === pageSize;
    if (more) next = openOrdersPage(q, page[page.length - 1]!.orderId, options.createdSince, pageSize);
    timed(() => engine.restore(page, [], now));
    orders += page.length;
    if (!more) break;
  }
  // Orders in a terminal status are not in the pages above; those with an open alert must be re-checked.
  const alertOrders = [...new Set(open.filter((a) => a.entityType === 'order').map((a) => a.entityId))];
  const extraOrders = (await ordersById(q, alertOrders)).filter((o) => engine.order(o.orderId) === undefined);
  engine.restore(extraOrders, [], now);
  orders += extraOrders.length;

  let nextShipments = openShipmentsPage(q, { carrier: '', trackingNo: '' }, pageSize);
  for (;;) {
    const page = await nextShipments;
    if (page.length === 0) break;
    const more = page.length === pageSize;
    const last = page[page.length - 1]!;
    if (more)
      nextShipments = openShipmentsPage(q, { carrier: last.carrier, trackingNo: last.trackingNo }, pageSize);
    timed(() => engine.restore([], page, now));
    shipments += page.length;
    if (!more) break;
  }
  const alertShipments = [...new Set(open.filter((a) => a.entityType === 'shipment').map((a) => a.entityId))];
  const extraShipments = (await shipmentsByKey(q, alertShipments)).filter(
    (s) => engine.shipment(s.carrier, s.trackingNo) === undefined,
  );
  engine.restore([], extraShipments, now);
  shipments += extraShipments.length;

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
  return {
    orders,
    shipments,
    openAlerts: open.length,
    ms: Math.round(performance.now() - started),
    engineMs: Math.round(engineMs),
  };
}
