-- The order queries asked of payment providers, one row per query: the scheduler plans from these
-- alone, so a restart resumes the schedule (how many asked per order, when, the error run that sets
-- the back-off) instead of starting it over. A row without an outcome is a query in flight, or
-- one a process died during (the scheduler counts it as failed after a while).
CREATE TABLE payment_query_attempts (
  order_id       text        NOT NULL,
  -- 1-based over all providers: the primary key keeps two planners from making the same query
  attempt        smallint    NOT NULL,
  provider       text        NOT NULL,
  started_at     timestamptz NOT NULL,
  finished_at    timestamptz,
  outcome        text,
  retry_after_ms integer,
  PRIMARY KEY (order_id, attempt)
);
-- Back-off and rate limits read the latest queries of each provider.
CREATE INDEX payment_query_attempts_started_idx ON payment_query_attempts (started_at);
