-- Versions of the rule set (CONTRACT.md "Rules as data"): every set that was ever in force, whole,
-- as the text of its files. A version is never changed or removed; a rollback is a new version
-- with an old version's files. The newest row is the set in force, unless the rule files changed
-- since the newest `file` row (the collector then records them as a new version at start).
CREATE TABLE rule_versions (
  seq      bigserial   PRIMARY KEY,
  -- Opaque to callers; unique, and never reused even if a later version has the same content.
  version  text        NOT NULL UNIQUE,
  -- sha256 (hex) over the files' paths and bytes, as GET /v1/rules reports content_hash.
  hash     text        NOT NULL CHECK (hash ~ '^[0-9a-f]{64}$'),
  source   text        NOT NULL CHECK (source IN ('file', 'api')),
  -- The token's name for an API edit; `system` for the files.
  author   text        NOT NULL,
  at       timestamptz NOT NULL,
  note     text,
  -- {"rules.yaml": "<text>", "custom/x.yaml": "<text>", ...}
  files    jsonb       NOT NULL CHECK (jsonb_typeof(files) = 'object')
);

CREATE INDEX rule_versions_file_idx ON rule_versions (seq DESC) WHERE source = 'file';

CREATE FUNCTION rule_versions_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'rule versions are immutable';
END;
$$;

CREATE TRIGGER rule_versions_immutable BEFORE UPDATE OR DELETE ON rule_versions
  FOR EACH ROW EXECUTE FUNCTION rule_versions_immutable();
