-- Everything refused, kept so nothing a caller sent is silently gone. Bounded: a body from a caller
-- that did not authenticate keeps a preview (at most 4 KiB) with its full length and SHA-256, so
-- forged callbacks cannot fill the disk; an authenticated caller's body keeps its exact bytes.
-- `raw` is the preview; `body` holds the exact bytes only when the preview is not already them.
-- `stored_bytes` is what the cap adds up.
CREATE TABLE dead_letters (
  id            bigserial   PRIMARY KEY,
  received_at   timestamptz NOT NULL DEFAULT now(),
  endpoint      text        NOT NULL,
  source        text,
  reason        text        NOT NULL,
  message       text        NOT NULL,
  item_index    integer,
  raw           text        NOT NULL,
  body          bytea,
  body_length   bigint      NOT NULL,
  body_sha256   bytea       NOT NULL,
  truncated     boolean     NOT NULL DEFAULT false,
  authenticated boolean     NOT NULL DEFAULT false,
  content_type  text,
  stored_bytes  bigint      GENERATED ALWAYS AS (
    octet_length(raw) + coalesce(octet_length(body), 0) + octet_length(message)
  ) STORED
);

-- Keyset paging (newest first) and pruning (oldest first) both walk this.
CREATE INDEX dead_letters_received_idx ON dead_letters (received_at, id);
