-- Cluster mode: a processor handed a partition restores that partition's open orders and shipments
-- from here (EngineRestore.adopt). Each row keeps the hash its partition is computed from (the
-- order id's, for a shipment too: partitionOf in cluster/partitions.ts), and an index on it over
-- the open rows, so a takeover reads only its partition's rows rather than every open row in the
-- store. A partition is a contiguous range of hashes for any number of partitions, so one index
-- serves every ORDERPULSE_PARTITIONS.

-- As the collector computes it (partitionHash): 32-bit FNV-1a over the UTF-16 code units of the id
-- (characters beyond the BMP count as their two surrogates), then MurmurHash3's finalizer. Products
-- modulo 2^32 are taken in two 16-bit halves of the constant, which keeps them within bigint.
CREATE FUNCTION order_partition_hash(order_id text) RETURNS bigint
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
  h  bigint := 2166136261;
  ch text;
  c  integer;
BEGIN
  FOREACH ch IN ARRAY string_to_array(order_id, NULL) LOOP
    c := ascii(ch);
    IF c > 65535 THEN
      h := ((h # (55296 + ((c - 65536) >> 10))) * 16777619) & 4294967295;
      c := 56320 + ((c - 65536) & 1023);
    END IF;
    h := ((h # c) * 16777619) & 4294967295;
  END LOOP;
  h := h # (h >> 16);
  h := (h * 51819 + (((h * 34283) & 65535) << 16)) & 4294967295;  -- × 0x85ebca6b
  h := h # (h >> 13);
  h := (h * 44597 + (((h * 49842) & 65535) << 16)) & 4294967295;  -- × 0xc2b2ae35
  h := h # (h >> 16);
  RETURN h;
END
$$;

-- Set when a row is inserted, by whatever inserts it (ingest_batch's upserts, bulk loads); a row
-- that comes with its hash keeps it. The order id of a row never changes.
CREATE FUNCTION set_partition_hash() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.partition_hash IS NULL THEN
    NEW.partition_hash := order_partition_hash(NEW.order_id);
  END IF;
  RETURN NEW;
END
$$;

ALTER TABLE orders ADD COLUMN partition_hash bigint;
ALTER TABLE shipments ADD COLUMN partition_hash bigint;

UPDATE orders SET partition_hash = order_partition_hash(order_id);
UPDATE shipments SET partition_hash = order_partition_hash(order_id);

ALTER TABLE orders ALTER COLUMN partition_hash SET NOT NULL;
ALTER TABLE shipments ALTER COLUMN partition_hash SET NOT NULL;

CREATE TRIGGER orders_partition_hash BEFORE INSERT ON orders
  FOR EACH ROW EXECUTE FUNCTION set_partition_hash();
CREATE TRIGGER shipments_partition_hash BEFORE INSERT ON shipments
  FOR EACH ROW EXECUTE FUNCTION set_partition_hash();

-- The open rows of a partition in key order (the takeover's pages). The predicates are the
-- recovery queries' own (recovery-queries.ts), word for word, so the planner can use them.
CREATE INDEX orders_open_partition_idx ON orders (partition_hash, order_id)
  WHERE status IS NULL OR status IN ('created', 'paid', 'picking', 'packed', 'shipped');
CREATE INDEX shipments_open_partition_idx ON shipments (partition_hash, carrier, tracking_no)
  WHERE state NOT IN ('delivered', 'rejected', 'returned');
