// Dead letters: everything refused, verbatim, with the reason and time.
import type { Queryable } from './database.ts';

export interface NewDeadLetter {
  endpoint: string;
  source: string | null;
  reason: string;
  message: string;
  itemIndex: number | null;
  raw: string;
}

export interface DeadLetter extends NewDeadLetter {
  id: number;
  receivedAt: string;
}

// PostgreSQL text cannot hold U+0000, and refusing it would turn keeping a refused body into a 5xx:
// it is kept as the six characters of its JSON escape instead.
const storable = (text: string | null) => (text === null ? null : text.replaceAll('\u0000', '\\u0000'));

export async function insertDeadLetters(db: Queryable, letters: NewDeadLetter[]): Promise<void> {
  if (letters.length === 0) return;
  await db.query(
    `INSERT INTO dead_letters (endpoint, source, reason, message, item_index, raw)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::int4[], $6::text[])`,
    [
      letters.map((l) => storable(l.endpoint)),
      letters.map((l) => storable(l.source)),
      letters.map((l) => storable(l.reason)),
      letters.map((l) => storable(l.message)),
      letters.map((l) => l.itemIndex),
      letters.map((l) => storable(l.raw)),
    ],
  );
}

/** Newest first; `beforeId` pages backwards. */
export async function listDeadLetters(
  db: Queryable,
  options: { limit: number; beforeId?: number; reason?: string },
): Promise<DeadLetter[]> {
  const { rows } = await db.query<{
    id: number;
    received_at: Date;
    endpoint: string;
    source: string | null;
    reason: string;
    message: string;
    item_index: number | null;
    raw: string;
  }>(
    `SELECT id, received_at, endpoint, source, reason, message, item_index, raw FROM dead_letters
     WHERE ($1::bigint IS NULL OR id < $1) AND ($2::text IS NULL OR reason = $2)
     ORDER BY id DESC LIMIT $3`,
    [options.beforeId ?? null, options.reason ?? null, options.limit],
  );
  return rows.map((r) => ({
    id: r.id,
    receivedAt: r.received_at.toISOString(),
    endpoint: r.endpoint,
    source: r.source,
    reason: r.reason,
    message: r.message,
    itemIndex: r.item_index,
    raw: r.raw,
  }));
}
