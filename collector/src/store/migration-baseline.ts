// Migrations 0001–0007 are a baseline: the schema that the former chain 0001_events …
// 0080_bill_import_chunks built, each table and function written once in its current form. A store
// migrated by that chain already has this schema, so its history is rewritten to the baseline's
// without running anything; a store part-way through that chain must finish it first with the
// release that still carries it, because the baseline cannot tell which steps (some of them data
// repairs) are missing.
import type { Database } from './database.ts';
import type { Migration } from './migrate.ts';

export const BASELINE_LAST_VERSION = 7;

export const SQUASHED_MIGRATIONS: readonly string[] = [
  '0001_events',
  '0002_time_partitioning',
  '0010_alerts',
  '0020_notification_outbox',
  '0030_reconciliation',
  '0040_carrier_poll_schedule',
  '0041_carrier_updates_pending',
  '0050_report_order_status',
  '0051_report_callback_rates',
  '0052_report_store_mismatch',
  '0053_report_carrier_silence',
  '0054_report_rebuild',
  '0055_report_rollup_staging',
  '0056_report_staged_paid_at_nullable',
  '0065_shipment_list_indexes',
  '0066_report_bucket_width',
  '0067_ingest_batch',
  '0068_report_rollup_chunk_by_tid_range',
  '0069_ingest_batch_fold_by_rank',
  '0070_unpin_future_event_times',
  '0075_dead_letter_bounds',
  '0080_bill_import_chunks',
];

export class PartialHistoryError extends Error {
  constructor(schema: string, missing: string[]) {
    super(
      `the store's schema ${schema} was migrated by an OrderPulse release older than the schema baseline ` +
        `and lacks ${missing.join(', ')}: start the previous release (the last one with migrations up to ` +
        `0080_bill_import_chunks) once so that it finishes them, then start this one`,
    );
    this.name = 'PartialHistoryError';
  }
}

/** Rewrites a complete former history into the baseline's rows; refuses a partial one. */
export async function carryOverSquashedHistory(
  db: Database,
  schema: string,
  baseline: Migration[],
): Promise<void> {
  const { rows } = await db.query<{ name: string }>(
    `SELECT name FROM ${schema}.migrations WHERE name = ANY($1)`,
    [SQUASHED_MIGRATIONS],
  );
  if (rows.length === 0) return;
  const applied = new Set(rows.map((r) => r.name));
  const missing = SQUASHED_MIGRATIONS.filter((name) => !applied.has(name));
  if (missing.length > 0) throw new PartialHistoryError(schema, missing);
  await db.transaction(async (tx) => {
    // a second collector starting at once waits here, then finds nothing left to rewrite
    await tx.query(`LOCK TABLE ${schema}.migrations IN SHARE ROW EXCLUSIVE MODE`);
    const { rowCount } = await tx.query(`DELETE FROM ${schema}.migrations WHERE name = ANY($1)`, [
      SQUASHED_MIGRATIONS,
    ]);
    if (rowCount === 0) return;
    for (const migration of baseline.filter((m) => m.version <= BASELINE_LAST_VERSION)) {
      await tx.query(`INSERT INTO ${schema}.migrations (version, name) VALUES ($1, $2)`, [
        migration.version,
        migration.name,
      ]);
    }
  });
}
