// The `carrier_subscription_healing` rows (migration 0010): what was decided for each waybill
// whose Kuaidi100 subscription ended, and the resubscriptions due.
import type { HealingAction, HealingReason } from '../domain/shipments/subscription-healing.ts';
import type { Queryable } from '../store/database.ts';
import type { ShipmentSubscription } from '../wire/shipments.ts';
import type { PollKey } from './poll-schedule.ts';

export type ResubscribeState = 'due' | 'subscribed' | 'failed';

export interface HealingRecord extends PollKey {
  pushStatus: string;
  message: string;
  reason: HealingReason;
  action: HealingAction;
  detail: string;
  company: string | null;
  resubscribes: number;
  outcome: ResubscribeState | null;
  nextAttemptAt: number | null;
  lastError: string | null;
  decidedAt: number;
  updatedAt: number;
}

interface Row {
  carrier: string;
  tracking_no: string;
  push_status: string;
  message: string;
  reason: HealingReason;
  action: HealingAction;
  detail: string;
  company: string | null;
  resubscribes: number;
  outcome: ResubscribeState | null;
  next_attempt_at: Date | null;
  last_error: string | null;
  decided_at: Date;
  updated_at: Date;
}

const COLUMNS = `carrier, tracking_no, push_status, message, reason, action, detail, company, resubscribes, outcome,
  next_attempt_at, last_error, decided_at, updated_at`;

const toRecord = (r: Row): HealingRecord => ({
  carrier: r.carrier,
  trackingNo: r.tracking_no,
  pushStatus: r.push_status,
  message: r.message,
  reason: r.reason,
  action: r.action,
  detail: r.detail,
  company: r.company,
  resubscribes: r.resubscribes,
  outcome: r.outcome,
  nextAttemptAt: r.next_attempt_at ? r.next_attempt_at.getTime() : null,
  lastError: r.last_error,
  decidedAt: r.decided_at.getTime(),
  updatedAt: r.updated_at.getTime(),
});

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export async function getHealing(q: Queryable, key: PollKey): Promise<HealingRecord | undefined> {
  const { rows } = await q.query<Row>(
    `SELECT ${COLUMNS} FROM carrier_subscription_healing WHERE lower(carrier) = lower($1) AND tracking_no = $2`,
    [key.carrier, key.trackingNo],
  );
  return rows[0] && toRecord(rows[0]);
}

/** The decision for a newly ended subscription; the resubscription count carries over. */
export async function saveHealing(q: Queryable, record: HealingRecord): Promise<void> {
  await q.query(
    `INSERT INTO carrier_subscription_healing (${COLUMNS})
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
     ON CONFLICT (carrier, tracking_no) DO UPDATE SET
       push_status = EXCLUDED.push_status, message = EXCLUDED.message, reason = EXCLUDED.reason,
       action = EXCLUDED.action, detail = EXCLUDED.detail, company = EXCLUDED.company,
       resubscribes = EXCLUDED.resubscribes, outcome = EXCLUDED.outcome,
       next_attempt_at = EXCLUDED.next_attempt_at, last_error = EXCLUDED.last_error,
       decided_at = EXCLUDED.decided_at, updated_at = EXCLUDED.updated_at`,
    [
      record.carrier,
      record.trackingNo,
      record.pushStatus,
      record.message,
      record.reason,
      record.action,
      record.detail,
      record.company,
      record.resubscribes,
      record.outcome,
      iso(record.nextAttemptAt),
      record.lastError,
      iso(record.decidedAt),
      iso(record.updatedAt),
    ],
  );
}

export async function dueResubscriptions(q: Queryable, now: number, limit: number): Promise<HealingRecord[]> {
  const { rows } = await q.query<Row>(
    `SELECT ${COLUMNS} FROM carrier_subscription_healing
     WHERE next_attempt_at <= $1 ORDER BY next_attempt_at, carrier, tracking_no LIMIT $2`,
    [new Date(now), limit],
  );
  return rows.map(toRecord);
}

/**
 * Takes a due resubscription: counts the attempt and moves it out of the way until `until`, only if
 * nobody took it since it was read (so two collectors never both subscribe it).
 */
export async function leaseResubscription(
  q: Queryable,
  record: HealingRecord,
  now: number,
  until: number,
): Promise<boolean> {
  const { rowCount } = await q.query(
    `UPDATE carrier_subscription_healing
     SET resubscribes = resubscribes + 1, next_attempt_at = $4, updated_at = $5
     WHERE carrier = $1 AND tracking_no = $2 AND next_attempt_at = $3`,
    [record.carrier, record.trackingNo, iso(record.nextAttemptAt), iso(until), iso(now)],
  );
  return (rowCount ?? 0) > 0;
}

export async function markResubscription(
  q: Queryable,
  key: PollKey,
  mark: {
    outcome: ResubscribeState;
    action: HealingAction;
    detail: string;
    nextAttemptAt: number | null;
    lastError: string | null;
    at: number;
  },
): Promise<void> {
  await q.query(
    `UPDATE carrier_subscription_healing
     SET outcome = $3, action = $4, detail = $5, next_attempt_at = $6, last_error = $7, updated_at = $8
     WHERE carrier = $1 AND tracking_no = $2`,
    [
      key.carrier,
      key.trackingNo,
      mark.outcome,
      mark.action,
      mark.detail,
      iso(mark.nextAttemptAt),
      mark.lastError,
      iso(mark.at),
    ],
  );
}

/** The bound carrier of a waybill resubscribed under another company code, if `company` is that code. */
export async function carrierResubscribedAs(
  q: Queryable,
  company: string,
  trackingNo: string,
): Promise<string | undefined> {
  const { rows } = await q.query<{ carrier: string }>(
    `SELECT carrier FROM carrier_subscription_healing
     WHERE tracking_no = $1 AND lower(company) = lower($2) AND lower(carrier) <> lower($2)
     LIMIT 1`,
    [trackingNo, company],
  );
  return rows[0]?.carrier;
}

export function toWireSubscription(r: HealingRecord): ShipmentSubscription {
  return {
    status: r.pushStatus,
    message: r.message,
    reason: r.reason,
    action: r.action,
    detail: r.detail,
    company: r.company,
    resubscribes: r.resubscribes,
    outcome: r.outcome,
    next_attempt_at: iso(r.nextAttemptAt),
    last_error: r.lastError,
    decided_at: new Date(r.decidedAt).toISOString(),
    updated_at: new Date(r.updatedAt).toISOString(),
  };
}
