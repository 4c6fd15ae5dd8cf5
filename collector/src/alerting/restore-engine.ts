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
import type { OrderState } from '../domain/order-lifecycle.ts';
import type { OpenCondition, RuleEngine } from '../domain/rules/engine.ts';
import type { ShipmentState } from '../domain/rules/shipment-state.ts';
import type { Database, Queryable } from '../store/database.ts';
import type { HashRange } from './engine-scope.ts';
import {
  copyOpenOrdersInRange,
  finishedOrdersInRangePage,
  lastNotifyPerProvider,
  type OrderCursor,
  openOrdersInRangePage,
  openOrdersPage,
  openShipmentsInRangePage,
  openShipmentsPage,
  ordersById,
  type ShipmentCursor,
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
  /**
   * When set, only rows whose order id hashes into one of these are read (a partition's, which
   * `keep` must not pick outside of); the whole store otherwise.
   */
  ranges?: readonly HashRange[];
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

/**
 * Reads pages from `first` on until one comes back short, each handed to `take`; the next page is
 * read while `take` runs.
 */
async function eachPage<C, R>(
  first: C,
  read: (after: C) => Promise<{ rows: R[]; next: C }>,
  pageSize: number,
  take: (rows: R[]) => void,
): Promise<void> {
  let next = read(first);
  for (;;) {
    const page = await next;
    const more = page.rows.length === pageSize;
    if (more) next = read(page.next);
    if (page.rows.length > 0) take(page.rows);
    if (!more) return;
  }
}

/**
 * The pages of one hash range, read window by window: a window is a slice of the range sized to
 * hold about a page (from the density of the one before), each read in (hash, key) order. A LIMIT
 * over the whole range would let the planner sort all of a partition's rows for every page when
 * the partition is a large share of the table; a window's rows are read off the index.
 */
async function eachRangePage<C, R>(
  range: HashRange,
  startAt: (hash: number) => C,
  read: (window: HashRange, after: C) => Promise<{ rows: R[]; next: C }>,
  pageSize: number,
  take: (rows: R[]) => void,
): Promise<void> {
  let width = Math.max(1, Math.ceil((range.to - range.from) / FIRST_WINDOWS));
  let window = { from: range.from, to: Math.min(range.to, range.from + width) };
  let inWindow = 0;
  let next: Promise<{ rows: R[]; next: C }> | undefined = read(window, startAt(window.from));
  while (next !== undefined) {
    const page: { rows: R[]; next: C } = await next;
    inWindow += page.rows.length;
    if (page.rows.length === pageSize) {
      next = read(window, page.next);
    } else if (window.to < range.to) {
      const grow = inWindow === 0 ? MAX_GROWTH : Math.min(MAX_GROWTH, (0.8 * pageSize) / inWindow);
      width = Math.max(1, Math.floor(width * grow));
      window = { from: window.to, to: Math.min(range.to, window.to + width) };
      inWindow = 0;
      next = read(window, startAt(window.from));
    } else {
      next = undefined;
    }
    if (page.rows.length > 0) take(page.rows);
  }
}

/** A range is first cut into this many windows, then each sized from the last one's rows. */
const FIRST_WINDOWS = 64;
const MAX_GROWTH = 16;

/**
 * A range cut in `STREAMS` parts read at once, so PostgreSQL reads one part's page on one backend
 * while another's is read on a second and the engine takes in a third.
 */
const STREAMS = 2;

function streamsOf(range: HashRange): HashRange[] {
  const width = Math.ceil((range.to - range.from) / STREAMS);
  const parts: HashRange[] = [];
  for (let from = range.from; from < range.to; from += width) {
    parts.push({ from, to: Math.min(range.to, from + width) });
  }
  return parts;
}

/** Open shipments in store order, or of the hash ranges given, page by page. */
async function eachShipmentPage(
  q: Queryable,
  ranges: readonly HashRange[] | undefined,
  pageSize: number,
  take: (rows: ShipmentState[]) => void,
): Promise<void> {
  if (ranges === undefined) {
    return eachPage(
      { carrier: '', trackingNo: '' },
      async (after) => {
        const rows = await openShipmentsPage(q, after, pageSize);
        const last = rows[rows.length - 1];
        return {
          rows,
          next: last === undefined ? after : { carrier: last.carrier, trackingNo: last.trackingNo },
        };
      },
      pageSize,
      take,
    );
  }
  for (const range of ranges) {
    await Promise.all(
      streamsOf(range).map((stream) =>
        eachRangePage<ShipmentCursor, ShipmentState>(
          stream,
          (hash) => ({ hash, carrier: '', trackingNo: '' }),
          async (window, after) => {
            const page = await openShipmentsInRangePage(q, window, after, pageSize);
            return { rows: page.shipments, next: page.next };
          },
          pageSize,
          take,
        ),
      ),
    );
  }
}

/** Where the store can stream a query's rows (COPY), it does so for a partition's open orders. */
type RestoreSource = Queryable & Pick<Database, 'copyOut'>;

/**
 * The orders to restore (see openOrdersPage) in store order, or of the hash ranges given: streamed
 * by COPY where the store has it (no order among them then), else paged in (hash, id) order.
 */
async function eachOrderPage(
  q: RestoreSource,
  ranges: readonly HashRange[] | undefined,
  createdSince: number,
  pageSize: number,
  take: (rows: OrderState[]) => void,
): Promise<void> {
  if (ranges === undefined) {
    return eachPage(
      '',
      async (afterId) => {
        const rows = await openOrdersPage(q, afterId, createdSince, pageSize);
        return { rows, next: rows[rows.length - 1]?.orderId ?? afterId };
      },
      pageSize,
      take,
    );
  }
  const copyOut = q.copyOut;
  for (const range of ranges) {
    await Promise.all(
      streamsOf(range).map((stream) =>
        copyOut !== undefined
          ? copyOpenOrdersInRange(copyOut, stream, pageSize, take)
          : eachRangePage<OrderCursor, OrderState>(
              stream,
              (hash) => ({ hash, orderId: '' }),
              async (window, after) => {
                const page = await openOrdersInRangePage(q, window, after, pageSize);
                return { rows: page.orders, next: page.next };
              },
              pageSize,
              take,
            ),
      ),
    );
    // Few (created in the last minutes and finished), read off the index on created_at.
    await eachPage<OrderCursor, OrderState>(
      { hash: range.from, orderId: '' },
      async (after) => {
        const page = await finishedOrdersInRangePage(q, range, createdSince, after, pageSize);
        return { rows: page.orders, next: page.next };
      },
      pageSize,
      take,
    );
  }
}

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
  await eachShipmentPage(q, options.ranges, pageSize, (page) => {
    const kept = keep === undefined ? page : page.filter((s) => keep(s.orderId));
    clock.run(() => engine.restore([], kept, now));
    shipments += kept.length;
    options.onProgress?.({ orders: 0, shipments });
  });
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
  q: RestoreSource,
  engine: RuleEngine,
  alerts: readonly Alert[],
  options: RestoreOptions & { createdSince: number; shipments?: number },
  clock = new EngineClock(),
): Promise<number> {
  const { now, keep } = options;
  const pageSize = options.pageSize ?? PAGE;
  const open = openOf(alerts);
  let orders = 0;
  await eachOrderPage(q, options.ranges, options.createdSince, pageSize, (page) => {
    const kept = keep === undefined ? page : page.filter((o) => keep(o.orderId));
    clock.run(() => engine.restore(kept, [], now));
    orders += kept.length;
    options.onProgress?.({ orders, shipments: options.shipments ?? 0 });
  });
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
  q: RestoreSource,
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
