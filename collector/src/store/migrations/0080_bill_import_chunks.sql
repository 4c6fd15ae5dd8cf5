-- A bill's lines are written in chunks, each committed on its own, so that a large file never holds the
-- store (the embedded one has a single connection) while events wait. An import is done once
-- completed_at is set; until then a repeat upload of the same file redoes it (every write is an upsert)
-- rather than reporting it imported.
ALTER TABLE bill_imports ADD COLUMN completed_at timestamptz;
UPDATE bill_imports SET completed_at = imported_at;

-- Rows of the file that could not be read: the first ones with their reasons, and how many in all.
ALTER TABLE bill_imports ADD COLUMN rejected_rows jsonb NOT NULL DEFAULT '[]';
ALTER TABLE bill_imports ADD COLUMN rejected_rows_total integer NOT NULL DEFAULT 0;
