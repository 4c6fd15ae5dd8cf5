-- What was done about each waybill whose Kuaidi100 subscription ended (push `abort`/`shutdown`):
-- Kuaidi100's status and message verbatim, the reason read from them, the action taken, and the
-- resubscriptions made (a ceiling applies per waybill). A row with `next_attempt_at` is a
-- resubscription due; the healer leases it by moving that time before it calls Kuaidi100.
CREATE TABLE carrier_subscription_healing (
  carrier         text        NOT NULL,
  tracking_no     text        NOT NULL,
  push_status     text        NOT NULL,
  message         text        NOT NULL,
  reason          text        NOT NULL,
  action          text        NOT NULL,
  detail          text        NOT NULL,
  -- the company code resubscribed with (differs from `carrier` after a wrong code)
  company         text,
  resubscribes    integer     NOT NULL DEFAULT 0,
  -- of the latest resubscription: due, subscribed, failed
  outcome         text,
  next_attempt_at timestamptz,
  last_error      text,
  decided_at      timestamptz NOT NULL,
  updated_at      timestamptz NOT NULL,
  PRIMARY KEY (carrier, tracking_no)
);
CREATE INDEX carrier_subscription_healing_due_idx ON carrier_subscription_healing (next_attempt_at)
  WHERE next_attempt_at IS NOT NULL;
-- Pushes after a resubscription under a corrected company name that company, not the bound one.
CREATE INDEX carrier_subscription_healing_tracking_idx ON carrier_subscription_healing (tracking_no);
