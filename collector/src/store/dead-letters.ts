// Dead letters: everything refused, with the reason and time. How much of each body is kept is
// decided in dead-letter-body.ts; retention and the size cap are applied by DeadLetterPruner.

import type { Queryable } from './database.ts';
import { asStorableText, keepBody } from './dead-letter-body.ts';

export interface NewDeadLetter {
  endpoint: string;
  source: string | null;
  reason: string;
  message: string;
  itemIndex: number | null;
  /** The body as received; bytes when bytes were what was signed, so length and SHA-256 are theirs. */
  raw: string | Uint8Array;
  /**
   * The caller proved who it is (a token, a verified signature). Only then is the whole body kept;
   * otherwise a preview with its length and SHA-256. Absent means not authenticated.
   */
  authenticated?: boolean;
  /** The media type the body came with, e.g. `application/json`. */
  contentType?: string;
}

export interface DeadLetter {
  id: number;
  receivedAt: string;
  endpoint: string;
  source: string | null;
  reason: string;
  message: string;
  itemIndex: number | null;
  /** The body's first 4 KiB at most (all of it unless `truncated`). */
  preview: string;
  length: number;
  sha256: string;
  truncated: boolean;
  authenticated: boolean;
  /** Opaque keyset position, for `before`. */
  cursor: string;
}

/** Messages echo what was refused, so they are bounded like the bodies. */
const MAX_MESSAGE_CHARS = 1024;
const MAX_CONTENT_TYPE_CHARS = 128;

/** Inserts the letters; returns the bytes they take (what the size cap counts). */
export async function insertDeadLetters(db: Queryable, letters: NewDeadLetter[]): Promise<number> {
  if (letters.length === 0) return 0;
  const rows = letters.map((l) => ({
    letter: l,
    kept: keepBody(l.raw, l.authenticated === true),
    message: boundedMessage(l.message),
  }));
  await db.query(
    `INSERT INTO dead_letters (endpoint, source, reason, message, item_index, raw, body, body_length,
                               body_sha256, truncated, authenticated, content_type)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::int4[], $6::text[],
                          $7::bytea[], $8::int8[], $9::bytea[], $10::bool[], $11::bool[], $12::text[])`,
    [
      rows.map((r) => asStorableText(r.letter.endpoint)),
      rows.map((r) => (r.letter.source === null ? null : asStorableText(r.letter.source))),
      rows.map((r) => asStorableText(r.letter.reason)),
      rows.map((r) => r.message),
      rows.map((r) => r.letter.itemIndex),
      rows.map((r) => r.kept.preview),
      rows.map((r) => r.kept.exact),
      rows.map((r) => r.kept.length),
      rows.map((r) => r.kept.sha256),
      rows.map((r) => r.kept.truncated),
      rows.map((r) => r.letter.authenticated === true),
      rows.map((r) => mediaType(r.letter.contentType)),
    ],
  );
  return rows.reduce(
    (sum, r) =>
      sum + Buffer.byteLength(r.kept.preview) + (r.kept.exact?.length ?? 0) + Buffer.byteLength(r.message),
    0,
  );
}

function boundedMessage(message: string): string {
  const text = asStorableText(message);
  return text.length <= MAX_MESSAGE_CHARS ? text : `${text.slice(0, MAX_MESSAGE_CHARS)}…`;
}

/** `type/subtype` lower-cased, parameters dropped; anything else is not kept. */
function mediaType(contentType: string | undefined): string | null {
  const type = contentType?.split(';')[0]?.trim().toLowerCase();
  if (!type || type.length > MAX_CONTENT_TYPE_CHARS) return null;
  return /^[a-z0-9!#$&^_.+-]+\/[a-z0-9!#$&^_.+-]+$/.test(type) ? type : null;
}

const CURSOR = /^(\d{1,19})-(\d{1,19})$/;

export function isDeadLetterCursor(text: string): boolean {
  return CURSOR.test(text);
}

/** Newest first, by (received time, id); `before` continues after a letter's cursor. */
export async function listDeadLetters(
  db: Queryable,
  options: { limit: number; before?: string; reason?: string },
): Promise<DeadLetter[]> {
  const position = options.before === undefined ? undefined : CURSOR.exec(options.before);
  if (position === null) throw new Error(`"${options.before}" is not a dead-letter cursor`);
  const { rows } = await db.query<{
    id: string;
    received_at: Date;
    received_us: string;
    endpoint: string;
    source: string | null;
    reason: string;
    message: string;
    item_index: number | null;
    raw: string;
    body_length: string;
    body_sha256: Buffer;
    truncated: boolean;
    authenticated: boolean;
  }>(
    `SELECT id, received_at, (extract(epoch FROM received_at) * 1000000)::int8 AS received_us, endpoint,
            source, reason, message, item_index, raw, body_length, body_sha256, truncated, authenticated
     FROM dead_letters
     WHERE ($1::int8 IS NULL
            OR (received_at, id) < (timestamptz 'epoch' + $1::int8 * interval '1 microsecond', $2::int8))
       AND ($3::text IS NULL OR reason = $3)
     ORDER BY received_at DESC, id DESC
     LIMIT $4`,
    [position?.[1] ?? null, position?.[2] ?? null, options.reason ?? null, options.limit],
  );
  return rows.map((r) => ({
    id: Number(r.id),
    receivedAt: r.received_at.toISOString(),
    endpoint: r.endpoint,
    source: r.source,
    reason: r.reason,
    message: r.message,
    itemIndex: r.item_index,
    preview: r.raw,
    length: Number(r.body_length),
    sha256: r.body_sha256.toString('hex'),
    truncated: r.truncated,
    authenticated: r.authenticated,
    cursor: `${r.received_us}-${r.id}`,
  }));
}

export interface DeadLetterBody {
  bytes: Buffer;
  contentType: string | null;
}

/** The exact body of an authenticated caller's letter; undefined when unknown or only a preview is kept. */
export async function deadLetterBody(db: Queryable, id: number): Promise<DeadLetterBody | undefined> {
  const { rows } = await db.query<{ raw: string; body: Buffer | null; content_type: string | null }>(
    // For an authenticated letter `body` is null only when the preview is the exact body.
    'SELECT raw, body, content_type FROM dead_letters WHERE id = $1 AND authenticated',
    [id],
  );
  const row = rows[0];
  if (!row) return undefined;
  return { bytes: row.body ?? Buffer.from(row.raw, 'utf8'), contentType: row.content_type };
}

/** Deletes letters received before `cutoff`; returns how many. */
export async function deleteDeadLettersBefore(db: Queryable, cutoff: Date): Promise<number> {
  const { rowCount } = await db.query('DELETE FROM dead_letters WHERE received_at < $1', [cutoff]);
  return rowCount ?? 0;
}

/** Bytes all kept letters take (previews, exact bodies and messages). */
export async function deadLetterBytes(db: Queryable): Promise<number> {
  const { rows } = await db.query<{ bytes: string }>(
    'SELECT coalesce(sum(stored_bytes), 0)::int8 AS bytes FROM dead_letters',
  );
  return Number(rows[0]?.bytes ?? 0);
}

/**
 * Deletes the oldest letters until the rest take at most `maxBytes`; returns how many went. Walks
 * newest first along (received_at, id) only as far as the cap reaches, then deletes everything
 * from there back in one range delete on the same index.
 */
export async function deleteOldestDeadLettersOver(db: Queryable, maxBytes: number): Promise<number> {
  const { rowCount } = await db.query(
    `WITH first_over AS (
       SELECT received_at, id FROM (
         SELECT received_at, id,
                sum(stored_bytes) OVER (ORDER BY received_at DESC, id DESC) AS newer_bytes
         FROM dead_letters
       ) newest
       WHERE newer_bytes > $1
       ORDER BY received_at DESC, id DESC
       LIMIT 1
     )
     DELETE FROM dead_letters d USING first_over f
     WHERE (d.received_at, d.id) <= (f.received_at, f.id)`,
    [maxBytes],
  );
  return rowCount ?? 0;
}
