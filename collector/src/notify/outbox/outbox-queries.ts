// The outbox's SQL, each statement with its row mapping. Every statement is a single round trip and no
// transaction is held while a channel sends: PGlite has one connection, and a slow robot must not block
// ingestion. Times come from the caller's clock, never from now(), so tests drive time.
import type { Queryable } from '../../store/database.ts';
import type { Notification } from '../notification.ts';
import type { ChannelTier } from '../receivers.ts';

export type OutboxStatus = 'pending' | 'delivered' | 'failed';

/** `P`: the payload's type, which the row's receiver decides (alert notifications unless said otherwise). */
export interface OutboxRow<P = Notification> {
  id: string;
  notificationId: string;
  receiver: string;
  channel: string;
  tier: ChannelTier;
  payload: P;
  status: OutboxStatus;
  attempts: number;
  nextAttemptAt: Date;
  lastError: string | null;
  createdAt: Date;
  deliveredAt: Date | null;
}

interface RawRow {
  id: string;
  notification_id: string;
  receiver: string;
  channel: string;
  tier: ChannelTier;
  payload: object | string;
  status: OutboxStatus;
  attempts: number;
  next_attempt_at: Date;
  last_error: string | null;
  created_at: Date;
  delivered_at: Date | null;
}

/** The select list behind `RawRow`; `alias` qualifies it where the statement joins (UPDATE … FROM). */
function columns(alias = 'notification_outbox'): string {
  return `${alias}.id::text AS id, ${alias}.notification_id::text AS notification_id, ${alias}.receiver,
    ${alias}.channel, ${alias}.tier, ${alias}.payload, ${alias}.status, ${alias}.attempts, ${alias}.next_attempt_at,
    ${alias}.last_error, ${alias}.created_at, ${alias}.delivered_at`;
}

// The store keeps the payload as the receiver's channels were queued with; reading it back as `P`
// is the caller's word that it asked for that receiver's rows.
function toRow<P = Notification>(raw: RawRow): OutboxRow<P> {
  return {
    id: raw.id,
    notificationId: raw.notification_id,
    receiver: raw.receiver,
    channel: raw.channel,
    tier: raw.tier,
    payload: (typeof raw.payload === 'string' ? JSON.parse(raw.payload) : raw.payload) as P,
    status: raw.status,
    attempts: raw.attempts,
    nextAttemptAt: new Date(raw.next_attempt_at),
    lastError: raw.last_error,
    createdAt: new Date(raw.created_at),
    deliveredAt: raw.delivered_at === null ? null : new Date(raw.delivered_at),
  };
}

export interface NewOutboxRow {
  notificationId: string;
  receiver: string;
  channel: string;
  tier: ChannelTier;
  /** Plain JSON: a notification, or the order system's webhook body. */
  payload: object;
}

/** Inserts rows due at `at`; rows already present for the same notification and channel are skipped. */
export async function insertOutboxRows(
  q: Queryable,
  rows: readonly NewOutboxRow[],
  at: Date,
): Promise<number> {
  if (rows.length === 0) return 0;
  const result = await q.query(
    `INSERT INTO notification_outbox (notification_id, receiver, channel, tier, payload, next_attempt_at, created_at)
     SELECT n::uuid, r, c, t, p::jsonb, $6, $6
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[]) AS x(n, r, c, t, p)
     ON CONFLICT (notification_id, receiver, channel) DO NOTHING`,
    [
      rows.map((r) => r.notificationId),
      rows.map((r) => r.receiver),
      rows.map((r) => r.channel),
      rows.map((r) => r.tier),
      rows.map((r) => JSON.stringify(r.payload)),
      at,
    ],
  );
  return result.rowCount ?? 0;
}

/**
 * Claims up to `limit` due rows: counts the attempt and leases each row until `leaseUntil`, so other
 * workers (SKIP LOCKED) and this one after a crash leave it alone until the lease ends.
 */
/** Which rows a worker delivers: one receiver's only, or all but one receiver's. */
export type OutboxScope = { receiver: string } | { exceptReceiver: string };

export async function claimDueRows<P = Notification>(
  q: Queryable,
  now: Date,
  leaseUntil: Date,
  limit: number,
  scope?: OutboxScope,
): Promise<OutboxRow<P>[]> {
  const only = scope && 'receiver' in scope ? scope.receiver : null;
  const except = scope && 'exceptReceiver' in scope ? scope.exceptReceiver : null;
  const { rows } = await q.query<RawRow>(
    `UPDATE notification_outbox AS o
        SET attempts = o.attempts + 1, next_attempt_at = $2
       FROM (SELECT id FROM notification_outbox
              WHERE status = 'pending' AND next_attempt_at <= $1
                AND ($4::text IS NULL OR receiver = $4) AND ($5::text IS NULL OR receiver <> $5)
              ORDER BY next_attempt_at, id
              LIMIT $3
              FOR UPDATE SKIP LOCKED) AS due
      WHERE o.id = due.id
  RETURNING ${columns('o')}`,
    [now, leaseUntil, limit, only, except],
  );
  return rows
    .map((raw) => toRow<P>(raw))
    .sort((a, b) => a.nextAttemptAt.getTime() - b.nextAttemptAt.getTime() || Number(a.id) - Number(b.id));
}

export async function markDelivered(q: Queryable, id: string, at: Date): Promise<void> {
  await q.query(
    `UPDATE notification_outbox SET status = 'delivered', delivered_at = $2, last_error = NULL WHERE id = $1::bigint`,
    [id, at],
  );
}

export async function markRetry(q: Queryable, id: string, nextAttemptAt: Date, error: string): Promise<void> {
  await q.query(
    `UPDATE notification_outbox SET next_attempt_at = $2, last_error = $3 WHERE id = $1::bigint`,
    [id, nextAttemptAt, error],
  );
}

export async function markFailed(q: Queryable, id: string, error: string): Promise<void> {
  await q.query(`UPDATE notification_outbox SET status = 'failed', last_error = $2 WHERE id = $1::bigint`, [
    id,
    error,
  ]);
}

/** Whether any primary channel of the receiver already delivered this notification. */
export async function primaryDelivered(
  q: Queryable,
  notificationId: string,
  receiver: string,
): Promise<boolean> {
  const { rows } = await q.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM notification_outbox
      WHERE notification_id = $1::uuid AND receiver = $2 AND tier = 'primary' AND status = 'delivered'`,
    [notificationId, receiver],
  );
  return (rows[0]?.n ?? 0) > 0;
}

export interface OutboxBacklog {
  receiver: string;
  status: OutboxStatus;
  rows: number;
  oldestCreatedAt: Date;
}

/** Row counts per receiver and status, for the metrics gauge and the dashboard. */
export async function outboxBacklog(q: Queryable): Promise<OutboxBacklog[]> {
  const { rows } = await q.query<{ receiver: string; status: OutboxStatus; rows: number; oldest: Date }>(
    `SELECT receiver, status, count(*)::int AS rows, min(created_at) AS oldest
       FROM notification_outbox GROUP BY receiver, status ORDER BY receiver, status`,
  );
  return rows.map((r) => ({
    receiver: r.receiver,
    status: r.status,
    rows: r.rows,
    oldestCreatedAt: new Date(r.oldest),
  }));
}

/** Rows that failed at least once and are still retrying, or gave up: what the dashboard shows. */
export async function undeliveredRows(q: Queryable, limit: number): Promise<OutboxRow[]> {
  const { rows } = await q.query<RawRow>(
    `SELECT ${columns()} FROM notification_outbox
      WHERE status = 'failed' OR (status = 'pending' AND last_error IS NOT NULL)
      ORDER BY notification_outbox.created_at DESC, notification_outbox.id DESC LIMIT $1`,
    [limit],
  );
  return rows.map(toRow);
}

export async function outboxRowsOf(q: Queryable, notificationId: string): Promise<OutboxRow[]> {
  const { rows } = await q.query<RawRow>(
    `SELECT ${columns()} FROM notification_outbox WHERE notification_id = $1::uuid ORDER BY notification_outbox.id`,
    [notificationId],
  );
  return rows.map(toRow);
}

/**
 * Deletes up to `limit` rows delivered or given up on that were queued before `before`, oldest first,
 * and says how many went. A notification with a row still pending keeps all of its rows: a backup
 * channel's row asks whether a primary delivered, and a webhook's row is what keeps it from being
 * queued twice.
 */
export async function deleteSettledRowsBefore(q: Queryable, before: Date, limit: number): Promise<number> {
  const { rows } = await q.query<{ n: number }>(
    `WITH gone AS (
       DELETE FROM notification_outbox WHERE id IN (
         SELECT s.id FROM notification_outbox s
          WHERE s.created_at < $1 AND s.status <> 'pending'
            AND NOT EXISTS (SELECT 1 FROM notification_outbox p
                             WHERE p.notification_id = s.notification_id AND p.status = 'pending')
          ORDER BY s.created_at LIMIT $2)
       RETURNING 1)
     SELECT count(*)::int AS n FROM gone`,
    [before, limit],
  );
  return rows[0]?.n ?? 0;
}
