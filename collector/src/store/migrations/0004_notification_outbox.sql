-- Durable notification outbox: one row per (notification, receiver, channel). Rows are written in the
-- same transaction as the alert change that caused them when the caller passes its transaction, so a
-- crash can neither lose a notification nor send one for a change that rolled back. Delivery is
-- at-least-once: a worker that dies mid-send leaves its row to be claimed again when the lease ends.
CREATE TABLE notification_outbox (
  id              bigserial   PRIMARY KEY,
  -- All rows of one notification share it; backup rows are keyed by it so failover happens once.
  notification_id uuid        NOT NULL,
  receiver        text        NOT NULL,
  -- `<tier>/<index>/<type>`, e.g. `primary/0/dingtalk`: the position in the receiver's channel list.
  channel         text        NOT NULL,
  tier            text        NOT NULL CHECK (tier IN ('primary', 'backup')),
  payload         jsonb       NOT NULL,
  -- pending: waiting or leased to a worker; delivered; failed: given up (permanent error or too many tries).
  status          text        NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
  attempts        integer     NOT NULL DEFAULT 0,
  -- When pending: due time, or the end of the current worker's lease while it sends.
  next_attempt_at timestamptz NOT NULL,
  last_error      text,
  created_at      timestamptz NOT NULL,
  delivered_at    timestamptz,
  UNIQUE (notification_id, receiver, channel)
);

CREATE INDEX notification_outbox_due_idx ON notification_outbox (next_attempt_at, id) WHERE status = 'pending';
CREATE INDEX notification_outbox_created_idx ON notification_outbox (created_at);
