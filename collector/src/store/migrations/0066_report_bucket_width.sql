-- Time series panels over minute rollups return one row per minute and series: over 30 days that is
-- ~43k minutes × 8 statuses ≈ 300k rows for "Orders per minute by status", which PostgreSQL reads
-- from the rollup in ~60 ms but which take seconds to ship, parse and draw (measured with
-- bench/dashboard-queries.ts: p50 ≈ 0.7 s client side at 30 d with only 20 stores' minutes). A
-- panel cannot show more points than it has pixels anyway, so the panels bucket by this width:
-- the smallest of 1 min, 5 min, 15 min, 1 h, 6 h, 1 day giving at most `max_points` buckets over
-- the range (1 min up to a day, 1 h for 30 days). Values stay "per minute" by dividing by the
-- width in minutes.
CREATE FUNCTION report_bucket_width(range_from timestamptz, range_to timestamptz, max_points integer DEFAULT 1500)
RETURNS interval
LANGUAGE sql IMMUTABLE AS $fn$
  SELECT coalesce(
    (SELECT w FROM unnest(ARRAY[interval '1 minute', interval '5 minutes', interval '15 minutes', interval '1 hour',
                                interval '6 hours', interval '1 day']) w
     WHERE extract(epoch FROM range_to - range_from) / extract(epoch FROM w) <= max_points
     ORDER BY w LIMIT 1),
    interval '1 day')
$fn$;

COMMENT ON FUNCTION report_bucket_width(timestamptz, timestamptz, integer) IS
  'Bucket width for a time series panel over [range_from, range_to]: 1 min, 5 min, 15 min, 1 h, 6 h or 1 day, the smallest giving at most max_points buckets.';
