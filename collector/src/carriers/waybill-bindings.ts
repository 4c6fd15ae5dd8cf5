// Which order a waybill belongs to (the foundation's `shipments` rows), and the carrier updates
// kept while it belongs to none yet (`carrier_updates_pending`, migration 0006_carriers).
import type { CarrierUpdate, ShipmentBinding } from '../domain/shipments/carrier-update.ts';
import type { Queryable } from '../store/database.ts';
import type { PollKey } from './poll-schedule.ts';

export interface WaybillBinding extends ShipmentBinding {
  /** The carrier as the binding spelled it; carrier updates are stored under this spelling. */
  carrier: string;
  trackingNo: string;
}

/** Carrier names compare case-insensitively ("YTO" from the order system, "yto" from a feed). */
export const waybillKey = (w: PollKey) => `${w.carrier.trim().toLowerCase()}\u0000${w.trackingNo.trim()}`;

function distinct(waybills: readonly PollKey[]): PollKey[] {
  const seen = new Map<string, PollKey>();
  for (const w of waybills) seen.set(waybillKey(w), w);
  return [...seen.values()];
}

export async function findBindings(
  db: Queryable,
  waybills: readonly PollKey[],
): Promise<Map<string, WaybillBinding>> {
  const list = distinct(waybills);
  const found = new Map<string, WaybillBinding>();
  if (list.length === 0) return found;
  const { rows } = await db.query<{
    carrier: string;
    tracking_no: string;
    order_id: string;
    store_id: string;
    destination_region: string | null;
  }>(
    `SELECT s.carrier, s.tracking_no, s.order_id, s.store_id, s.destination_region
     FROM shipments s
     JOIN unnest($1::text[], $2::text[]) AS w(carrier, tracking_no)
       ON s.tracking_no = w.tracking_no AND lower(s.carrier) = lower(w.carrier)
     ORDER BY s.carrier`,
    [list.map((w) => w.carrier.trim()), list.map((w) => w.trackingNo.trim())],
  );
  for (const r of rows) {
    const binding: WaybillBinding = {
      carrier: r.carrier,
      trackingNo: r.tracking_no,
      orderId: r.order_id,
      storeId: r.store_id,
    };
    if (r.destination_region !== null) binding.destinationRegion = r.destination_region;
    const key = waybillKey(binding);
    if (!found.has(key)) found.set(key, binding);
  }
  return found;
}

/** Keeps updates of unbound waybills; returns the ids of those not kept before. */
export async function keepPendingUpdates(
  db: Queryable,
  updates: readonly CarrierUpdate[],
): Promise<Set<string>> {
  if (updates.length === 0) return new Set();
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO carrier_updates_pending (source, id, carrier, tracking_no, occurred_at, payload)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::timestamptz[], $6::jsonb[])
     ON CONFLICT DO NOTHING
     RETURNING id`,
    [
      updates.map((u) => u.source),
      updates.map((u) => u.id),
      updates.map((u) => u.carrier),
      updates.map((u) => u.trackingNo),
      updates.map((u) => new Date(u.occurredAt).toISOString()),
      updates.map((u) => JSON.stringify(u)),
    ],
  );
  return new Set(rows.map((r) => r.id));
}

export async function pendingUpdatesFor(
  db: Queryable,
  waybills: readonly PollKey[],
): Promise<CarrierUpdate[]> {
  const list = distinct(waybills);
  if (list.length === 0) return [];
  const { rows } = await db.query<{ payload: CarrierUpdate }>(
    `SELECT p.payload FROM carrier_updates_pending p
     JOIN unnest($1::text[], $2::text[]) AS w(carrier, tracking_no)
       ON p.tracking_no = w.tracking_no AND lower(p.carrier) = lower(w.carrier)
     ORDER BY p.occurred_at`,
    [list.map((w) => w.carrier.trim()), list.map((w) => w.trackingNo.trim())],
  );
  return rows.map((r) => r.payload);
}

export async function deletePendingUpdates(
  db: Queryable,
  keys: readonly { source: string; id: string }[],
): Promise<void> {
  if (keys.length === 0) return;
  await db.query(
    `DELETE FROM carrier_updates_pending p
     USING unnest($1::text[], $2::text[]) AS k(source, id)
     WHERE p.source = k.source AND p.id = k.id`,
    [keys.map((k) => k.source), keys.map((k) => k.id)],
  );
}

/** Waybills with pending updates that have a binding by now (a restart sweeps these). */
export async function boundWaybillsWithPending(db: Queryable, limit: number): Promise<PollKey[]> {
  const { rows } = await db.query<{ carrier: string; tracking_no: string }>(
    `SELECT DISTINCT p.carrier, p.tracking_no FROM carrier_updates_pending p
     JOIN shipments s ON s.tracking_no = p.tracking_no AND lower(s.carrier) = lower(p.carrier)
     LIMIT $1`,
    [limit],
  );
  return rows.map((r) => ({ carrier: r.carrier, trackingNo: r.tracking_no }));
}
