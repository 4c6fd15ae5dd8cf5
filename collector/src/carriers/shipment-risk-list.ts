// GET /v1/shipments: shipments with their risk, computed by the domain model from the stored
// checkpoints (the `shipment.update` events), so the list says exactly what the rules see.
import type { ShipmentUpdateEvent } from '../domain/events.ts';
import type { ShipmentAnomalyParams } from '../domain/shipments/anomalies.ts';
import { assessShipment, RISK_LEVELS, type RiskLevel, type ShipmentRisk } from '../domain/shipments/risk.ts';
import {
  applyShipmentEvents,
  currentState,
  emptyTracking,
  lastUpdateAt,
} from '../domain/shipments/tracking.ts';
import type { Queryable } from '../store/database.ts';
import type { ShipmentRiskItem } from '../wire/shipments.ts';
import { waybillKey } from './waybill-bindings.ts';

export interface ShipmentRiskFilter {
  /** The lowest level listed (`high` lists high only, `medium` medium and high). */
  risk?: RiskLevel;
  storeId?: string;
  /** A scoped caller's stores: only these (see auth/scope.ts). */
  stores?: readonly string[];
  carrier?: string;
  limit: number;
}

/** Shipments examined per request, newest first: bounds the work of one listing. */
const CANDIDATES = 5_000;

interface ShipmentRow {
  carrier: string;
  tracking_no: string;
  order_id: string;
  store_id: string;
  state: string;
  last_update_at: Date;
  destination_region: string | null;
}

const SHIPMENT_COLUMNS =
  'carrier, tracking_no, order_id, store_id, state, last_update_at, destination_region';

export async function listShipmentRisks(
  db: Queryable,
  filter: ShipmentRiskFilter,
  now: number,
  params?: ShipmentAnomalyParams,
): Promise<ShipmentRiskItem[]> {
  const { rows: shipments } = await db.query<ShipmentRow>(
    `SELECT ${SHIPMENT_COLUMNS} FROM shipments
     WHERE ($1::text IS NULL OR store_id = $1) AND ($2::text IS NULL OR lower(carrier) = lower($2))
       AND ($4::text[] IS NULL OR store_id = ANY($4::text[]))
     ORDER BY last_update_at DESC LIMIT $3`,
    [filter.storeId ?? null, filter.carrier ?? null, CANDIDATES, filter.stores ?? null],
  );
  const floor = RISK_LEVELS.indexOf(filter.risk ?? 'low');
  const items = (await assessRows(db, shipments, now, params)).filter(
    (x) => RISK_LEVELS.indexOf(x.risk.level) >= floor,
  );
  items.sort(
    (a, b) => b.risk.score - a.risk.score || a.item.last_update_at.localeCompare(b.item.last_update_at),
  );
  return items.slice(0, filter.limit).map((x) => x.item);
}

/** One waybill by tracking number (and carrier, when two carriers share the number). */
export async function getShipmentRisk(
  db: Queryable,
  trackingNo: string,
  carrier: string | undefined,
  now: number,
  params?: ShipmentAnomalyParams,
): Promise<ShipmentRiskItem | undefined> {
  const { rows } = await db.query<ShipmentRow>(
    `SELECT ${SHIPMENT_COLUMNS} FROM shipments
     WHERE tracking_no = $1 AND ($2::text IS NULL OR lower(carrier) = lower($2))
     ORDER BY carrier LIMIT 1`,
    [trackingNo, carrier ?? null],
  );
  return (await assessRows(db, rows, now, params))[0]?.item;
}

async function assessRows(
  db: Queryable,
  shipments: readonly ShipmentRow[],
  now: number,
  params: ShipmentAnomalyParams | undefined,
): Promise<{ item: ShipmentRiskItem; risk: ShipmentRisk }[]> {
  if (shipments.length === 0) return [];
  const { rows: events } = await db.query<{ payload: ShipmentUpdateEvent }>(
    `SELECT payload FROM events WHERE type = 'shipment.update' AND order_id = ANY($1::text[])`,
    [[...new Set(shipments.map((s) => s.order_id))]],
  );
  const byWaybill = new Map<string, ShipmentUpdateEvent[]>();
  for (const { payload } of events) {
    const key = waybillKey(payload);
    const list = byWaybill.get(key) ?? [];
    list.push(payload);
    byWaybill.set(key, list);
  }
  const items: { item: ShipmentRiskItem; risk: ShipmentRisk }[] = [];
  for (const s of shipments) {
    const tracking = applyShipmentEvents(
      emptyTracking(s.carrier, s.tracking_no),
      byWaybill.get(waybillKey({ carrier: s.carrier, trackingNo: s.tracking_no })) ?? [],
    ).tracking;
    const risk = assessShipment(tracking, now, params);
    const last = lastUpdateAt(tracking) ?? s.last_update_at.getTime();
    items.push({
      risk,
      item: {
        order_id: s.order_id,
        store_id: s.store_id,
        carrier: s.carrier,
        tracking_no: s.tracking_no,
        state: currentState(tracking) ?? s.state,
        last_update_at: new Date(last).toISOString(),
        destination_region: tracking.destinationRegion ?? s.destination_region,
        risk: risk.level,
        risk_score: risk.score,
        reasons: risk.reasons.map((r) => ({
          reason: r.reason,
          since: new Date(r.since).toISOString(),
          detail: r.detail,
        })),
      },
    });
  }
  return items;
}
