// PollScheduleStore in the store's `carrier_poll_schedule` table (migration 0006_carriers).
import type { Queryable } from '../store/database.ts';
import type { PollEntry, PollKey, PollMark, PollScheduleStore, PollTarget } from './poll-schedule.ts';

interface Row {
  carrier: string;
  tracking_no: string;
  phone: string | null;
  next_poll_at: Date;
  last_polled_at: Date | null;
  failures: number;
  active: boolean;
  last_error: string | null;
}

const COLUMNS = 'carrier, tracking_no, phone, next_poll_at, last_polled_at, failures, active, last_error';

function toEntry(row: Row): PollEntry {
  const entry: PollEntry = {
    carrier: row.carrier,
    trackingNo: row.tracking_no,
    nextPollAt: row.next_poll_at.getTime(),
    failures: row.failures,
    active: row.active,
  };
  if (row.phone !== null) entry.phone = row.phone;
  if (row.last_polled_at !== null) entry.lastPolledAt = row.last_polled_at.getTime();
  if (row.last_error !== null) entry.lastError = row.last_error;
  return entry;
}

export class SqlPollScheduleStore implements PollScheduleStore {
  readonly #db: Queryable;

  constructor(db: Queryable) {
    this.#db = db;
  }

  async upsert(target: PollTarget, nextPollAt: number): Promise<void> {
    await this.#db.query(
      `INSERT INTO carrier_poll_schedule (carrier, tracking_no, phone, next_poll_at)
       VALUES ($1, $2, $3, $4)
       ON CONFLICT (carrier, tracking_no) DO UPDATE SET
         phone = COALESCE(EXCLUDED.phone, carrier_poll_schedule.phone),
         next_poll_at = LEAST(carrier_poll_schedule.next_poll_at, EXCLUDED.next_poll_at),
         active = true`,
      [target.carrier, target.trackingNo, target.phone ?? null, new Date(nextPollAt)],
    );
  }

  async due(now: number, limit: number): Promise<PollEntry[]> {
    const { rows } = await this.#db.query<Row>(
      `SELECT ${COLUMNS} FROM carrier_poll_schedule
       WHERE active AND next_poll_at <= $1
       ORDER BY next_poll_at, carrier, tracking_no
       LIMIT $2`,
      [new Date(now), limit],
    );
    return rows.map(toEntry);
  }

  async markPolled(key: PollKey, mark: PollMark): Promise<void> {
    await this.#db.query(
      `UPDATE carrier_poll_schedule
       SET last_polled_at = COALESCE($3, last_polled_at), next_poll_at = $4, failures = $5, active = $6, last_error = $7
       WHERE carrier = $1 AND tracking_no = $2`,
      [
        key.carrier,
        key.trackingNo,
        mark.polledAt === undefined ? null : new Date(mark.polledAt),
        new Date(mark.nextPollAt),
        mark.failures,
        mark.active,
        mark.lastError ?? null,
      ],
    );
  }

  async deactivate(key: PollKey): Promise<void> {
    await this.#db.query(
      'UPDATE carrier_poll_schedule SET active = false WHERE carrier = $1 AND tracking_no = $2',
      [key.carrier, key.trackingNo],
    );
  }

  async get(key: PollKey): Promise<PollEntry | undefined> {
    const { rows } = await this.#db.query<Row>(
      `SELECT ${COLUMNS} FROM carrier_poll_schedule WHERE carrier = $1 AND tracking_no = $2`,
      [key.carrier, key.trackingNo],
    );
    return rows[0] && toEntry(rows[0]);
  }
}
