-- A region-scoped token's stores are the stores whose orders carry its regions
-- (stores-in-regions.ts): with (region, store_id) that look-up reads only the index entries of
-- those regions instead of every order.
CREATE INDEX orders_region_store_idx ON orders (region, store_id);
