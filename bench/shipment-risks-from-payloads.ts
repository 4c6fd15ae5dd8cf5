// The shipment list as it was before it selected compact checkpoint rows: every candidate's whole
// `shipment.update` payloads, the order ids as an array parameter, grouping by waybill in
// JavaScript. Kept as the in-process baseline of dashboard-endpoints.ts (same data, same run).

import { waybillKey } from '../collector/src/carriers/waybill-bindings.ts';
import type { ShipmentUpdateEvent } from '../collector/src/domain/events.ts';
import type { ShipmentAnomalyParams } from '../collector/src/domain/shipments/anomalies.ts';
import {
  assessShipment,
  RISK_LEVELS,
  type RiskLevel,
  type ShipmentRisk,
} from '../collector/src/domain/shipments/risk.ts';
import {
  applyShipmentEvents,
  currentState,
  emptyTracking,
  lastUpdateAt,
  type ShipmentTracking,
} from '../collector/src/domain/shipments/tracking.ts';
import type { Queryable } from '../collector/src/store/database.ts';
import type { ShipmentRiskItem } from '../collector/src/wire/shipments.ts';

interface ShipmentRiskFilter {
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

export async function listShipmentRisksFromPayloads(
  db: Queryable,
  filter: ShipmentRiskFilter,
  now: number,
  params?: ShipmentAnomalyParams,
): Promise<ShipmentRiskItem[]> {
  const { rows: shipments } = await db.query<ShipmentRow>(
    `SELECT ${SHIPMENT_COLUMNS} FROM shipments
     WHERE ($1::text IS NULL OR store_id = $1) AND ($2::text IS NULL OR lower(carrier) = lower($2))
       AND ($4::text[] IS NULL OR store_id = ANY($4::text[]))
     ORDER BY last_update_at DESC, carrier COLLATE "C", tracking_no COLLATE "C" LIMIT $3`,
    [filter.storeId ?? null, filter.carrier ?? null, CANDIDATES, filter.stores ?? null],
  );
  const floor = RISK_LEVELS.indexOf(filter.risk ?? 'low');
  const assessed = (await assessRows(db, shipments, now, params)).filter(
    (x) => RISK_LEVELS.indexOf(x.risk.level) >= floor,
  );
  // Numbers, not the ISO strings: the same order, without a collator call per comparison.
  assessed.sort((a, b) => b.risk.score - a.risk.score || a.lastUpdateAt - b.lastUpdateAt);
  return assessed.slice(0, filter.limit).map(riskItem);
}

interface AssessedShipment {
  row: ShipmentRow;
  tracking: ShipmentTracking;
  risk: ShipmentRisk;
  lastUpdateAt: number;
}

async function assessRows(
  db: Queryable,
  shipments: readonly ShipmentRow[],
  now: number,
  params: ShipmentAnomalyParams | undefined,
): Promise<AssessedShipment[]> {
  if (shipments.length === 0) return [];
  const { rows: events } = await db.query<{ payload: ShipmentUpdateEvent }>(
    `SELECT payload FROM events WHERE type = 'shipment.update' AND order_id = ANY($1::text[])`,
    [[...new Set(shipments.map((s) => s.order_id))]],
  );
  const byWaybill = new Map<string, ShipmentUpdateEvent[]>();
  for (const { payload } of events) {
    const key = waybillKey(payload);
    const list = byWaybill.get(key);
    if (list) list.push(payload);
    else byWaybill.set(key, [payload]);
  }
  // Only the listed few become wire items (dates formatted, reasons copied), not every candidate.
  return shipments.map((row) => {
    const tracking = applyShipmentEvents(
      emptyTracking(row.carrier, row.tracking_no),
      byWaybill.get(waybillKey({ carrier: row.carrier, trackingNo: row.tracking_no })) ?? [],
    ).tracking;
    const risk = assessShipment(tracking, now, params);
    return { row, tracking, risk, lastUpdateAt: lastUpdateAt(tracking) ?? row.last_update_at.getTime() };
  });
}

function riskItem({ row, tracking, risk, lastUpdateAt }: AssessedShipment): ShipmentRiskItem {
  return {
    order_id: row.order_id,
    store_id: row.store_id,
    carrier: row.carrier,
    tracking_no: row.tracking_no,
    state: currentState(tracking) ?? row.state,
    last_update_at: new Date(lastUpdateAt).toISOString(),
    destination_region: tracking.destinationRegion ?? row.destination_region,
    risk: risk.level,
    risk_score: risk.score,
    reasons: risk.reasons.map((r) => ({
      reason: r.reason,
      since: new Date(r.since).toISOString(),
      detail: r.detail,
    })),
  };
}
