-- When each active waybill is next queried at its carrier (collector/src/carriers). Kept in the
-- store so a restart resumes where it stopped instead of re-querying everything at once: carriers
-- lock waybills queried more than once per 30 minutes.
CREATE TABLE carrier_poll_schedule (
  carrier        text        NOT NULL,
  tracking_no    text        NOT NULL,
  phone          text,
  next_poll_at   timestamptz NOT NULL,
  last_polled_at timestamptz,
  failures       integer     NOT NULL DEFAULT 0,
  active         boolean     NOT NULL DEFAULT true,
  last_error     text,
  PRIMARY KEY (carrier, tracking_no)
);
CREATE INDEX carrier_poll_schedule_due_idx ON carrier_poll_schedule (next_poll_at) WHERE active;

-- Carrier checkpoints for waybills not yet bound to an order (collector/src/carriers). They wait
-- here, verbatim, until a `shipment.update` with state `created` or an order's `shipped` event
-- names the waybill; then they are written to `events` like any other update and removed.
CREATE TABLE carrier_updates_pending (
  source      text        NOT NULL,
  id          text        NOT NULL,
  carrier     text        NOT NULL,
  tracking_no text        NOT NULL,
  occurred_at timestamptz NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now(),
  payload     jsonb       NOT NULL,
  PRIMARY KEY (source, id)
);
CREATE INDEX carrier_updates_pending_waybill_idx ON carrier_updates_pending (tracking_no);

-- Carrier feeds spell the carrier their own way (Kuaidi100: lower-case company codes), so
-- bindings are found by tracking number first and the carrier compared case-insensitively.
CREATE INDEX shipments_tracking_no_idx ON shipments (tracking_no);
