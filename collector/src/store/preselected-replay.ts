// The event log of some orders only, read back in event-time order for a backtest: the orders are
// chosen by a test over their events in the range (OrderPreselection), then all their events in the
// range come in pages, oldest first (ties by source, then id, as replayEvents orders them).
//
// Orders are grouped and matched by a 64-bit hash of their id rather than the id: an int8 key is
// cheaper to group a million orders by and to probe four million rows with (on the bench's week
// the statement went from 24.8 to 16.8 s, with the lighter pages below). Two orders sharing a hash
// pool their masks and are both replayed: the set only widens, and an order replayed in full
// gives its exact firings.
//
// One cursor over one statement: PostgreSQL picks the orders, sorts their events and cuts them
// into pages of `pageRows`, each page one row holding a JSON array of the stored payloads. One JSON
// text per page is parsed at once, where a row per event cost the driver tens of µs each; the next
// page is asked for before the current one is handed over, so the fold runs while it comes.
import type { OrderPreselection } from '../backtest/order-preselection.ts';
import type { OrderEvent } from '../domain/events.ts';
import type { Database, Queryable } from './database.ts';

export interface SelectedReplayRange {
  /** Epoch ms, inclusive. */
  from: number;
  /** Epoch ms, exclusive. */
  to: number;
  /** Events per page; default 10 000. */
  pageRows?: number;
  /**
   * Only the orders whose key has these low bits (`index` of `of`, a power of two): the parts of a
   * split are disjoint and together hold every order, so each can be read and folded on its own
   * connection.
   */
  part?: { index: number; of: number };
}

const EPOCH_MS = (n: number) => `timestamptz 'epoch' + $${n}::float8 * interval '1 millisecond'`;
const CURSOR = 'backtest_selected_events';

/** Ranges in $1, $2, the page size in $3; the selection's parameters follow from $4. */
export const SELECTION_FIRST_PARAM = 4;

function declareText(selection: OrderPreselection, part: SelectedReplayRange['part']): string {
  const inPart =
    part === undefined || part.of === 1
      ? ''
      : `AND (hashtextextended(order_id, 0) & ${part.of - 1}) = ${part.index}`;
  return `DECLARE ${CURSOR} NO SCROLL CURSOR FOR
    WITH chosen AS (
      SELECT order_key FROM (
        -- OFFSET 0 keeps the tests evaluated here, once a row: the grouping carries a mask, not payloads.
        SELECT hashtextextended(order_id, 0) AS order_key, ${selection.rowMask} AS mask
          FROM events
         WHERE occurred_at >= ${EPOCH_MS(1)} AND occurred_at < ${EPOCH_MS(2)} ${inPart}
        OFFSET 0
      ) candidates
       WHERE mask <> 0
       GROUP BY order_key
      HAVING ${selection.orderFilter}
    ), numbered AS (
      SELECT payload,
             row_number() OVER (ORDER BY occurred_at, source, id) - 1 AS n
        FROM events
       WHERE occurred_at >= ${EPOCH_MS(1)} AND occurred_at < ${EPOCH_MS(2)}
         AND hashtextextended(order_id, 0) IN (SELECT order_key FROM chosen)
    )
    -- The stored payloads as they are: the fold and the conditions never read the receive time, and
    -- adding it rebuilt every payload (4.1 of the statement's 24.8 s went to the pages with it, 0.6 without).
    SELECT json_agg(payload ORDER BY n)::text AS page
      FROM numbered
     GROUP BY n / $3::bigint
     ORDER BY n / $3::bigint`;
}

/**
 * Calls `onPage` with each page of the chosen orders' events until it returns false or the events
 * run out. Runs in one transaction (the cursor's), on one connection of `db`.
 */
export async function replaySelectedOrders(
  db: Database,
  range: SelectedReplayRange,
  selection: OrderPreselection,
  onPage: (events: OrderEvent[]) => boolean,
): Promise<void> {
  const pageRows = range.pageRows ?? 10_000;
  const part = range.part;
  if (part !== undefined && !(Number.isInteger(part.of) && part.of > 0 && (part.of & (part.of - 1)) === 0))
    throw new RangeError(`parts must be a power of two, got ${part.of}`);
  if (part !== undefined && !(Number.isInteger(part.index) && part.index >= 0 && part.index < part.of))
    throw new RangeError(`part ${part.index} of ${part.of}`);
  await db.transaction(async (tx) => {
    // A week of a chain groups a million orders and sorts a few hundred thousand payloads: room to
    // hash and sort them in memory (at 64 MB both spilled to disk: 43 s against 34 s on the bench's
    // week), for the one backtest the endpoint runs at a time; and no JIT compile (2 s of CPU
    // for one run of the statement under load).
    await tx.query(`SET LOCAL work_mem = '256MB'`);
    await tx.query('SET LOCAL jit = off');
    await tx.query(declareText(selection, part), [range.from, range.to, pageRows, ...selection.params]);
    const fetch = () => tx.query<{ page: string }>(`FETCH 1 FROM ${CURSOR}`);
    let next = fetch();
    for (;;) {
      const { rows } = await next;
      if (rows.length === 0) break;
      next = fetch();
      let more: boolean;
      try {
        more = onPage(JSON.parse(rows[0]!.page) as OrderEvent[]);
      } catch (error) {
        await next.catch(() => {});
        throw error;
      }
      if (!more) {
        await next;
        break;
      }
    }
    await tx.query(`CLOSE ${CURSOR}`);
  });
}

const COUNT = {
  name: 'event_replay_count',
  text: `SELECT count(*)::float8 AS n FROM events WHERE occurred_at >= ${EPOCH_MS(1)} AND occurred_at < ${EPOCH_MS(2)}`,
};

/** Events with from <= occurred_at < to (what a full replay of the range would evaluate). */
export async function countEvents(db: Queryable, from: number, to: number): Promise<number> {
  const { rows } = await db.query<{ n: number }>(COUNT, [from, to]);
  return rows[0]!.n;
}
