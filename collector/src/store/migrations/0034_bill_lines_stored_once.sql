-- A bill import on PostgreSQL writes each line once. The import is claimed first, and its lines go
-- straight into bill_rows as the file is read, as if each matched the order it names; the matching
-- step then rewrites only the lines that did not (a few in a hundred). Staging, in the same row shape
-- as bill_rows, is left for a file whose lines meet lines already stored (a corrected bill for a day,
-- a key the file repeats): its lines wait there, as before, until matched, so that an earlier
-- import's lines stay as they were until this one is known to be whole.
--
-- Readers of bill_rows skip the lines of an import that has not finished. A refused file's lines are
-- deleted, then its claim (bill_imports row), which no line then names.

-- An import's own lines: read for matching, to resume after the last one written, and to drop them.
CREATE INDEX bill_rows_import_idx ON bill_rows (import_id, line);

-- Staged lines of an interrupted import are dropped: its next upload stages the file again.
DROP TABLE bill_import_matches;
DROP TABLE bill_import_staged;

-- bill_rows' columns, so that one COPY text serves both tables; keyed by the import and the line.
CREATE UNLOGGED TABLE bill_import_staged (LIKE bill_rows, PRIMARY KEY (import_id, line));

-- How the import's payments matched where that is not "exactly, to the order the line names", by
-- transaction (as bill_rows keys them); order_id is NULL for an unmatched payment.
CREATE UNLOGGED TABLE bill_import_matches (
  import_id      bigint NOT NULL,
  transaction_id text   NOT NULL,
  match          text   NOT NULL,
  order_id       text,
  PRIMARY KEY (import_id, transaction_id)
);
