-- GET /v1/shipments (the dashboard's shipment list) reads the most recently updated waybills first,
-- optionally of one store (`ORDER BY last_update_at DESC LIMIT 5000`), then those orders'
-- carrier checkpoints from the event log. Measured by bench/dashboard-queries.ts on a month of a
-- 327-store chain (~4M waybills, ~30M events):
--   * without an index on the update time the listing sorts every waybill ever shipped (the
--     open-only index of 0053 cannot serve it); backward scans of these read just the rows listed;
--   * the checkpoints lookup went through events_order_idx and fetched every event of each order
--     to keep the shipment.update ones (4 of 5 thrown away); this partial index holds only those
--     (about an eighth of events_order_idx) and cut the lookup from ~360 ms to ~60 ms.
CREATE INDEX shipments_last_update_idx ON shipments (last_update_at);
CREATE INDEX shipments_store_last_update_idx ON shipments (store_id, last_update_at);
CREATE INDEX events_shipment_order_idx ON events (order_id) WHERE type = 'shipment.update';
