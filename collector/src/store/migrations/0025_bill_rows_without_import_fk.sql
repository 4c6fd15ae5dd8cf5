-- bill_rows.import_id without its foreign key. The key was checked once per written line, by a trigger
-- running a lookup of bill_imports per row: about a third of writing a million lines to bill_rows
-- (BENCHMARKS.md §6), for a guarantee the code already gives. The import's bill_imports row is
-- inserted and committed (claimImport) before any of its lines is written, both by the same import,
-- and no code deletes or renumbers bill_imports rows. reconciliation_results and
-- reconciliation_pending keep theirs: a few rows per import.
ALTER TABLE bill_rows DROP CONSTRAINT IF EXISTS bill_rows_import_id_fkey;
