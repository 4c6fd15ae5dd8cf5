// What a carrier tells us about a waybill before we know which order it belongs to. Carrier feeds
// (Kuaidi100 push and poll) name only (carrier, tracking_no); the order and store come from the
// binding made by a `shipment.update` with state `created` or an order's `shipped` event.
import type { ShipmentUpdateEvent } from '../events.ts';

export type CarrierUpdate = Omit<ShipmentUpdateEvent, 'orderId' | 'storeId'>;

export interface ShipmentBinding {
  orderId: string;
  storeId: string;
  destinationRegion?: string;
}

export function bindCarrierUpdate(update: CarrierUpdate, binding: ShipmentBinding): ShipmentUpdateEvent {
  const event: ShipmentUpdateEvent = { ...update, orderId: binding.orderId, storeId: binding.storeId };
  if (event.destinationRegion === undefined && binding.destinationRegion !== undefined) {
    event.destinationRegion = binding.destinationRegion;
  }
  return event;
}
