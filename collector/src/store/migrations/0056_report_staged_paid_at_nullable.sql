-- orders.status_at is nullable: an order that counts as paid with neither paid_at nor status_at
-- must still stage (a NOT NULL here would fail the ingest commit), with no paid day, as 0052 did.
ALTER TABLE report_staged_paid_orders ALTER COLUMN paid_at DROP NOT NULL;
