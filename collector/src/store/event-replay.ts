// The event log read back in event-time order, a page at a time, for replays (rule backtests).
//
// Keyset pages over (occurred_at, source, id), each inside a time slice: on plain PostgreSQL and
// PGlite the log's time index is a BRIN (0001_ingest.sql), which finds a slice's blocks but gives
// no order, so every page sorts what it reads; bounding a page's range by a slice keeps that read
// about a slice long, instead of "everything after the cursor" on every page. A slice holding more
// than a page continues within the slice from the cursor. Only the fields a rule may read are
// taken from the payload (no whole-JSON parse per event), and nothing outlives its page.
import type { StoredEvent } from '../domain/events.ts';
import type { Queryable } from './database.ts';

export interface ReplayRange {
  /** Epoch ms, inclusive. */
  from: number;
  /** Epoch ms, exclusive. */
  to: number;
  /** Length of a slice; fixed when given, else it starts at 15 min and follows the density. */
  sliceMs?: number;
  /** Rows per page; default 10 000. */
  pageRows?: number;
}

const EPOCH_MS = `timestamptz 'epoch' + $%::float8 * interval '1 millisecond'`;
const at = (n: number) => EPOCH_MS.replace('%', String(n));

const PAGE = {
  name: 'event_replay_page',
  text: `SELECT source, id, type, (extract(epoch FROM occurred_at) * 1000)::float8 AS at,
       (extract(epoch FROM received_at) * 1000)::float8 AS received, order_id, store_id,
       payload->>'status' AS status, payload->>'amountFen' AS amount_fen, payload->>'region' AS region,
       payload->>'channel' AS channel, payload->>'provider' AS provider,
       payload->>'transactionId' AS transaction_id, payload->>'carrier' AS carrier,
       payload->>'trackingNo' AS tracking_no, payload->>'state' AS state, payload->>'location' AS location,
       payload->>'destinationRegion' AS destination_region
     FROM events
     WHERE occurred_at >= ${at(1)} AND occurred_at < ${at(2)}
       AND (occurred_at, source, id) > (${at(3)}, $4::text, $5::text)
     ORDER BY occurred_at, source, id
     LIMIT $6`,
};

interface ReplayRow {
  source: string;
  id: string;
  type: StoredEvent['type'];
  at: number;
  received: number;
  order_id: string;
  store_id: string;
  status: string | null;
  amount_fen: string | null;
  region: string | null;
  channel: string | null;
  provider: string | null;
  transaction_id: string | null;
  carrier: string | null;
  tracking_no: string | null;
  state: string | null;
  location: string | null;
  destination_region: string | null;
}

/** Pages of events with from <= occurred_at < to, oldest first (ties by source, then id). */
export async function* replayEvents(db: Queryable, range: ReplayRange): AsyncGenerator<StoredEvent[]> {
  const pageRows = range.pageRows ?? 10_000;
  // The slice adapts to the log's density: it doubles while a slice holds under a quarter of a
  // page (a quiet night, a small chain: fewer queries), and halves when one overflows a page.
  let sliceMs = range.sliceMs ?? 15 * 60_000;
  for (let start = range.from; start < range.to; ) {
    const end = Math.min(start + sliceMs, range.to);
    // Sources and ids are never empty, so ('', '') sorts before every event of the slice's start.
    let cursor: [number, string, string] = [start, '', ''];
    let pages = 0;
    let rowCount = 0;
    for (;;) {
      const { rows } = await db.query<ReplayRow>(PAGE, [start, end, ...cursor, pageRows]);
      pages++;
      rowCount = rows.length;
      if (rows.length > 0) yield rows.map(toEvent);
      if (rows.length < pageRows) break;
      const last = rows[rows.length - 1]!;
      cursor = [last.at, last.source, last.id];
    }
    if (range.sliceMs === undefined) {
      if (pages > 1) sliceMs = Math.max(MIN_SLICE_MS, sliceMs / 2);
      else if (rowCount < pageRows / 4) sliceMs = Math.min(MAX_SLICE_MS, sliceMs * 2);
    }
    start = end;
  }
}

const MIN_SLICE_MS = 60_000;
const MAX_SLICE_MS = 24 * 3_600_000;

/**
 * Only the fields present are set, as on an ingested event (a rule reads a missing one as null).
 * Built by assignment rather than spreads: this runs once per event of a week.
 */
function toEvent(r: ReplayRow): StoredEvent {
  const e: Record<string, unknown> = {
    id: r.id,
    source: r.source,
    type: r.type,
    occurredAt: r.at,
    receivedAt: r.received,
    orderId: r.order_id,
    storeId: r.store_id,
  };
  if (r.type === 'shipment.update') {
    e.carrier = r.carrier ?? '';
    e.trackingNo = r.tracking_no ?? '';
    e.state = r.state;
    if (r.location !== null) e.location = r.location;
    if (r.destination_region !== null) e.destinationRegion = r.destination_region;
    return e as unknown as StoredEvent;
  }
  e.status = r.status;
  if (r.amount_fen !== null) e.amountFen = Number(r.amount_fen);
  if (r.provider !== null) e.provider = r.provider;
  if (r.type === 'payment.notify') {
    e.transactionId = r.transaction_id ?? '';
    e.amountFen ??= 0;
    return e as unknown as StoredEvent;
  }
  if (r.region !== null) e.region = r.region;
  if (r.channel !== null) e.channel = r.channel;
  if (r.carrier !== null) e.carrier = r.carrier;
  if (r.tracking_no !== null) e.trackingNo = r.tracking_no;
  return e as unknown as StoredEvent;
}
