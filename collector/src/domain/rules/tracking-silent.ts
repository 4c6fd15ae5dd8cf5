// tracking_silent: a shipment not yet delivered/rejected/returned has had no carrier update for the limit.
import type { ShipmentState as CarrierState } from '../events.ts';
import { type BuiltinRule, LIMIT_PARAM } from './builtin-rule.ts';
import { deadlineRule } from './evaluator.ts';
import { commonDefaults, HOUR, type RuleCommon } from './rule-common.ts';
import type { ShipmentState } from './shipment-state.ts';
import { type Summary, summaryOf } from './signal.ts';

export type TrackingSilentParams = RuleCommon & { limitMs: number };
type Params = TrackingSilentParams;

/** States after which no further carrier update is expected. */
export const SHIPMENT_FINAL_STATES: ReadonlySet<CarrierState> = new Set<CarrierState>([
  'delivered',
  'rejected',
  'returned',
]);

export function trackingSilentDueAt(shipment: ShipmentState, params: Params): number | undefined {
  if (SHIPMENT_FINAL_STATES.has(shipment.state)) return undefined;
  return shipment.lastUpdateAt + params.limitMs;
}

export function trackingSilentSummary(shipment: ShipmentState, params: Params): Summary {
  return summaryOf({
    key: 'summary.tracking_silent',
    params: {
      carrier: shipment.carrier,
      trackingNo: shipment.trackingNo,
      orderId: shipment.orderId,
      limitMs: params.limitMs,
    },
  });
}

export const trackingSilentRule = deadlineRule<ShipmentState, Params>({
  name: 'tracking_silent',
  params: (all) => all.tracking_silent,
  dueAt: trackingSilentDueAt,
  holding: (shipment, params, at) => ({
    at,
    summary: trackingSilentSummary(shipment, params),
    labels: { carrier: shipment.carrier, order_id: shipment.orderId },
    severity: params.severity,
  }),
});

export const trackingSilent: BuiltinRule<'tracking_silent', Params> = {
  name: 'tracking_silent',
  watches: { kind: 'shipment', evaluator: trackingSilentRule },
  defaults: { ...commonDefaults('warning'), limitMs: 48 * HOUR },
  ...LIMIT_PARAM,
};
