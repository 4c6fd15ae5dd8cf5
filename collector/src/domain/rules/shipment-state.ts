// Current state of one shipment (waybill), as the carrier rules need it. Like orders, applied by
// event time: the state is the latest checkpoint by occurredAt, a late checkpoint only adds facts.
import type { ShipmentState as CarrierState, ShipmentUpdateEvent } from '../events.ts';

export interface ShipmentState {
  /** shipmentKey(carrier, trackingNo). */
  key: string;
  orderId: string;
  storeId: string;
  carrier: string;
  trackingNo: string;
  state: CarrierState;
  /** occurredAt of the checkpoint that set `state`. */
  stateAt: number;
  /** Latest checkpoint time of any kind. */
  lastUpdateAt: number;
  /** Distinct `returned` checkpoints seen. */
  returnedCount: number;
  lastReturnedAt: number | undefined;
  lastLocation: string | undefined;
  /** Since when (event time) the parcel has been reported at `lastLocation`. */
  locationSince: number | undefined;
  lastLocationAt: number | undefined;
  destinationRegion: string | undefined;
}

/** A separator no carrier code or waybill number contains. */
export function shipmentKey(carrier: string, trackingNo: string): string {
  return `${carrier}\u001f${trackingNo}`;
}

/** A waybill bound by an order's `shipped` event, before any carrier checkpoint arrives. */
export function boundShipment(
  orderId: string,
  storeId: string,
  carrier: string,
  trackingNo: string,
  at: number,
): ShipmentState {
  return {
    key: shipmentKey(carrier, trackingNo),
    orderId,
    storeId,
    carrier,
    trackingNo,
    state: 'created',
    stateAt: at,
    lastUpdateAt: at,
    returnedCount: 0,
    lastReturnedAt: undefined,
    lastLocation: undefined,
    locationSince: undefined,
    lastLocationAt: undefined,
    destinationRegion: undefined,
  };
}

/** Returns a new state; the input is not mutated. */
export function applyShipmentEvent(
  state: ShipmentState | undefined,
  event: ShipmentUpdateEvent,
): ShipmentState {
  const at = event.occurredAt;
  const prev =
    state ??
    boundShipment(event.orderId, event.storeId, event.carrier, event.trackingNo, Number.NEGATIVE_INFINITY);
  const next: ShipmentState = { ...prev, lastUpdateAt: Math.max(prev.lastUpdateAt, at) };
  if (state === undefined || at >= prev.stateAt) {
    next.state = event.state;
    next.stateAt = at;
  }
  if (event.state === 'returned' && at !== prev.lastReturnedAt) {
    next.returnedCount = prev.returnedCount + 1;
    next.lastReturnedAt = Math.max(prev.lastReturnedAt ?? at, at);
  }
  if (event.location !== undefined) {
    if (prev.lastLocationAt === undefined || at >= prev.lastLocationAt) {
      if (event.location !== prev.lastLocation) {
        next.lastLocation = event.location;
        next.locationSince = at;
      }
      next.lastLocationAt = at;
    } else if (event.location === prev.lastLocation && at < (prev.locationSince ?? at)) {
      // An older checkpoint at the same place: the parcel has been there longer than we thought.
      next.locationSince = at;
    }
  }
  if (event.destinationRegion !== undefined) next.destinationRegion = event.destinationRegion;
  return next;
}
