// The event log read back in event-time order, a page at a time, for replays (rule backtests).
//
// Keyset pages over (occurred_at, source, id), each inside a time slice: on plain PostgreSQL and
// PGlite the log's time index is a BRIN (0001_ingest.sql), which finds a slice's blocks but gives
// no order, so every page sorts what it reads; bounding a page's range by a slice keeps that read
// about a slice long, instead of "everything after the cursor" on every page. A slice holding more
// than a page continues within the slice from the cursor. Each event is its stored payload (the
// domain event as ingested, occurredAt in epoch ms: the keyset's time is rebuilt from it the way
// ingest_batch stored it), and nothing outlives its page.
import type { OrderEvent, StoredEvent } from '../domain/events.ts';
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
  text: `SELECT payload, (extract(epoch FROM received_at) * 1000)::float8 AS received
     FROM events
     WHERE occurred_at >= ${at(1)} AND occurred_at < ${at(2)}
       AND (occurred_at, source, id) > (${at(3)}, $4::text, $5::text)
     ORDER BY occurred_at, source, id
     LIMIT $6`,
};

/** The stored domain event as ingested (`payload`, parsed by the driver) and when it was received. */
interface ReplayRow {
  payload: OrderEvent;
  received: number;
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
      const last = rows[rows.length - 1]!.payload;
      cursor = [last.occurredAt, last.source, last.id];
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

function toEvent(r: ReplayRow): StoredEvent {
  const event = r.payload as StoredEvent;
  event.receivedAt = r.received;
  return event;
}
