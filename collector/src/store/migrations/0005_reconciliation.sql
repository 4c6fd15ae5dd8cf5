-- Reconciliation of the providers' own bills against orders (CONTRACT.md "Reconciliation").

-- One row per imported bill file. (provider, file_sha256) is unique, so re-importing the same file
-- finds this row and changes nothing. A bill's lines are written in chunks, each committed on its
-- own, so that a large file never holds the store (the embedded one has a single connection) while
-- events wait. An import is done once completed_at is set; until then a repeat upload of the same
-- file redoes it (every write is an upsert) rather than reporting it imported.
CREATE TABLE bill_imports (
  id                  bigserial   PRIMARY KEY,
  provider            text        NOT NULL CHECK (provider IN ('wechatpay', 'alipay')),
  file_sha256         text        NOT NULL,
  file_name           text,
  -- the bill's column header, so each stored line (bill_rows.raw) can be read by name
  header              text,
  imported_at         timestamptz NOT NULL,
  imported_by         text        NOT NULL,
  rows                integer     NOT NULL,
  refunds             integer     NOT NULL,
  declared_rows       integer,
  first_day           date,
  last_day            date,
  matched             integer     NOT NULL,
  fuzzy_matched       integer     NOT NULL,
  unmatched_payments  integer     NOT NULL,
  unmatched_orders    integer     NOT NULL,
  completed_at        timestamptz,
  -- rows of the file that could not be read: the first ones with their reasons, and how many in all
  rejected_rows       jsonb       NOT NULL DEFAULT '[]',
  rejected_rows_total integer     NOT NULL DEFAULT 0,
  UNIQUE (provider, file_sha256)
);

-- Every bill line, with how it matched. A corrected bill for the same day replaces its lines.
CREATE TABLE bill_rows (
  provider          text        NOT NULL,
  transaction_id    text        NOT NULL,
  kind              text        NOT NULL CHECK (kind IN ('payment', 'refund')),
  -- '' for payments; a refund line is keyed by its own refund number
  refund_no         text        NOT NULL,
  import_id         bigint      NOT NULL REFERENCES bill_imports (id),
  merchant_order_no text        NOT NULL,
  paid_at           timestamptz NOT NULL,
  day               date        NOT NULL,
  amount_fen        bigint      NOT NULL,
  store_id          text,
  device_id         text        NOT NULL,
  line              integer     NOT NULL,
  match             text        NOT NULL CHECK (match IN ('exact', 'fuzzy', 'unmatched', 'refund')),
  matched_order_id  text,
  -- the line's cells as in the file (comma-joined, decoration kept)
  raw               text        NOT NULL,
  PRIMARY KEY (provider, transaction_id, kind, refund_no)
);
CREATE INDEX bill_rows_matched_order_idx ON bill_rows (matched_order_id) WHERE matched_order_id IS NOT NULL;
-- a day's lines from earlier imports are reconciled together with a new file's
CREATE INDEX bill_rows_day_idx ON bill_rows (provider, day);

-- Counts per provider, local day, store and device (device '' when unknown): the trend source.
CREATE TABLE reconciliation_results (
  provider               text    NOT NULL,
  day                    date    NOT NULL,
  store_id               text    NOT NULL,
  device_id              text    NOT NULL,
  import_id              bigint  NOT NULL REFERENCES bill_imports (id),
  payments               integer NOT NULL,
  orders                 integer NOT NULL,
  matched                integer NOT NULL,
  fuzzy_matched          integer NOT NULL,
  unmatched_payments     integer NOT NULL,
  unmatched_orders       integer NOT NULL,
  payments_fen           bigint  NOT NULL,
  unmatched_payments_fen bigint  NOT NULL,
  refunds                integer NOT NULL,
  refunds_fen            bigint  NOT NULL,
  PRIMARY KEY (provider, day, store_id, device_id)
);
CREATE INDEX reconciliation_results_store_day_idx ON reconciliation_results (store_id, day);

-- 待确认订单池: every fuzzy match and unmatched item, both sides' evidence, and how an operator
-- resolved it. item_key names the item across re-imports so a resolution is never lost or duplicated.
CREATE TABLE reconciliation_pending (
  id             bigserial   PRIMARY KEY,
  item_key       text        NOT NULL UNIQUE,
  kind           text        NOT NULL
                   CHECK (kind IN ('fuzzy_match', 'unmatched_payment', 'unmatched_order', 'amount_mismatch')),
  provider       text        NOT NULL,
  day            date        NOT NULL,
  store_id       text        NOT NULL,
  device_id      text        NOT NULL,
  amount_fen     bigint,
  reason         text        NOT NULL,
  bill           jsonb,
  order_evidence jsonb,
  import_id      bigint      NOT NULL REFERENCES bill_imports (id),
  created_at     timestamptz NOT NULL,
  status         text        NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'escalated', 'resolved')),
  resolution     text        CHECK (resolution IN ('matched', 'write_off', 'refund', 'escalate')),
  note           text,
  resolved_by    text,
  resolved_at    timestamptz
);
CREATE INDEX reconciliation_pending_status_idx ON reconciliation_pending (status, id DESC);
CREATE INDEX reconciliation_pending_store_idx ON reconciliation_pending (store_id, day);
