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
import type { Severity } from './params.ts';
import type { ShipmentState } from './shipment-state.ts';
import type { Summary } from './signal.ts';

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

const STATE_TEXT: Partial<Record<CarrierState, { zh: string; en: string }>> = {
  delivered: { zh: '已签收', en: 'was delivered' },
  rejected: { zh: '被拒收', en: 'was rejected by the recipient' },
  stuck: { zh: '滞留', en: 'is stuck' },
  exception: { zh: '物流异常', en: 'has a carrier exception' },
};

export interface ShipmentEventHolding {
  at: number;
  /** When the alert resolves unless a newer checkpoint comes first. */
  endsAt: number;
  severity: Severity;
  summary: Summary;
  labels: Record<string, string>;
}

/** The key event the shipment's current state is, while its hold lasts at `now`; else undefined. */
export function shipmentEventAt(
  shipment: ShipmentState,
  params: ShipmentEventParams,
  now: number,
): ShipmentEventHolding | undefined {
  if (!params.enabled) return undefined;
  const severity = params.severities[shipment.state];
  // stateAt is -Infinity only for a shipment known before any checkpoint (never a key state).
  if (severity === undefined || !Number.isFinite(shipment.stateAt)) return undefined;
  const endsAt = shipment.stateAt + params.holdMs;
  if (now >= endsAt) return undefined;
  const text = STATE_TEXT[shipment.state] ?? { zh: shipment.state, en: `is ${shipment.state}` };
  return {
    at: shipment.stateAt,
    endsAt,
    severity,
    summary: {
      zh: `运单 ${shipment.carrier} ${shipment.trackingNo}（订单 ${shipment.orderId}）${text.zh}`,
      en: `Waybill ${shipment.carrier} ${shipment.trackingNo} (order ${shipment.orderId}) ${text.en}`,
    },
    labels: { carrier: shipment.carrier, order_id: shipment.orderId, state: shipment.state },
  };
}
