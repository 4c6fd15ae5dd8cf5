-- Migrations use unqualified names: they run with search_path set to the configured schema
-- (ORDERPULSE_DB_SCHEMA, default `orderpulse`), so Grafana users read `orderpulse.<table>`.

-- Idempotency lives here rather than on `events`: a unique index on a TimescaleDB hypertable must
-- include the time column, and (source, id) must stay unique even if a resend carries another time.
CREATE TABLE event_keys (
  source      text        NOT NULL,
  id          text        NOT NULL,
  occurred_at timestamptz NOT NULL,
  PRIMARY KEY (source, id)
);

-- Append-only log of every accepted event, the wire object kept whole in `payload`.
CREATE TABLE events (
  source      text        NOT NULL,
  id          text        NOT NULL,
  type        text        NOT NULL,
  occurred_at timestamptz NOT NULL,
  received_at timestamptz NOT NULL,
  order_id    text        NOT NULL,
  store_id    text        NOT NULL,
  payload     jsonb       NOT NULL
);
CREATE INDEX events_order_idx ON events (order_id, occurred_at);

-- Current state per order. Status fields move only forward in event time: (status_at, status_rank)
-- decides, so a late event never rolls the status back.
CREATE TABLE orders (
  order_id      text        PRIMARY KEY,
  store_id      text        NOT NULL,
  status        text,
  status_at     timestamptz,
  status_rank   smallint,
  amount_fen    bigint,
  region        text,
  channel       text,
  created_at    timestamptz,
  paid_at       timestamptz,
  first_seen_at timestamptz NOT NULL,
  last_event_at timestamptz NOT NULL,
  updated_at    timestamptz NOT NULL
);
CREATE INDEX orders_store_status_idx ON orders (store_id, status);
CREATE INDEX orders_open_idx ON orders (status, status_at)
  WHERE status IN ('created', 'paid', 'picking', 'packed', 'shipped');

CREATE TABLE payments (
  provider       text        NOT NULL,
  transaction_id text        NOT NULL,
  status         text        NOT NULL,
  order_id       text        NOT NULL,
  store_id       text        NOT NULL,
  amount_fen     bigint      NOT NULL,
  occurred_at    timestamptz NOT NULL,
  source         text        NOT NULL,
  event_id       text        NOT NULL,
  PRIMARY KEY (provider, transaction_id, status)
);
CREATE INDEX payments_order_idx ON payments (order_id);
CREATE INDEX payments_time_idx ON payments (occurred_at);

-- Latest known state per waybill (checkpoints stay in `events`).
CREATE TABLE shipments (
  carrier            text        NOT NULL,
  tracking_no        text        NOT NULL,
  order_id           text        NOT NULL,
  store_id           text        NOT NULL,
  state              text        NOT NULL,
  last_update_at     timestamptz NOT NULL,
  location           text,
  destination_region text,
  returned_count     integer     NOT NULL DEFAULT 0,
  PRIMARY KEY (carrier, tracking_no)
);
CREATE INDEX shipments_order_idx ON shipments (order_id);

-- Everything refused, kept verbatim so nothing a caller sent is silently gone.
CREATE TABLE dead_letters (
  id          bigserial   PRIMARY KEY,
  received_at timestamptz NOT NULL DEFAULT now(),
  endpoint    text        NOT NULL,
  source      text,
  reason      text        NOT NULL,
  message     text        NOT NULL,
  item_index  integer,
  raw         text        NOT NULL
);
