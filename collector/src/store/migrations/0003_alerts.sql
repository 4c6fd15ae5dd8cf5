-- Alerts, silences and the audit log (CONTRACT.md "Alerts"). The alerting service owns the alert
-- rows (it is their only writer besides operator actions it performs itself), so ids are generated
-- in the process and every change is an upsert of the whole row.

CREATE TABLE alerts (
  id                text        PRIMARY KEY,
  rule              text        NOT NULL,
  severity          text        NOT NULL CHECK (severity IN ('critical', 'warning', 'info')),
  -- `pending`: the condition holds but not yet for the rule's `for`; never listed by default.
  status            text        NOT NULL CHECK (status IN ('pending', 'firing', 'acknowledged', 'resolved')),
  entity_type       text        NOT NULL,
  entity_id         text        NOT NULL,
  store_id          text,
  -- The order the alert concerns (the order itself, or the order a shipment belongs to), for drill-down.
  order_id          text,
  -- {"zh": "...", "en": "..."}
  summary           jsonb       NOT NULL,
  labels            jsonb       NOT NULL DEFAULT '{}'::jsonb,
  -- Stable identity of (rule, entity) across re-openings, as Alertmanager fingerprints label sets.
  fingerprint       text        NOT NULL,
  -- Event time the condition started; firing_at is when it became firing (processing time).
  started_at        timestamptz NOT NULL,
  firing_at         timestamptz,
  updated_at        timestamptz NOT NULL,
  resolved_at       timestamptz,
  acknowledged_at   timestamptz,
  acknowledged_by   text,
  acknowledged_note text,
  reopen_count      integer     NOT NULL DEFAULT 0,
  CHECK ((status = 'resolved') = (resolved_at IS NOT NULL))
);

-- The contract's invariant: at most ONE open alert per (rule, entity); repeats update it.
CREATE UNIQUE INDEX alerts_one_open_idx ON alerts (rule, entity_type, entity_id) WHERE status <> 'resolved';
CREATE INDEX alerts_open_started_idx ON alerts (started_at DESC) WHERE status <> 'resolved';
CREATE INDEX alerts_fingerprint_idx ON alerts (fingerprint, resolved_at DESC);
CREATE INDEX alerts_updated_idx ON alerts (updated_at DESC);
CREATE INDEX alerts_store_idx ON alerts (store_id, started_at DESC);
CREATE INDEX alerts_order_idx ON alerts (order_id) WHERE order_id IS NOT NULL;

-- Alertmanager-style silences. `matchers` keeps the contract's object form as it was posted
-- ({"rule": "order_stalled", "store_id": "S1"}, a value may be {"op": "=~", "value": "..."}).
-- Expiring a silence moves its end to the time of expiry; rows are never deleted.
CREATE TABLE silences (
  id         text        PRIMARY KEY,
  matchers   jsonb       NOT NULL,
  starts_at  timestamptz NOT NULL,
  ends_at    timestamptz NOT NULL,
  comment    text        NOT NULL,
  created_by text        NOT NULL,
  created_at timestamptz NOT NULL,
  expired_by text,
  expired_at timestamptz
);
CREATE INDEX silences_ends_idx ON silences (ends_at DESC);

-- Every operator action and every rule-set change (with its content hash). Append-only.
CREATE TABLE audit_log (
  id      bigserial   PRIMARY KEY,
  at      timestamptz NOT NULL,
  actor   text        NOT NULL,
  action  text        NOT NULL,
  target  text        NOT NULL,
  details jsonb       NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX audit_log_at_idx ON audit_log (at DESC, id DESC);
