// Without provider keys the simulator still tells the whole story, through /v1/events: payments as
// `payment.notify` and carrier checkpoints as `shipment.update` events of the ingest token's source.
import type { CarrierCheckpoint, CarrierPush, PaymentCallback, WireEvent } from '../actions.ts';
import { chinaIso } from '../traffic-curve.ts';

const STATE_OF_CODE: Record<string, string> = {
  '1': 'collected',
  '0': 'in_transit',
  '5': 'out_for_delivery',
  '3': 'delivered',
  '6': 'returned',
};

export function paymentEvent(callback: PaymentCallback): WireEvent {
  return {
    id: `${callback.provider}:${callback.notifyId}`,
    type: 'payment.notify',
    occurred_at: chinaIso(callback.paidAt),
    order_id: callback.orderId,
    store_id: callback.storeId,
    provider: callback.provider,
    transaction_id: callback.transactionId,
    amount_fen: callback.amountFen,
    status: 'success',
  } as WireEvent;
}

function checkpointEvent(push: CarrierPush, storeId: string, checkpoint: CarrierCheckpoint): WireEvent {
  return {
    id: `${push.carrier}:${push.trackingNo}:${checkpoint.at}`,
    type: 'shipment.update',
    occurred_at: chinaIso(checkpoint.at),
    order_id: push.orderId,
    store_id: storeId,
    carrier: push.carrier,
    tracking_no: push.trackingNo,
    state: STATE_OF_CODE[checkpoint.code] ?? 'in_transit',
    location: checkpoint.city,
  } as WireEvent;
}

/** Every checkpoint of the push (repeats are duplicates by id, as with Kuaidi100's own pushes). */
export function shipmentEvents(push: CarrierPush): WireEvent[] {
  // Order ids carry the store: O<run>-<store>-… / C<run>-<store>-…
  const storeId = push.orderId.split('-')[1] ?? 'unknown';
  return push.checkpoints.map((c) => checkpointEvent(push, storeId, c));
}
