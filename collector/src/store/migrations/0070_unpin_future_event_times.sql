-- Event times stored before they were bounded may lie years ahead (an occurred_at of 9999 was taken
-- as it came). In orders, payments and shipments such a time pins state: an order's status_at in
-- 9999 outranks every later status, a payment in 9999 stays the provider's last-heard time, a
-- shipment's last update in 9999 outranks every later checkpoint. Each is brought back to when it
-- was received: an order row's updated_at (its latest commit), a payment's own event row, and for
-- shipments, which keep no receipt time, now. The event log itself keeps what was sent.

UPDATE orders SET
  status_at     = CASE WHEN status_at > updated_at THEN updated_at ELSE status_at END,
  created_at    = CASE WHEN created_at > updated_at THEN updated_at ELSE created_at END,
  paid_at       = CASE WHEN paid_at > updated_at THEN updated_at ELSE paid_at END,
  first_seen_at = LEAST(first_seen_at, updated_at),
  last_event_at = LEAST(last_event_at, updated_at)
WHERE status_at > updated_at OR created_at > updated_at OR paid_at > updated_at
   OR first_seen_at > updated_at OR last_event_at > updated_at;

UPDATE payments p SET occurred_at = LEAST(p.occurred_at, now(), (
    SELECT e.received_at FROM events e
    WHERE e.order_id = p.order_id AND e.occurred_at = p.occurred_at AND e.source = p.source AND e.id = p.event_id
    LIMIT 1))
WHERE p.occurred_at > now();

UPDATE shipments SET last_update_at = now() WHERE last_update_at > now();
