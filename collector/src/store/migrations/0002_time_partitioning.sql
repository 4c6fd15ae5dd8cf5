-- With TimescaleDB present `events` becomes a hypertable with compression and retention;
-- on plain PostgreSQL (and PGlite) a BRIN index serves time-range scans of the append-only log.
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb') THEN
    EXECUTE 'CREATE EXTENSION IF NOT EXISTS timescaledb';
    EXECUTE $q$SELECT create_hypertable('events', 'occurred_at', chunk_time_interval => interval '1 day', migrate_data => true)$q$;
    EXECUTE $q$ALTER TABLE events SET (timescaledb.compress, timescaledb.compress_segmentby = 'store_id', timescaledb.compress_orderby = 'occurred_at')$q$;
    EXECUTE $q$SELECT add_compression_policy('events', interval '7 days')$q$;
    EXECUTE $q$SELECT add_retention_policy('events', interval '400 days')$q$;
    EXECUTE 'CREATE INDEX events_time_idx ON events (occurred_at DESC)';
  ELSE
    EXECUTE 'CREATE INDEX events_time_brin ON events USING brin (occurred_at)';
  END IF;
END
$$;
