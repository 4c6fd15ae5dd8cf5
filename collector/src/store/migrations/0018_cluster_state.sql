-- The last notification each receiver was sent about each alert group, claimed in the transaction
-- that queues it. Alertmanager's rule (its notification log): a receiver is told the same thing
-- about a group again only once the repeat interval has passed. A second planner (a processor that
-- took over the planning and lost its predecessor's memory, or a restarted collector) therefore
-- queues nothing for what was already sent, and two planners racing on the same change queue it
-- once: the second one's claim finds the first one's row. A changed group claims afresh at once.
CREATE TABLE notification_claims (
  receiver    text        NOT NULL,
  -- The dispatcher's group key (route id and group labels).
  group_key   text        NOT NULL,
  -- Digest of what the notification says: status, escalation level, firing and resolved alert ids.
  content_key text        NOT NULL,
  claimed_at  timestamptz NOT NULL,
  PRIMARY KEY (receiver, group_key)
);


-- callback_silent counts the orders created chain-wide in its window; in cluster mode the processor
-- that evaluates it reads that count from here every few seconds (each processor sees only its
-- partitions' events).
CREATE INDEX orders_created_idx ON orders (created_at);
