// The silences aggregate. `matchers` is kept in the contract's object form as posted; the domain's
// matchersFromObject turns it into matchers when a silence is applied.
import type { Matcher, MatchOperator } from '../domain/alerts/silences.ts';
import { matchersFromObject } from '../domain/alerts/silences.ts';
import type { Silence } from '../wire/silences.ts';
import type { Queryable } from './database.ts';

export type MatcherObject = Record<string, string | { op: MatchOperator; value: string }>;

export interface StoredSilence {
  id: string;
  matcherObject: MatcherObject;
  matchers: Matcher[];
  startsAt: number;
  endsAt: number;
  comment: string;
  createdBy: string;
  createdAt: number;
  expiredBy: string | undefined;
  expiredAt: number | undefined;
}

interface SilenceRow {
  id: string;
  matchers: MatcherObject;
  starts_at: Date;
  ends_at: Date;
  comment: string;
  created_by: string;
  created_at: Date;
  expired_by: string | null;
  expired_at: Date | null;
}

const COLUMNS = 'id, matchers, starts_at, ends_at, comment, created_by, created_at, expired_by, expired_at';
const iso = (t: number) => new Date(t).toISOString();

function fromRow(r: SilenceRow): StoredSilence {
  return {
    id: r.id,
    matcherObject: r.matchers,
    matchers: matchersFromObject(r.matchers),
    startsAt: r.starts_at.getTime(),
    endsAt: r.ends_at.getTime(),
    comment: r.comment,
    createdBy: r.created_by,
    createdAt: r.created_at.getTime(),
    expiredBy: r.expired_by ?? undefined,
    expiredAt: r.expired_at?.getTime(),
  };
}

export async function insertSilence(
  q: Queryable,
  s: Omit<StoredSilence, 'matchers' | 'expiredBy' | 'expiredAt'>,
): Promise<StoredSilence> {
  const { rows } = await q.query<SilenceRow>(
    `INSERT INTO silences (id, matchers, starts_at, ends_at, comment, created_by, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ${COLUMNS}`,
    [
      s.id,
      JSON.stringify(s.matcherObject),
      iso(s.startsAt),
      iso(s.endsAt),
      s.comment,
      s.createdBy,
      iso(s.createdAt),
    ],
  );
  return fromRow(rows[0]!);
}

/** Silences not yet ended at `now` (active or still to start). */
export async function currentSilences(q: Queryable, now: number): Promise<StoredSilence[]> {
  const { rows } = await q.query<SilenceRow>(
    `SELECT ${COLUMNS} FROM silences WHERE ends_at > $1 ORDER BY starts_at, id`,
    [iso(now)],
  );
  return rows.map(fromRow);
}

/** Newest first, expired ones included (Alertmanager lists them too). */
export async function listSilences(q: Queryable, limit: number): Promise<StoredSilence[]> {
  const { rows } = await q.query<SilenceRow>(
    `SELECT ${COLUMNS} FROM silences ORDER BY created_at DESC, id LIMIT $1`,
    [limit],
  );
  return rows.map(fromRow);
}

export async function findSilence(q: Queryable, id: string): Promise<StoredSilence | undefined> {
  const { rows } = await q.query<SilenceRow>(`SELECT ${COLUMNS} FROM silences WHERE id = $1`, [id]);
  return rows[0] && fromRow(rows[0]);
}

/** Ends a silence at `now`; a silence that had not started yet ends before it began. Undefined if unknown. */
export async function expireSilence(
  q: Queryable,
  id: string,
  by: string,
  now: number,
): Promise<StoredSilence | undefined> {
  const { rows } = await q.query<SilenceRow>(
    `UPDATE silences SET ends_at = LEAST(ends_at, $2::timestamptz), expired_by = $3, expired_at = $2::timestamptz
     WHERE id = $1 RETURNING ${COLUMNS}`,
    [id, iso(now), by],
  );
  return rows[0] && fromRow(rows[0]);
}

export function toWireSilence(s: StoredSilence, now: number): Silence {
  return {
    id: s.id,
    matchers: s.matcherObject,
    starts_at: iso(s.startsAt),
    ends_at: iso(s.endsAt),
    comment: s.comment,
    created_by: s.createdBy,
    created_at: iso(s.createdAt),
    status: now < s.startsAt ? 'pending' : now < s.endsAt ? 'active' : 'expired',
  };
}
