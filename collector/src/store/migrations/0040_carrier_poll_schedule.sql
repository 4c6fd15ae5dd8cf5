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
