-- The dashboard endpoints that compute in the collector (BENCHMARKS.md §7).
--
-- GET /v1/shipments: each waybill keeps what its risk rests on (ShipmentRiskFacts of
-- domain/shipments/anomalies.ts), assessed by the collector from the waybill's events when a commit
-- stores an update of it (store/shipment-risk-facts.ts). A listing then scores its candidates in
-- one statement from these columns and the clock, instead of replaying ~5,000 waybills' events per
-- request (BENCHMARKS.md §7). What depends on `now` or on the rule thresholds (silent, stuck at a
-- location, returned repeatedly) is kept as times and counts and decided at query time.
--
-- risk_seq counts the changes of the row by ingest; the facts are those of risk_assessed_seq. A row
-- whose two differ (new, changed since, or stored before this migration) is assessed again before a
-- listing reads it, and an assessment only lands if no commit changed the row since it read the events.
ALTER TABLE shipments
  ADD COLUMN risk_seq          bigint  NOT NULL DEFAULT 1,
  ADD COLUMN risk_assessed_seq bigint  NOT NULL DEFAULT 0,
  -- The facts as JSON, for the listed items' reasons.
  ADD COLUMN risk_facts        jsonb,
  -- What the score needs, as columns: the reason the current state gives (rejected, returning,
  -- returned, exception), whether the last leg is outside the destination, the returns that count
  -- toward returned_repeatedly, and epoch ms: silence counts from, at the current location since,
  -- the newest checkpoint.
  ADD COLUMN risk_state_reason text,
  ADD COLUMN risk_outside      boolean NOT NULL DEFAULT false,
  ADD COLUMN risk_returns      integer NOT NULL DEFAULT 0,
  ADD COLUMN risk_silence_from float8,
  ADD COLUMN risk_stuck_since  float8,
  ADD COLUMN risk_last_at      float8;

-- Every change ingest_batch makes to a waybill (it sets these columns on each update it stores)
-- makes its facts outdated; the assessment itself sets only the risk columns.
CREATE FUNCTION shipment_risk_outdated() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  NEW.risk_seq := OLD.risk_seq + 1;
  RETURN NEW;
END
$$;

CREATE TRIGGER shipments_risk_outdated
  BEFORE UPDATE OF state, last_update_at, location, destination_region, returned_count, order_id ON shipments
  FOR EACH ROW EXECUTE FUNCTION shipment_risk_outdated();

-- Existing rows: the facts come from the domain code (region matching, checkpoint order), which
-- SQL does not repeat; the defaults above mark every stored waybill outdated, and the collector
-- assesses them (a listing its candidates first, the backfill at start the rest).

-- GET /v1/reconciliation/stores (store trends) reads a range of days of every store; no index led
-- with the day (the key starts with the provider), so 7 days read the whole table like 30 do. This
-- one serves the range from the index alone (the rows are written once per day, so all-visible).
CREATE INDEX reconciliation_results_day_idx ON reconciliation_results (day)
  INCLUDE (store_id, device_id, payments, orders, unmatched_payments, unmatched_orders);
