-- Indexes for the server-paged lists: open alerts by (rule, store), newest first within a group;
-- orders newest first, overall, by store and by status; the pending pool by day.
CREATE INDEX alerts_open_group_idx ON alerts (rule, store_id, started_at DESC, id DESC) WHERE status <> 'resolved';
CREATE INDEX orders_last_event_idx ON orders (last_event_at DESC, order_id DESC);
CREATE INDEX orders_store_last_event_idx ON orders (store_id, last_event_at DESC, order_id DESC);
CREATE INDEX orders_status_last_event_idx ON orders (status, last_event_at DESC, order_id DESC);
CREATE INDEX reconciliation_pending_day_idx ON reconciliation_pending (day, id DESC);
