// A stored `shipment.update` as the risk statements read it out of its payload: the fields tracking
// needs, as text (null when absent), in one array per event.
import type { ShipmentState } from '../domain/events.ts';
import type { ShipmentUpdateFields } from '../domain/shipments/tracking.ts';

/** The payload fields, in this order, that SHIPMENT_UPDATE_FIELDS_SQL selects (a statement may add more after them). */
export type ShipmentUpdateTuple = [
  carrier: string,
  trackingNo: string,
  id: string,
  occurredAt: string,
  state: string,
  location: string | null,
  providerCode: string | null,
  providerText: string | null,
  destinationRegion: string | null,
];

/** The elements of an `ARRAY[…]` over an `events` row that make a ShipmentUpdateTuple. */
export const SHIPMENT_UPDATE_FIELDS_SQL = `payload->>'carrier', payload->>'trackingNo', payload->>'id',
  payload->>'occurredAt', payload->>'state', payload->>'location', payload->>'providerCode',
  payload->>'providerText', payload->>'destinationRegion'`;

export function shipmentUpdateFields([
  ,
  ,
  id,
  occurredAt,
  state,
  location,
  providerCode,
  providerText,
  destinationRegion,
]: readonly [...ShipmentUpdateTuple, ...unknown[]]): ShipmentUpdateFields {
  // The payload's number as JSON.parse would read it from the payload itself.
  const fields: ShipmentUpdateFields = { id, occurredAt: Number(occurredAt), state: state as ShipmentState };
  if (location !== null) fields.location = location;
  if (providerCode !== null) fields.providerCode = providerCode;
  if (providerText !== null) fields.providerText = providerText;
  if (destinationRegion !== null) fields.destinationRegion = destinationRegion;
  return fields;
}
