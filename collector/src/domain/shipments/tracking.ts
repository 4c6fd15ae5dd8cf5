// A shipment's tracking state, rebuilt from its checkpoints. Checkpoints arrive from several
// sources, repeated (Kuaidi100 pushes the full history every time) and out of order; the state is
// always the one of the latest checkpoint by carrier time, so applying them in any order and any
// number of times gives the same tracking.
import type { ShipmentState, ShipmentUpdateEvent } from '../events.ts';

export interface ShipmentCheckpoint {
  /** Idempotency key: the event id. A checkpoint seen again with the same id changes nothing. */
  id: string;
  /** Carrier time, epoch ms. */
  occurredAt: number;
  state: ShipmentState;
  location?: string;
  providerCode?: string;
  providerText?: string;
}

export interface ShipmentTracking {
  carrier: string;
  trackingNo: string;
  destinationRegion?: string;
  /** Event time of the update that set `destinationRegion`, so an older one never overrides it. */
  destinationSetAt?: number;
  /** When the waybill was bound to its order (the order's `shipped` time); silence counts from here too. */
  boundAt?: number;
  /** Sorted by `compareCheckpoints`; ids unique. */
  checkpoints: readonly ShipmentCheckpoint[];
  /** The carrier stopped tracking (Kuaidi100 `status=shutdown`): no further updates will come. */
  ended: boolean;
}

// Carriers stamp times to the minute or second, so several checkpoints can share one; ranking the
// states keeps "派件" before "签收" at the same minute, and the id keeps the order total.
const STATE_RANK: Record<ShipmentState, number> = {
  created: 0,
  collected: 1,
  in_transit: 2,
  out_for_delivery: 3,
  stuck: 4,
  exception: 4,
  rejected: 5,
  returned: 6,
  delivered: 7,
};

export function compareCheckpoints(a: ShipmentCheckpoint, b: ShipmentCheckpoint): number {
  return (
    a.occurredAt - b.occurredAt ||
    STATE_RANK[a.state] - STATE_RANK[b.state] ||
    (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
  );
}

export function emptyTracking(carrier: string, trackingNo: string): ShipmentTracking {
  return { carrier, trackingNo, checkpoints: [], ended: false };
}

/**
 * The fields of a shipment event that tracking reads: bound events, carrier updates not yet bound
 * to an order, and the compact rows the shipment list selects instead of whole payloads.
 */
export type ShipmentUpdateFields = Pick<
  ShipmentUpdateEvent,
  'id' | 'occurredAt' | 'state' | 'location' | 'providerCode' | 'providerText' | 'destinationRegion'
>;

export function checkpointOf(event: ShipmentUpdateFields): ShipmentCheckpoint {
  const checkpoint: ShipmentCheckpoint = { id: event.id, occurredAt: event.occurredAt, state: event.state };
  if (event.location !== undefined) checkpoint.location = event.location;
  if (event.providerCode !== undefined) checkpoint.providerCode = event.providerCode;
  if (event.providerText !== undefined) checkpoint.providerText = event.providerText;
  return checkpoint;
}

export interface MergeResult {
  tracking: ShipmentTracking;
  /** Checkpoints that were not known before, in tracking order. */
  added: ShipmentCheckpoint[];
}

export function mergeCheckpoints(
  tracking: ShipmentTracking,
  incoming: readonly ShipmentCheckpoint[],
): MergeResult {
  const known = new Set(tracking.checkpoints.map((c) => c.id));
  const added: ShipmentCheckpoint[] = [];
  for (const checkpoint of incoming) {
    if (known.has(checkpoint.id)) continue;
    known.add(checkpoint.id);
    added.push(checkpoint);
  }
  if (added.length === 0) return { tracking, added };
  added.sort(compareCheckpoints);
  const checkpoints = [...tracking.checkpoints, ...added].sort(compareCheckpoints);
  return { tracking: { ...tracking, checkpoints }, added };
}

/** Applies shipment events (any order, repeats allowed); the latest destination region wins. */
export function applyShipmentEvents(
  tracking: ShipmentTracking,
  events: readonly ShipmentUpdateFields[],
): MergeResult {
  const result = mergeCheckpoints(tracking, events.map(checkpointOf));
  let next = result.tracking;
  for (const event of events) {
    if (event.destinationRegion === undefined) continue;
    if (next.destinationSetAt !== undefined && next.destinationSetAt > event.occurredAt) continue;
    next = { ...next, destinationRegion: event.destinationRegion, destinationSetAt: event.occurredAt };
  }
  return { tracking: next, added: result.added };
}

/** The carrier ended tracking (Kuaidi100 `status=shutdown`). */
export function endTracking(tracking: ShipmentTracking): ShipmentTracking {
  return tracking.ended ? tracking : { ...tracking, ended: true };
}

/**
 * The checkpoint that decides the state. A `created` checkpoint stamped after the carrier already
 * reported progress is a late binding (the order system marked the order shipped after the
 * carrier collected it), not a step back, so it never wins over real progress.
 */
export function latestCheckpoint(tracking: ShipmentTracking): ShipmentCheckpoint | undefined {
  const all = tracking.checkpoints;
  for (let i = all.length - 1; i >= 0; i--) if (all[i]!.state !== 'created') return all[i];
  return all.at(-1);
}

export function currentState(tracking: ShipmentTracking): ShipmentState | undefined {
  return latestCheckpoint(tracking)?.state;
}

/** The checkpoints that report movement: `created` ones are dropped once there is real progress. */
export function progressCheckpoints(tracking: ShipmentTracking): readonly ShipmentCheckpoint[] {
  const progress = tracking.checkpoints.filter((c) => c.state !== 'created');
  return progress.length > 0 ? progress : tracking.checkpoints;
}

/** The newest checkpoint of any kind, bindings included. */
export function lastUpdateAt(tracking: ShipmentTracking): number | undefined {
  return tracking.checkpoints.at(-1)?.occurredAt;
}

/** States after which a carrier sends nothing more for the normal flow (so `tracking_silent` stops watching them). */
export const FINAL_SHIPMENT_STATES: readonly ShipmentState[] = ['delivered', 'rejected', 'returned'];

export function isFinal(tracking: ShipmentTracking): boolean {
  const state = currentState(tracking);
  return tracking.ended || (state !== undefined && FINAL_SHIPMENT_STATES.includes(state));
}
