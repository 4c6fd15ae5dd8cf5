-- A pending item's reason as a catalogue message with its parameters ({"key", "params"}), so the
-- API and the dashboard render it in the reader's language. `reason` keeps the English text for
-- readers of the table; rows written before this column have only that text.
-- (An alert's summary needs no column of its own: its jsonb summary carries the message beside the
-- two rendered texts.)
ALTER TABLE reconciliation_pending ADD COLUMN reason_message jsonb;
