-- A bill import on PostgreSQL streams the file's lines here in chunks, each committed on its own, then
-- matches them set-wise and writes bill_rows from here; its rows are dropped once the import is done.
-- Keyed by provider and file hash rather than import id, so that an interrupted upload resumes after the
-- last committed chunk. Unlogged: after a server crash it comes back empty and the file is staged again.
CREATE UNLOGGED TABLE bill_import_staged (
  stage_key         text    NOT NULL,
  line              integer NOT NULL,
  kind              text    NOT NULL,
  transaction_id    text    NOT NULL,
  -- '' for payments; a refund line without its own number is keyed by its place in the file
  refund_no         text    NOT NULL,
  merchant_order_no text    NOT NULL,
  paid_ms           bigint  NOT NULL,
  day               date    NOT NULL,
  amount_fen        bigint  NOT NULL,
  store_id          text,
  device_id         text    NOT NULL,
  raw               text    NOT NULL,
  PRIMARY KEY (stage_key, line)
);

-- How each staged payment matched, by transaction (as bill_rows records it), written by the matching
-- step and read when the lines are written to bill_rows.
CREATE UNLOGGED TABLE bill_import_matches (
  stage_key      text NOT NULL,
  transaction_id text NOT NULL,
  match          text NOT NULL,
  order_id       text NOT NULL,
  PRIMARY KEY (stage_key, transaction_id)
);
