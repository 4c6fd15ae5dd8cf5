// shipment_event: a carrier KEY EVENT (delivered 签收, rejected 拒收, stuck 滞留, exception 异常) as an
// alert, so it reaches people through the same path as every other alert: labels → routes.yaml →
// receiver, grouped, silenceable. It is not one of the contract's built-in rules (an addition, like
// the Alertmanager alerts a client sends with an `endsAt`): its alert fires at the checkpoint and
// resolves by itself `holdMs` later, or earlier when a newer checkpoint moves the shipment to a
// state that is not a key event. A later key event (stuck → delivered) updates the same alert.
//
// Why a hold instead of resolving at once: the notifier plans groups from open alerts after the
// route's group wait; an alert that resolved before anyone was told would never be told at all.
// The hold is longer than any group wait in routes.yaml. A key checkpoint learned more than the
// hold after it happened (a late poll) notifies nothing; shipment_anomaly still covers the state.
import type { ShipmentState as CarrierState } from '../events.ts';
import { RECHECK, type TimedEvaluator } from './evaluator.ts';
import type { BuiltinRuleParams } from './params.ts';
import type { Severity } from './rule-common.ts';
import { inScope } from './scope.ts';
import type { ShipmentState } from './shipment-state.ts';
import { summaryOf } from './signal.ts';

export const SHIPMENT_EVENT_RULE = 'shipment_event';

export interface ShipmentEventParams {
  enabled: boolean;
  /** The states that are key events, with their alert's severity. */
  severities: Partial<Record<CarrierState, Severity>>;
  /** How long the alert stays open after the checkpoint. */
  holdMs: number;
}

export const DEFAULT_SHIPMENT_EVENT_PARAMS: ShipmentEventParams = {
  enabled: true,
  severities: { delivered: 'info', rejected: 'warning', stuck: 'warning', exception: 'warning' },
  holdMs: 6 * 3_600_000,
};

/** When the alert of the shipment's current key event resolves, while its hold lasts at `now`; else undefined. */
function holdEndsAt(shipment: ShipmentState, params: ShipmentEventParams, now: number): number | undefined {
  // stateAt is -Infinity only for a shipment known before any checkpoint (never a key state).
  if (
    !params.enabled ||
    params.severities[shipment.state] === undefined ||
    !Number.isFinite(shipment.stateAt)
  )
    return undefined;
  const endsAt = shipment.stateAt + params.holdMs;
  return now < endsAt ? endsAt : undefined;
}

/** Key events are logistics notifications: they follow shipment_anomaly's store scope. */
const inEventScope = (shipment: ShipmentState, all: BuiltinRuleParams): boolean =>
  inScope(all.shipment_anomaly.scope, shipment.storeId);

export const shipmentEventRule: TimedEvaluator<ShipmentState> = {
  name: SHIPMENT_EVENT_RULE,
  holding(shipment, all, facts, now, next) {
    const params = facts.shipmentEvent;
    const endsAt = inEventScope(shipment, all) ? holdEndsAt(shipment, params, now) : undefined;
    if (endsAt === undefined) return undefined;
    next.at(endsAt);
    return {
      at: shipment.stateAt,
      severity: params.severities[shipment.state]!,
      summary: summaryOf({
        key: 'summary.shipment_event',
        params: {
          carrier: shipment.carrier,
          trackingNo: shipment.trackingNo,
          orderId: shipment.orderId,
          state: shipment.state,
        },
      }),
      labels: { carrier: shipment.carrier, order_id: shipment.orderId, state: shipment.state },
    };
  },
  firstCheckAt: (shipment, all, facts, now) =>
    inEventScope(shipment, all) && holdEndsAt(shipment, facts.shipmentEvent, now) !== undefined
      ? RECHECK
      : undefined,
};
