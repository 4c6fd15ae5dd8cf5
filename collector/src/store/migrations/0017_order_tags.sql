-- Tags custom rules put on orders when they fire (`tags: [priority]` in alert-rules/custom/), kept
-- apart from `orders` so the ingest upsert never touches them. One row per (order, tag): the first
-- rule that put it, and when (processing time). Listed by tag (GET /v1/orders?tag=priority), so
-- the tag leads an index of its own.
-- Approvals need no table: an alert of a rule with `requires_approval: true` carries the label
-- requires_approval="true", and its acknowledgement (acknowledged_by/at on `alerts`, an
-- `alert.approve` entry in the audit log) is the approval.
CREATE TABLE order_tags (
  order_id  text        NOT NULL,
  tag       text        NOT NULL,
  rule      text        NOT NULL,
  tagged_at timestamptz NOT NULL,
  PRIMARY KEY (order_id, tag)
);
CREATE INDEX order_tags_tag_idx ON order_tags (tag, order_id);
CREATE INDEX alerts_order_approval_idx ON alerts (order_id, acknowledged_at DESC)
  WHERE labels ? 'requires_approval';
