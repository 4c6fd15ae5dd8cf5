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
