// shipment_anomaly: a shipment is rejected, returned twice or more, in exception/stuck, has not
// moved from one location for too long, or is out for delivery / delivered somewhere that
// contradicts its destination region. Each reason carries the event time it started.

import type { MessageRef } from '../../messages/format-message.ts';
import type { ShipmentState as CarrierState } from '../events.ts';
import type { BuiltinRule } from './builtin-rule.ts';
import { RECHECK, ruleApplies, type TimedEvaluator } from './evaluator.ts';
import { commonDefaults, HOUR, type RuleCommon } from './rule-common.ts';
import type { ShipmentState } from './shipment-state.ts';
import { type Summary, summaryOf } from './signal.ts';

export type ShipmentAnomalyParams = RuleCommon & {
  /** Returned this many times or more is an anomaly. */
  returnsThreshold: number;
  /** No location change for this long while in transit counts as stuck. */
  stuckAtLocationMs: number;
};
type Params = ShipmentAnomalyParams;

export type AnomalyReason =
  | 'rejected'
  | 'returned_repeatedly'
  | 'exception'
  | 'stuck'
  | 'stuck_at_location'
  | 'location_mismatch';

export interface Anomaly {
  reason: AnomalyReason;
  since: number;
}

/** The region table is someone else's; the rule only needs these two questions answered. */
export interface RegionLookup {
  /** The region (province/city name or GB/T 2260 code) a carrier location lies in, if known. */
  regionOf(location: string): string | undefined;
  /** Whether `region` lies within `destination`. */
  regionContains(destination: string, region: string): boolean;
}

const normalizeRegion = (region: string): string => {
  const trimmed = region.trim();
  // GB/T 2260 codes: 440000 (province) contains 440300 (city); compare without trailing zero pairs.
  return /^\d{6}$/.test(trimmed) ? trimmed.replace(/(00)+$/, '') : trimmed;
};

/** Prefix/substring comparison: good enough for "广东省" vs "广东省深圳市南山区" and for GB/T codes. */
export const SIMPLE_REGION_LOOKUP: RegionLookup = {
  regionOf: (location) => (location.trim() === '' ? undefined : location.trim()),
  regionContains: (destination, region) => {
    const d = normalizeRegion(destination);
    const r = normalizeRegion(region);
    return d !== '' && r !== '' && (r.includes(d) || d.includes(r));
  },
};

/** States in which the parcel is moving, so staying at one location is suspicious. */
const MOVING: ReadonlySet<CarrierState> = new Set<CarrierState>([
  'collected',
  'in_transit',
  'out_for_delivery',
]);
/** States in which the parcel should be inside its destination region. */
const AT_DESTINATION: ReadonlySet<CarrierState> = new Set<CarrierState>(['out_for_delivery', 'delivered']);

export function stuckAtLocationDueAt(shipment: ShipmentState, params: Params): number | undefined {
  if (!MOVING.has(shipment.state) || shipment.locationSince === undefined) return undefined;
  return shipment.locationSince + params.stuckAtLocationMs;
}

export function shipmentAnomalies(
  shipment: ShipmentState,
  params: Params,
  regions: RegionLookup,
  now: number,
): Anomaly[] {
  const found: Anomaly[] = [];
  const { state, stateAt } = shipment;
  if (state === 'rejected') found.push({ reason: 'rejected', since: stateAt });
  if (state === 'exception') found.push({ reason: 'exception', since: stateAt });
  if (state === 'stuck') found.push({ reason: 'stuck', since: stateAt });
  if (state !== 'delivered' && shipment.returnedCount >= params.returnsThreshold) {
    found.push({ reason: 'returned_repeatedly', since: shipment.lastReturnedAt ?? stateAt });
  }
  const stuckDue = stuckAtLocationDueAt(shipment, params);
  if (stuckDue !== undefined && stuckDue <= now) found.push({ reason: 'stuck_at_location', since: stuckDue });
  if (AT_DESTINATION.has(state) && shipment.lastLocation !== undefined && shipment.destinationRegion) {
    const region = regions.regionOf(shipment.lastLocation);
    if (region !== undefined && !regions.regionContains(shipment.destinationRegion, region)) {
      found.push({ reason: 'location_mismatch', since: shipment.lastLocationAt ?? stateAt });
    }
  }
  return found;
}

export function shipmentAnomalySummary(
  shipment: ShipmentState,
  anomalies: readonly Anomaly[],
  params: Params,
): Summary {
  return summaryOf({
    key: 'summary.shipment_anomaly',
    params: {
      carrier: shipment.carrier,
      trackingNo: shipment.trackingNo,
      orderId: shipment.orderId,
      reasons: anomalies.map(
        (a): MessageRef =>
          a.reason === 'stuck_at_location'
            ? { key: 'anomaly.stuck_at_location', params: { stuckMs: params.stuckAtLocationMs } }
            : a.reason === 'returned_repeatedly'
              ? { key: 'anomaly.returned_repeatedly', params: { count: shipment.returnedCount } }
              : { key: `anomaly.${a.reason}` },
      ),
    },
  });
}

export const shipmentAnomalyRule: TimedEvaluator<ShipmentState> = {
  name: 'shipment_anomaly',
  holding(shipment, all, facts, now, next) {
    const params = all.shipment_anomaly;
    if (!ruleApplies(params, shipment.storeId)) return undefined;
    const stuckDue = stuckAtLocationDueAt(shipment, params);
    if (stuckDue !== undefined && stuckDue > now) next.at(stuckDue);
    const found = shipmentAnomalies(shipment, params, facts.regions, now);
    if (found.length === 0) return undefined;
    return {
      at: Math.min(...found.map((a) => a.since)),
      summary: shipmentAnomalySummary(shipment, found, params),
      labels: {
        carrier: shipment.carrier,
        order_id: shipment.orderId,
        reasons: found.map((a) => a.reason).join(','),
      },
      severity: params.severity,
    };
  },
  firstCheckAt(shipment, all, facts, now) {
    const params = all.shipment_anomaly;
    if (!ruleApplies(params, shipment.storeId)) return undefined;
    if (shipmentAnomalies(shipment, params, facts.regions, now).length > 0) return RECHECK;
    return stuckAtLocationDueAt(shipment, params);
  },
};

export const shipmentAnomaly: BuiltinRule<'shipment_anomaly', Params> = {
  name: 'shipment_anomaly',
  watches: { kind: 'shipment', evaluator: shipmentAnomalyRule },
  defaults: { ...commonDefaults('warning'), returnsThreshold: 2, stuckAtLocationMs: 24 * HOUR },
  fields: ['returns_threshold', 'stuck_at_location'],
  readParams: (fields) => ({
    returnsThreshold: fields.get('returns_threshold').integer(1, 100),
    stuckAtLocationMs: fields.get('stuck_at_location').duration({ positive: true }),
  }),
};
