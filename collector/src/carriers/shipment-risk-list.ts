import {
  DEFAULT_SHIPMENT_ANOMALY_PARAMS,
  type ShipmentAnomalyParams,
  type ShipmentRiskFacts,
} from '../domain/shipments/anomalies.ts';
import {
  assessFacts,
  assessShipment,
  DAY,
  RISK_LEVEL_SCORES,
  RISK_WEIGHTS,
  type RiskLevel,
  type ShipmentRisk,
  SILENCE_GROWTH_MAX,
  SILENCE_GROWTH_PER_DAY,
} from '../domain/shipments/risk.ts';
import {
  applyShipmentEvents,
  currentState,
  emptyTracking,
  lastUpdateAt,
  type ShipmentTracking,
  type ShipmentUpdateFields,
} from '../domain/shipments/tracking.ts';
import type { PreparedStatement, Queryable } from '../store/database.ts';
import { assessShipmentsOfOrders } from '../store/shipment-risk-facts.ts';
import type { ShipmentRiskItem } from '../wire/shipments.ts';
import {
  SHIPMENT_UPDATE_FIELDS_SQL,
  type ShipmentUpdateTuple,
  shipmentUpdateFields,
} from './shipment-update-tuple.ts';
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

/** Newest first; carrier and number (byte order) settle equal times, so a listing is repeatable. */
const CANDIDATE_ORDER = 'last_update_at DESC, carrier COLLATE "C", tracking_no COLLATE "C"';

/**
 * The candidates scored (riskScore of domain/shipments/risk.ts over the reasons anomaliesOfFacts
 * gives, from the kept facts, with the weights and thresholds passed in $5), the listed few in
 * listing order (score, then the oldest last update, then candidate order), and the candidates whose
 * facts are outdated. $5: { now, silentLimitMs, stuckAtLocationMs, returnsThreshold, weights, day,
 * growthPerDay, growthMax }.
 */
const LIST: PreparedStatement = {
  name: 'orderpulse_shipment_risk_list_scored',
  text: `WITH p AS (
    SELECT (j->>'now')::float8 AS now, (j->>'silentLimitMs')::float8 AS silent_limit,
           (j->>'stuckAtLocationMs')::float8 AS stuck_limit, (j->>'returnsThreshold')::float8 AS returns_threshold,
           j->'weights' AS weights, (j->'weights'->>'silent')::float8 AS w_silent,
           (j->'weights'->>'returned_repeatedly')::float8 AS w_repeated,
           (j->'weights'->>'stuck_at_location')::float8 AS w_stuck,
           (j->'weights'->>'outside_destination')::float8 AS w_outside,
           (j->>'day')::float8 AS day, (j->>'growthPerDay')::float8 AS growth_per_day,
           (j->>'growthMax')::float8 AS growth_max
    FROM (SELECT $5::jsonb AS j) x
  ), c AS (
    -- Only keys and scores are kept for the 5,000 (40 % less server time than carrying every
    -- column and the facts through); the listed few are read again by key.
    SELECT carrier, tracking_no, order_id, last_update_at, risk_assessed_seq <> risk_seq AS outdated,
      coalesce(risk_last_at, floor(extract(epoch FROM last_update_at) * 1000)) AS last_ms,
      least(100::float8,
        coalesce((p.weights->>risk_state_reason)::float8, 0)
        + CASE WHEN risk_outside THEN p.w_outside ELSE 0 END
        + CASE WHEN risk_returns >= p.returns_threshold THEN p.w_repeated ELSE 0 END
        + CASE WHEN p.now >= risk_silence_from + p.silent_limit
               THEN p.w_silent + least(p.growth_max, floor(greatest(0::float8,
                      p.now - (risk_silence_from + p.silent_limit)) / p.day) * p.growth_per_day)
               ELSE 0 END
        + CASE WHEN p.now >= risk_stuck_since + p.stuck_limit THEN p.w_stuck ELSE 0 END) AS score
    FROM shipments CROSS JOIN p
    WHERE ($1::text IS NULL OR store_id = $1) AND ($2::text IS NULL OR lower(carrier) = lower($2))
      AND ($4::text[] IS NULL OR store_id = ANY($4::text[]))
    ORDER BY ${CANDIDATE_ORDER} LIMIT $3
  )
  SELECT (SELECT array_agg(order_id) FROM c WHERE outdated) AS outdated,
         (SELECT json_agg(ARRAY[s.carrier, s.tracking_no, s.order_id, s.store_id, s.state,
                                floor(extract(epoch FROM s.last_update_at) * 1000)::bigint::text,
                                s.destination_region, s.risk_facts::text]
                          ORDER BY l.score DESC, l.last_ms, l.last_update_at DESC, l.carrier COLLATE "C",
                                   l.tracking_no COLLATE "C")
          FROM (SELECT * FROM c WHERE score >= $6 ORDER BY score DESC, last_ms, ${CANDIDATE_ORDER} LIMIT $7) l
          JOIN shipments s USING (carrier, tracking_no))::text AS doc`,
};

/** One waybill by number (and carrier, when two carriers share the number). */
const ONE_CANDIDATE = `SELECT * FROM shipments
  WHERE tracking_no = $1 AND ($2::text IS NULL OR lower(carrier) = lower($2))
  ORDER BY carrier LIMIT 1`;

/** [carrier, tracking_no, order_id, store_id, state, last_update_at (epoch ms), destination_region] */
const shipmentsStatement = (name: string, candidates: string): PreparedStatement => ({
  name,
  text: `SELECT json_agg(ARRAY[carrier, tracking_no, order_id, store_id, state,
                              floor(extract(epoch FROM last_update_at) * 1000)::bigint::text, destination_region]
                       ORDER BY ${CANDIDATE_ORDER})::text AS doc
         FROM (${candidates}) c`,
});

/**
 * The `shipment.update` events of the candidates' orders, as stored in their payloads (null when
 * absent): [carrier, trackingNo, id, occurredAt, state, location, providerCode, providerText,
 * destinationRegion], in event time (then id): of two destinations given at the same time, the
 * later in that order wins. Its own snapshot, as the shipments' statement has its own.
 */
const eventsStatement = (name: string, candidates: string): PreparedStatement => ({
  name,
  text: `SELECT json_agg(ARRAY[${SHIPMENT_UPDATE_FIELDS_SQL}]
                       ORDER BY occurred_at, id COLLATE "C", source COLLATE "C")::text AS doc
         FROM events
         WHERE type = 'shipment.update' AND order_id = ANY(ARRAY(SELECT order_id FROM (${candidates}) c))`,
});

const ONE = {
  shipments: shipmentsStatement('orderpulse_shipment_risk_one', ONE_CANDIDATE),
  events: eventsStatement('orderpulse_shipment_risk_one_events', ONE_CANDIDATE),
};

type ShipmentTuple = [
  carrier: string,
  trackingNo: string,
  orderId: string,
  storeId: string,
  state: string,
  lastUpdateAt: string,
  destinationRegion: string | null,
];

/** Assessing outdated candidates and listing again: a commit in between can outdate some anew. */
const MAX_LISTINGS = 3;

export async function listShipmentRisks(
  db: Queryable,
  filter: ShipmentRiskFilter,
  now: number,
  params: ShipmentAnomalyParams = DEFAULT_SHIPMENT_ANOMALY_PARAMS,
): Promise<ShipmentRiskItem[]> {
  const scoring = {
    now,
    silentLimitMs: params.silentLimitMs,
    stuckAtLocationMs: params.stuckAtLocationMs,
    returnsThreshold: params.returnsThreshold,
    weights: RISK_WEIGHTS,
    day: DAY,
    growthPerDay: SILENCE_GROWTH_PER_DAY,
    growthMax: SILENCE_GROWTH_MAX,
  };
  const values = [
    filter.storeId ?? null,
    filter.carrier ?? null,
    CANDIDATES,
    filter.stores ?? null,
    JSON.stringify(scoring),
    RISK_LEVEL_SCORES[filter.risk ?? 'low'],
    filter.limit,
  ];
  for (let listing = 1; ; listing++) {
    const { rows } = await db.query<{ outdated: string[] | null; doc: string | null }>(LIST, values);
    const { outdated, doc } = rows[0]!;
    if (outdated && listing < MAX_LISTINGS) {
      await assessShipmentsOfOrders(db, outdated);
      continue;
    }
    return doc ? (JSON.parse(doc) as ListedTuple[]).map((row) => listedItem(row, now, params)) : [];
  }
}

type ListedTuple = [...ShipmentTuple, facts: string | null];

/** A listed row as a wire item, its reasons from the kept facts. */
function listedItem(row: ListedTuple, now: number, params: ShipmentAnomalyParams): ShipmentRiskItem {
  const [carrier, trackingNo, orderId, storeId, state, lastUpdate, destinationRegion, text] = row;
  const facts: ShipmentRiskFacts = text ? JSON.parse(text) : { returnStarts: [] };
  return wireItem(
    { carrier, trackingNo, orderId, storeId },
    facts.state ?? state,
    facts.lastUpdateAt ?? Number(lastUpdate),
    facts.destinationRegion ?? destinationRegion,
    assessFacts(facts, now, params),
  );
}

/** One waybill by tracking number (and carrier, when two carriers share the number). */
export async function getShipmentRisk(
  db: Queryable,
  trackingNo: string,
  carrier: string | undefined,
  now: number,
  params?: ShipmentAnomalyParams,
): Promise<ShipmentRiskItem | undefined> {
  const [row] = await riskRows(db, ONE, [trackingNo, carrier ?? null]);
  return row && riskItem(assess(row, now, params));
}

/** The candidates, each with its waybill's events (grouped by waybillKey, as the bindings are). */
async function riskRows(
  db: Queryable,
  statements: { shipments: PreparedStatement; events: PreparedStatement },
  values: unknown[],
): Promise<RiskRow[]> {
  const [shipments, events] = await Promise.all([
    db.query<{ doc: string | null }>(statements.shipments, values),
    db.query<{ doc: string | null }>(statements.events, values),
  ]);
  const byWaybill = new Map<string, ShipmentUpdateFields[]>();
  for (const event of parseDoc<ShipmentUpdateTuple>(events.rows)) {
    const key = waybillKey({ carrier: event[0], trackingNo: event[1] });
    const list = byWaybill.get(key);
    if (list) list.push(shipmentUpdateFields(event));
    else byWaybill.set(key, [shipmentUpdateFields(event)]);
  }
  return parseDoc<ShipmentTuple>(shipments.rows).map((shipment) => ({
    shipment,
    events: byWaybill.get(waybillKey({ carrier: shipment[0], trackingNo: shipment[1] })) ?? [],
  }));
}

const parseDoc = <T>(rows: { doc: string | null }[]): T[] =>
  rows[0]?.doc ? (JSON.parse(rows[0].doc) as T[]) : [];

interface RiskRow {
  shipment: ShipmentTuple;
  events: ShipmentUpdateFields[];
}

interface AssessedShipment {
  row: ShipmentTuple;
  tracking: ShipmentTracking;
  risk: ShipmentRisk;
  lastUpdateAt: number;
}

// Only the listed few become wire items (dates formatted, reasons copied), not every candidate.
function assess(
  { shipment, events }: RiskRow,
  now: number,
  params: ShipmentAnomalyParams | undefined,
): AssessedShipment {
  const tracking = applyShipmentEvents(emptyTracking(shipment[0], shipment[1]), events).tracking;
  const risk = assessShipment(tracking, now, params);
  return { row: shipment, tracking, risk, lastUpdateAt: lastUpdateAt(tracking) ?? Number(shipment[5]) };
}

function riskItem({ row, tracking, risk, lastUpdateAt }: AssessedShipment): ShipmentRiskItem {
  const [carrier, trackingNo, orderId, storeId, state, , destinationRegion] = row;
  return wireItem(
    { carrier, trackingNo, orderId, storeId },
    currentState(tracking) ?? state,
    lastUpdateAt,
    tracking.destinationRegion ?? destinationRegion,
    risk,
  );
}

function wireItem(
  waybill: { carrier: string; trackingNo: string; orderId: string; storeId: string },
  state: string,
  lastUpdateAt: number,
  destinationRegion: string | null,
  risk: ShipmentRisk,
): ShipmentRiskItem {
  return {
    order_id: waybill.orderId,
    store_id: waybill.storeId,
    carrier: waybill.carrier,
    tracking_no: waybill.trackingNo,
    state,
    last_update_at: new Date(lastUpdateAt).toISOString(),
    destination_region: destinationRegion,
    risk: risk.level,
    risk_score: risk.score,
    reasons: risk.reasons.map((r) => ({
      reason: r.reason,
      since: new Date(r.since).toISOString(),
      detail: r.detail,
    })),
  };
}
