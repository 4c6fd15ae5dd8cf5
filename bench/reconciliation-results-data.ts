// A chain's reconciliation_results made in SQL: $2 days from $1 × $3 stores × 3 tills (POS1..3) × 2
// providers, ~400 payments per store and day, a few without an order (bench/store-trends.ts,
// bench/reconciliation-views.ts). Run it with setseed first for the same rows every time.

// Per store, till and provider a day: ~67 payments (~400 a store-day); about one till-day in eight
// has a payment without an order, and about one store in twenty a till losing orders on some
// days (the repeat offenders). Lost callbacks give orders without a payment.
export const GENERATE_RESULTS = `
WITH import AS (
  INSERT INTO bill_imports (provider, file_sha256, imported_at, imported_by, rows, refunds, matched,
                            fuzzy_matched, unmatched_payments, unmatched_orders)
  VALUES ('wechatpay', 'bench', now(), 'bench', 0, 0, 0, 0, 0, 0) RETURNING id
), cells AS (
  SELECT p.provider, $1::date + d AS day, 'S' || lpad(s::text, 3, '0') AS store_id, 'POS' || v AS device_id,
         55 + floor(random() * 25)::int AS payments,
         CASE WHEN s % 20 = 7 AND v = 1 AND random() < 0.5 THEN 2 + floor(random() * 4)::int
              WHEN random() < 0.12 THEN 1 ELSE 0 END AS missing,
         CASE WHEN random() < 0.1 THEN 1 ELSE 0 END AS lost
  FROM unnest(ARRAY['wechatpay', 'alipay']) p(provider), generate_series(0, $2::int - 1) d,
       generate_series(1, $3::int) s, generate_series(1, 3) v
)
INSERT INTO reconciliation_results (provider, day, store_id, device_id, import_id, payments, orders, matched,
  fuzzy_matched, unmatched_payments, unmatched_orders, payments_fen, unmatched_payments_fen, refunds, refunds_fen)
SELECT c.provider, c.day, c.store_id, c.device_id, i.id, c.payments, c.payments - c.missing + c.lost,
       c.payments - c.missing, 0, c.missing, c.lost, c.payments * 3500, c.missing * 3500, 0, 0
FROM cells c, import i
ORDER BY c.day, c.provider, c.store_id, c.device_id`;
