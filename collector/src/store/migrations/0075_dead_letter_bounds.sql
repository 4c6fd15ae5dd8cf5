-- Dead letters are bounded: a body from a caller that did not authenticate keeps a preview (at most
-- 4 KiB) with its full length and SHA-256, so forged callbacks cannot fill the disk; an
-- authenticated caller's body keeps its exact bytes. `raw` is the preview; `body` holds the exact
-- bytes only when the preview is not already them. `stored_bytes` is what the cap adds up.
ALTER TABLE dead_letters
  ADD COLUMN body          bytea,
  ADD COLUMN body_length   bigint,
  ADD COLUMN body_sha256   bytea,
  ADD COLUMN truncated     boolean NOT NULL DEFAULT false,
  ADD COLUMN authenticated boolean NOT NULL DEFAULT false,
  ADD COLUMN content_type  text;

-- Letters kept before this held the whole body as text. /v1/events and bill callers had a token;
-- the provider callbacks (/v1/notify/*) did not.
UPDATE dead_letters SET
  body_length = octet_length(raw),
  body_sha256 = sha256(convert_to(raw, 'UTF8')),
  authenticated = endpoint NOT LIKE '/v1/notify/%',
  body = CASE
    WHEN endpoint NOT LIKE '/v1/notify/%' AND octet_length(raw) > 4096 THEN convert_to(raw, 'UTF8')
  END,
  truncated = octet_length(raw) > 4096,
  -- 1024 characters are at most 4 KiB of UTF-8.
  raw = CASE WHEN octet_length(raw) > 4096 THEN left(raw, 1024) ELSE raw END;

ALTER TABLE dead_letters
  ALTER COLUMN body_length SET NOT NULL,
  ALTER COLUMN body_sha256 SET NOT NULL,
  ADD COLUMN stored_bytes bigint GENERATED ALWAYS AS (
    octet_length(raw) + coalesce(octet_length(body), 0) + octet_length(message)
  ) STORED;

-- Keyset paging (newest first) and pruning (oldest first) both walk this.
CREATE INDEX dead_letters_received_idx ON dead_letters (received_at, id);
