-- The matching step of a staged bill import records only the payments that did not match their own
-- order number exactly (most of a bill does), the unmatched ones among them, which name no order.
ALTER TABLE bill_import_matches ALTER COLUMN order_id DROP NOT NULL;
