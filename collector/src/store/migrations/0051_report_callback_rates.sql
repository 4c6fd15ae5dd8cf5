-- Payment notifications per minute and per hour by provider and status (event time), for the
-- Payments & callbacks dashboard. `payments` holds one row per (provider, transaction, status),
-- so provider retries of the same notification are not counted twice. `payments` is a plain table
-- on every store, so one trigger-maintained rollup serves TimescaleDB and plain PostgreSQL alike.

CREATE TABLE callback_minute_rollup (
  bucket     timestamptz NOT NULL,
  provider   text        NOT NULL,
  status     text        NOT NULL,
  callbacks  bigint      NOT NULL,
  amount_fen bigint      NOT NULL,
  PRIMARY KEY (bucket, provider, status)
);

CREATE TABLE callback_hour_rollup (
  bucket     timestamptz NOT NULL,
  provider   text        NOT NULL,
  status     text        NOT NULL,
  callbacks  bigint      NOT NULL,
  amount_fen bigint      NOT NULL,
  PRIMARY KEY (bucket, provider, status)
);

CREATE FUNCTION rollup_callback_payments() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $fn$
BEGIN
  INSERT INTO callback_minute_rollup AS r (bucket, provider, status, callbacks, amount_fen)
  SELECT date_bin(interval '1 minute', occurred_at, timestamptz '2000-01-01 00:00+00'), provider, status,
         count(*), sum(amount_fen)
  FROM new_payments GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
  ON CONFLICT (bucket, provider, status) DO UPDATE
    SET callbacks = r.callbacks + excluded.callbacks, amount_fen = r.amount_fen + excluded.amount_fen;

  INSERT INTO callback_hour_rollup AS r (bucket, provider, status, callbacks, amount_fen)
  SELECT date_bin(interval '1 hour', occurred_at, timestamptz '2000-01-01 00:00+00'), provider, status,
         count(*), sum(amount_fen)
  FROM new_payments GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
  ON CONFLICT (bucket, provider, status) DO UPDATE
    SET callbacks = r.callbacks + excluded.callbacks, amount_fen = r.amount_fen + excluded.amount_fen;
  RETURN NULL;
END
$fn$;

CREATE TRIGGER payments_callback_rollup
  AFTER INSERT ON payments REFERENCING NEW TABLE AS new_payments
  FOR EACH STATEMENT EXECUTE FUNCTION rollup_callback_payments();

CREATE VIEW callback_rate_minutely AS
  SELECT bucket, provider, status, callbacks, amount_fen FROM callback_minute_rollup;
CREATE VIEW callback_rate_hourly AS
  SELECT bucket, provider, status, callbacks, amount_fen FROM callback_hour_rollup;

COMMENT ON VIEW callback_rate_minutely IS
  'payment.notify per minute (event time) by provider and status; amount_fen is the sum notified.';
COMMENT ON VIEW callback_rate_hourly IS 'payment.notify per hour (event time) by provider and status.';
