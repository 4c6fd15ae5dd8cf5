-- Pending-pool items a later callback, query or bill explains resolve by themselves
-- (collector/src/reconciliation/pending-healer.ts): flagged as automatic, with the evidence kept.
ALTER TABLE reconciliation_pending
  ADD COLUMN resolved_automatically boolean NOT NULL DEFAULT false,
  ADD COLUMN resolution_evidence    jsonb;
-- Bill imports settled items before this flag existed, always as `system`.
UPDATE reconciliation_pending SET resolved_automatically = true WHERE resolved_by = 'system';

-- Every commit looks for open items its orders and payments explain: by the order number the bill
-- named, the order's id, or the provider's transaction. Only open items are ever looked up.
CREATE INDEX reconciliation_pending_open_bill_order_idx
  ON reconciliation_pending ((bill->>'merchant_order_no')) WHERE status = 'open';
CREATE INDEX reconciliation_pending_open_bill_transaction_idx
  ON reconciliation_pending ((bill->>'transaction_id')) WHERE status = 'open';
CREATE INDEX reconciliation_pending_open_order_idx
  ON reconciliation_pending ((order_evidence->>'order_id')) WHERE status = 'open';
