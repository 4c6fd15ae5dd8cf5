-- table alerts
id text NOT NULL
  rule text NOT NULL
  severity text NOT NULL
  status text NOT NULL
  entity_type text NOT NULL
  entity_id text NOT NULL
  store_id text
  order_id text
  summary jsonb NOT NULL
  labels jsonb NOT NULL DEFAULT '{}'::jsonb
  fingerprint text NOT NULL
  started_at timestamp with time zone NOT NULL
  firing_at timestamp with time zone
  updated_at timestamp with time zone NOT NULL
  resolved_at timestamp with time zone
  acknowledged_at timestamp with time zone
  acknowledged_by text
  acknowledged_note text
  reopen_count integer NOT NULL DEFAULT 0

-- table audit_log
id bigint NOT NULL DEFAULT nextval('audit_log_id_seq'::regclass)
  at timestamp with time zone NOT NULL
  actor text NOT NULL
  action text NOT NULL
  target text NOT NULL
  details jsonb NOT NULL DEFAULT '{}'::jsonb

-- table bill_import_matches
import_id bigint NOT NULL
  transaction_id text NOT NULL
  match text NOT NULL
  order_id text

-- table bill_import_staged
provider text NOT NULL
  transaction_id text NOT NULL
  kind text NOT NULL
  refund_no text NOT NULL
  import_id bigint NOT NULL
  merchant_order_no text NOT NULL
  paid_at timestamp with time zone NOT NULL
  day date NOT NULL
  amount_fen bigint NOT NULL
  store_id text
  device_id text NOT NULL
  line integer NOT NULL
  match text NOT NULL
  matched_order_id text
  raw text NOT NULL

-- table bill_imports
id bigint NOT NULL DEFAULT nextval('bill_imports_id_seq'::regclass)
  provider text NOT NULL
  file_sha256 text NOT NULL
  file_name text
  header text
  imported_at timestamp with time zone NOT NULL
  imported_by text NOT NULL
  rows integer NOT NULL
  refunds integer NOT NULL
  declared_rows integer
  first_day date
  last_day date
  matched integer NOT NULL
  fuzzy_matched integer NOT NULL
  unmatched_payments integer NOT NULL
  unmatched_orders integer NOT NULL
  completed_at timestamp with time zone
  rejected_rows jsonb NOT NULL DEFAULT '[]'::jsonb
  rejected_rows_total integer NOT NULL DEFAULT 0

-- table bill_rows
provider text NOT NULL
  transaction_id text NOT NULL
  kind text NOT NULL
  refund_no text NOT NULL
  import_id bigint NOT NULL
  merchant_order_no text NOT NULL
  paid_at timestamp with time zone NOT NULL
  day date NOT NULL
  amount_fen bigint NOT NULL
  store_id text
  device_id text NOT NULL
  line integer NOT NULL
  match text NOT NULL
  matched_order_id text
  raw text NOT NULL

-- table callback_hour_rollup
WITH (fillfactor=50)
  bucket timestamp with time zone NOT NULL
  provider text NOT NULL
  status text NOT NULL
  callbacks bigint NOT NULL
  amount_fen bigint NOT NULL

-- table callback_minute_rollup
WITH (fillfactor=50)
  bucket timestamp with time zone NOT NULL
  provider text NOT NULL
  status text NOT NULL
  callbacks bigint NOT NULL
  amount_fen bigint NOT NULL

-- table carrier_poll_schedule
carrier text NOT NULL
  tracking_no text NOT NULL
  phone text
  next_poll_at timestamp with time zone NOT NULL
  last_polled_at timestamp with time zone
  failures integer NOT NULL DEFAULT 0
  active boolean NOT NULL DEFAULT true
  last_error text

-- table carrier_subscription_healing
carrier text NOT NULL
  tracking_no text NOT NULL
  push_status text NOT NULL
  message text NOT NULL
  reason text NOT NULL
  action text NOT NULL
  detail text NOT NULL
  company text
  resubscribes integer NOT NULL DEFAULT 0
  outcome text
  next_attempt_at timestamp with time zone
  last_error text
  decided_at timestamp with time zone NOT NULL
  updated_at timestamp with time zone NOT NULL

-- table carrier_updates_pending
source text NOT NULL
  id text NOT NULL
  carrier text NOT NULL
  tracking_no text NOT NULL
  occurred_at timestamp with time zone NOT NULL
  received_at timestamp with time zone NOT NULL DEFAULT now()
  payload jsonb NOT NULL

-- table dead_letters
id bigint NOT NULL DEFAULT nextval('dead_letters_id_seq'::regclass)
  received_at timestamp with time zone NOT NULL DEFAULT now()
  endpoint text NOT NULL
  source text
  reason text NOT NULL
  message text NOT NULL
  item_index integer
  raw text NOT NULL
  body bytea
  body_length bigint NOT NULL
  body_sha256 bytea NOT NULL
  truncated boolean NOT NULL DEFAULT false
  authenticated boolean NOT NULL DEFAULT false
  content_type text
  stored_bytes bigint GENERATED ALWAYS AS ((octet_length(raw) + COALESCE(octet_length(body), 0)) + octet_length(message)) STORED

-- table event_keys
source text NOT NULL
  id text NOT NULL
  occurred_at timestamp with time zone NOT NULL

-- table events
source text NOT NULL
  id text NOT NULL
  type text NOT NULL
  occurred_at timestamp with time zone NOT NULL
  received_at timestamp with time zone NOT NULL
  order_id text NOT NULL
  store_id text NOT NULL
  payload jsonb NOT NULL

-- table migrations
version integer NOT NULL
  name text NOT NULL
  applied_at timestamp with time zone NOT NULL DEFAULT now()

-- table notification_claims
receiver text NOT NULL
  group_key text NOT NULL
  content_key text NOT NULL
  claimed_at timestamp with time zone NOT NULL

-- table notification_outbox
id bigint NOT NULL DEFAULT nextval('notification_outbox_id_seq'::regclass)
  notification_id uuid NOT NULL
  receiver text NOT NULL
  channel text NOT NULL
  tier text NOT NULL
  payload jsonb NOT NULL
  status text NOT NULL DEFAULT 'pending'::text
  attempts integer NOT NULL DEFAULT 0
  next_attempt_at timestamp with time zone NOT NULL
  last_error text
  created_at timestamp with time zone NOT NULL
  delivered_at timestamp with time zone

-- table open_shipment_rollup
WITH (fillfactor=50)
  carrier text NOT NULL
  last_update_hour timestamp with time zone NOT NULL
  shipments bigint NOT NULL

-- table order_match
order_id text NOT NULL
  store_id text NOT NULL
  has_payment boolean NOT NULL
  pay_day date
  is_paid boolean NOT NULL
  paid_day date

-- table order_status_day_rollup
WITH (fillfactor=50)
  day date NOT NULL
  day_start timestamp with time zone NOT NULL
  store_id text NOT NULL
  status text NOT NULL
  orders bigint NOT NULL
  amount_fen bigint NOT NULL

-- table order_status_day_total_rollup
WITH (fillfactor=50)
  day date NOT NULL
  day_start timestamp with time zone NOT NULL
  status text NOT NULL
  orders bigint NOT NULL
  amount_fen bigint NOT NULL

-- table order_status_minute_rollup
WITH (fillfactor=50)
  bucket timestamp with time zone NOT NULL
  status text NOT NULL
  orders bigint NOT NULL
  amount_fen bigint NOT NULL

-- table order_tags
order_id text NOT NULL
  tag text NOT NULL
  rule text NOT NULL
  tagged_at timestamp with time zone NOT NULL

-- table orders
order_id text NOT NULL
  store_id text NOT NULL
  status text
  status_at timestamp with time zone
  status_rank smallint
  amount_fen bigint
  region text
  channel text
  created_at timestamp with time zone
  paid_at timestamp with time zone
  first_seen_at timestamp with time zone NOT NULL
  last_event_at timestamp with time zone NOT NULL
  updated_at timestamp with time zone NOT NULL
  amount_at timestamp with time zone
  region_at timestamp with time zone
  channel_at timestamp with time zone
  provider text
  provider_at timestamp with time zone
  partition_hash bigint NOT NULL

-- table payment_query_attempts
order_id text NOT NULL
  attempt smallint NOT NULL
  provider text NOT NULL
  started_at timestamp with time zone NOT NULL
  finished_at timestamp with time zone
  outcome text
  retry_after_ms integer

-- table payments
provider text NOT NULL
  transaction_id text NOT NULL
  status text NOT NULL
  order_id text NOT NULL
  store_id text NOT NULL
  amount_fen bigint NOT NULL
  occurred_at timestamp with time zone NOT NULL
  source text NOT NULL
  event_id text NOT NULL

-- table reconciliation_pending
id bigint NOT NULL DEFAULT nextval('reconciliation_pending_id_seq'::regclass)
  item_key text NOT NULL
  kind text NOT NULL
  provider text NOT NULL
  day date NOT NULL
  store_id text NOT NULL
  device_id text NOT NULL
  amount_fen bigint
  reason text NOT NULL
  bill jsonb
  order_evidence jsonb
  import_id bigint NOT NULL
  created_at timestamp with time zone NOT NULL
  status text NOT NULL DEFAULT 'open'::text
  resolution text
  note text
  resolved_by text
  resolved_at timestamp with time zone
  resolved_automatically boolean NOT NULL DEFAULT false
  resolution_evidence jsonb
  reason_message jsonb

-- table reconciliation_results
provider text NOT NULL
  day date NOT NULL
  store_id text NOT NULL
  device_id text NOT NULL
  import_id bigint NOT NULL
  payments integer NOT NULL
  orders integer NOT NULL
  matched integer NOT NULL
  fuzzy_matched integer NOT NULL
  unmatched_payments integer NOT NULL
  unmatched_orders integer NOT NULL
  payments_fen bigint NOT NULL
  unmatched_payments_fen bigint NOT NULL
  refunds integer NOT NULL
  refunds_fen bigint NOT NULL

-- table reconciliation_store_days
day date NOT NULL
  store_id text NOT NULL
  payments bigint NOT NULL
  orders bigint NOT NULL
  missing bigint NOT NULL
  unmatched_orders bigint NOT NULL
  device_ids text[] NOT NULL
  device_payments bigint[] NOT NULL
  device_missing bigint[] NOT NULL
  day_numbers text NOT NULL GENERATED ALWAYS AS ((((((((((day - '2000-01-01'::date))::text || ','::text) || (payments)::text) || ','::text) || (orders)::text) || ','::text) || (missing)::text) || ','::text) || (unmatched_orders)::text) STORED
  device_misses text

-- table report_settings
singleton boolean NOT NULL DEFAULT true
  time_zone text NOT NULL DEFAULT 'Asia/Shanghai'::text

-- table report_staged_order_status
WITH (autovacuum_vacuum_scale_factor=0.01)
  occurred_at timestamp with time zone[] NOT NULL
  store_id text[] NOT NULL
  status text[]
  amount_fen bigint[]
  events integer NOT NULL

-- table report_staged_paid_orders
WITH (autovacuum_vacuum_scale_factor=0.01)
  order_id text[] NOT NULL
  store_id text[] NOT NULL
  paid_at timestamp with time zone[]
  orders integer NOT NULL

-- table report_staged_payments
WITH (autovacuum_vacuum_scale_factor=0.01)
  occurred_at timestamp with time zone NOT NULL
  provider text NOT NULL
  status text NOT NULL
  amount_fen bigint
  order_id text NOT NULL
  store_id text

-- table report_staged_shipment_changes
WITH (autovacuum_vacuum_scale_factor=0.01)
  carrier text NOT NULL
  last_update_hour timestamp with time zone NOT NULL
  delta bigint NOT NULL

-- table rule_versions
seq bigint NOT NULL DEFAULT nextval('rule_versions_seq_seq'::regclass)
  version text NOT NULL
  hash text NOT NULL
  source text NOT NULL
  author text NOT NULL
  at timestamp with time zone NOT NULL
  note text
  files jsonb NOT NULL

-- table shipments
carrier text NOT NULL
  tracking_no text NOT NULL
  order_id text NOT NULL
  store_id text NOT NULL
  state text NOT NULL
  last_update_at timestamp with time zone NOT NULL
  location text
  destination_region text
  returned_count integer NOT NULL DEFAULT 0
  partition_hash bigint NOT NULL
  risk_seq bigint NOT NULL DEFAULT 1
  risk_assessed_seq bigint NOT NULL DEFAULT 0
  risk_facts jsonb
  risk_state_reason text
  risk_outside boolean NOT NULL DEFAULT false
  risk_returns integer NOT NULL DEFAULT 0
  risk_silence_from double precision
  risk_stuck_since double precision
  risk_last_at double precision

-- table silences
id text NOT NULL
  matchers jsonb NOT NULL
  starts_at timestamp with time zone NOT NULL
  ends_at timestamp with time zone NOT NULL
  comment text NOT NULL
  created_by text NOT NULL
  created_at timestamp with time zone NOT NULL
  expired_by text
  expired_at timestamp with time zone

-- table store_mismatch_day_rollup
WITH (fillfactor=50)
  day date NOT NULL
  day_start timestamp with time zone NOT NULL
  store_id text NOT NULL
  orders_paid bigint NOT NULL
  orders_with_payment bigint NOT NULL
  missing_orders bigint NOT NULL
  missing_payments bigint NOT NULL

-- constraint alerts.alerts_check
CHECK (((status = 'resolved'::text) = (resolved_at IS NOT NULL)))

-- constraint alerts.alerts_pkey
PRIMARY KEY (id)

-- constraint alerts.alerts_severity_check
CHECK ((severity = ANY (ARRAY['critical'::text, 'warning'::text, 'info'::text])))

-- constraint alerts.alerts_status_check
CHECK ((status = ANY (ARRAY['pending'::text, 'firing'::text, 'acknowledged'::text, 'resolved'::text])))

-- constraint audit_log.audit_log_pkey
PRIMARY KEY (id)

-- constraint bill_import_matches.bill_import_matches_pkey
PRIMARY KEY (import_id, transaction_id)

-- constraint bill_import_staged.bill_import_staged_pkey
PRIMARY KEY (import_id, line)

-- constraint bill_imports.bill_imports_pkey
PRIMARY KEY (id)

-- constraint bill_imports.bill_imports_provider_check
CHECK ((provider = ANY (ARRAY['wechatpay'::text, 'alipay'::text])))

-- constraint bill_imports.bill_imports_provider_file_sha256_key
UNIQUE (provider, file_sha256)

-- constraint bill_rows.bill_rows_kind_check
CHECK ((kind = ANY (ARRAY['payment'::text, 'refund'::text])))

-- constraint bill_rows.bill_rows_match_check
CHECK ((match = ANY (ARRAY['exact'::text, 'fuzzy'::text, 'unmatched'::text, 'refund'::text])))

-- constraint bill_rows.bill_rows_pkey
PRIMARY KEY (provider, transaction_id, kind, refund_no)

-- constraint callback_hour_rollup.callback_hour_rollup_pkey
PRIMARY KEY (bucket, provider, status)

-- constraint callback_minute_rollup.callback_minute_rollup_pkey
PRIMARY KEY (bucket, provider, status)

-- constraint carrier_poll_schedule.carrier_poll_schedule_pkey
PRIMARY KEY (carrier, tracking_no)

-- constraint carrier_subscription_healing.carrier_subscription_healing_pkey
PRIMARY KEY (carrier, tracking_no)

-- constraint carrier_updates_pending.carrier_updates_pending_pkey
PRIMARY KEY (source, id)

-- constraint dead_letters.dead_letters_pkey
PRIMARY KEY (id)

-- constraint event_keys.event_keys_pkey
PRIMARY KEY (source, id)

-- constraint migrations.migrations_pkey
PRIMARY KEY (version)

-- constraint notification_claims.notification_claims_pkey
PRIMARY KEY (receiver, group_key)

-- constraint notification_outbox.notification_outbox_notification_id_receiver_channel_key
UNIQUE (notification_id, receiver, channel)

-- constraint notification_outbox.notification_outbox_pkey
PRIMARY KEY (id)

-- constraint notification_outbox.notification_outbox_status_check
CHECK ((status = ANY (ARRAY['pending'::text, 'delivered'::text, 'failed'::text])))

-- constraint notification_outbox.notification_outbox_tier_check
CHECK ((tier = ANY (ARRAY['primary'::text, 'backup'::text])))

-- constraint open_shipment_rollup.open_shipment_rollup_pkey
PRIMARY KEY (carrier, last_update_hour)

-- constraint order_match.order_match_pkey
PRIMARY KEY (order_id)

-- constraint order_status_day_rollup.order_status_day_rollup_pkey
PRIMARY KEY (store_id, day, status)

-- constraint order_status_day_total_rollup.order_status_day_total_rollup_pkey
PRIMARY KEY (day, status)

-- constraint order_status_minute_rollup.order_status_minute_rollup_pkey
PRIMARY KEY (bucket, status)

-- constraint order_tags.order_tags_pkey
PRIMARY KEY (order_id, tag)

-- constraint orders.orders_pkey
PRIMARY KEY (order_id)

-- constraint payment_query_attempts.payment_query_attempts_pkey
PRIMARY KEY (order_id, attempt)

-- constraint payments.payments_pkey
PRIMARY KEY (provider, transaction_id, status)

-- constraint reconciliation_pending.reconciliation_pending_import_id_fkey
FOREIGN KEY (import_id) REFERENCES bill_imports(id)

-- constraint reconciliation_pending.reconciliation_pending_item_key_key
UNIQUE (item_key)

-- constraint reconciliation_pending.reconciliation_pending_kind_check
CHECK ((kind = ANY (ARRAY['fuzzy_match'::text, 'unmatched_payment'::text, 'unmatched_order'::text, 'amount_mismatch'::text])))

-- constraint reconciliation_pending.reconciliation_pending_pkey
PRIMARY KEY (id)

-- constraint reconciliation_pending.reconciliation_pending_resolution_check
CHECK ((resolution = ANY (ARRAY['matched'::text, 'write_off'::text, 'refund'::text, 'escalate'::text])))

-- constraint reconciliation_pending.reconciliation_pending_status_check
CHECK ((status = ANY (ARRAY['open'::text, 'escalated'::text, 'resolved'::text])))

-- constraint reconciliation_results.reconciliation_results_import_id_fkey
FOREIGN KEY (import_id) REFERENCES bill_imports(id)

-- constraint reconciliation_results.reconciliation_results_pkey
PRIMARY KEY (provider, day, store_id, device_id)

-- constraint reconciliation_store_days.reconciliation_store_days_devices
CHECK (((cardinality(device_payments) = cardinality(device_ids)) AND (cardinality(device_missing) = cardinality(device_ids))))

-- constraint reconciliation_store_days.reconciliation_store_days_pkey
PRIMARY KEY (day, store_id)

-- constraint report_settings.report_settings_pkey
PRIMARY KEY (singleton)

-- constraint report_settings.report_settings_singleton_check
CHECK (singleton)

-- constraint report_staged_order_status.report_staged_order_status_events
CHECK ((events = cardinality(occurred_at)))

-- constraint report_staged_paid_orders.report_staged_paid_orders_orders
CHECK ((orders = cardinality(order_id)))

-- constraint rule_versions.rule_versions_files_check
CHECK ((jsonb_typeof(files) = 'object'::text))

-- constraint rule_versions.rule_versions_hash_check
CHECK ((hash ~ '^[0-9a-f]{64}$'::text))

-- constraint rule_versions.rule_versions_pkey
PRIMARY KEY (seq)

-- constraint rule_versions.rule_versions_source_check
CHECK ((source = ANY (ARRAY['file'::text, 'api'::text])))

-- constraint rule_versions.rule_versions_version_key
UNIQUE (version)

-- constraint shipments.shipments_pkey
PRIMARY KEY (carrier, tracking_no)

-- constraint silences.silences_pkey
PRIMARY KEY (id)

-- constraint store_mismatch_day_rollup.store_mismatch_day_rollup_pkey
PRIMARY KEY (day, store_id)

-- index alerts_fingerprint_idx
CREATE INDEX alerts_fingerprint_idx ON :schema.alerts USING btree (fingerprint, resolved_at DESC)

-- index alerts_one_open_idx
CREATE UNIQUE INDEX alerts_one_open_idx ON :schema.alerts USING btree (rule, entity_type, entity_id) WHERE (status <> 'resolved'::text)

-- index alerts_open_group_idx
CREATE INDEX alerts_open_group_idx ON :schema.alerts USING btree (rule, store_id, started_at DESC, id DESC) WHERE (status <> 'resolved'::text)

-- index alerts_open_started_idx
CREATE INDEX alerts_open_started_idx ON :schema.alerts USING btree (started_at DESC) WHERE (status <> 'resolved'::text)

-- index alerts_order_approval_idx
CREATE INDEX alerts_order_approval_idx ON :schema.alerts USING btree (order_id, acknowledged_at DESC) WHERE (labels ? 'requires_approval'::text)

-- index alerts_order_idx
CREATE INDEX alerts_order_idx ON :schema.alerts USING btree (order_id) WHERE (order_id IS NOT NULL)

-- index alerts_pkey
CREATE UNIQUE INDEX alerts_pkey ON :schema.alerts USING btree (id)

-- index alerts_store_idx
CREATE INDEX alerts_store_idx ON :schema.alerts USING btree (store_id, started_at DESC)

-- index alerts_updated_idx
CREATE INDEX alerts_updated_idx ON :schema.alerts USING btree (updated_at DESC)

-- index audit_log_at_idx
CREATE INDEX audit_log_at_idx ON :schema.audit_log USING btree (at DESC, id DESC)

-- index audit_log_pkey
CREATE UNIQUE INDEX audit_log_pkey ON :schema.audit_log USING btree (id)

-- index bill_import_matches_pkey
CREATE UNIQUE INDEX bill_import_matches_pkey ON :schema.bill_import_matches USING btree (import_id, transaction_id)

-- index bill_import_staged_pkey
CREATE UNIQUE INDEX bill_import_staged_pkey ON :schema.bill_import_staged USING btree (import_id, line)

-- index bill_imports_pkey
CREATE UNIQUE INDEX bill_imports_pkey ON :schema.bill_imports USING btree (id)

-- index bill_imports_provider_file_sha256_key
CREATE UNIQUE INDEX bill_imports_provider_file_sha256_key ON :schema.bill_imports USING btree (provider, file_sha256)

-- index bill_rows_day_idx
CREATE INDEX bill_rows_day_idx ON :schema.bill_rows USING btree (provider, day)

-- index bill_rows_import_idx
CREATE INDEX bill_rows_import_idx ON :schema.bill_rows USING btree (import_id, line)

-- index bill_rows_matched_order_idx
CREATE INDEX bill_rows_matched_order_idx ON :schema.bill_rows USING btree (matched_order_id) WHERE (matched_order_id IS NOT NULL)

-- index bill_rows_pkey
CREATE UNIQUE INDEX bill_rows_pkey ON :schema.bill_rows USING btree (provider, transaction_id, kind, refund_no)

-- index callback_hour_rollup_pkey
CREATE UNIQUE INDEX callback_hour_rollup_pkey ON :schema.callback_hour_rollup USING btree (bucket, provider, status)

-- index callback_minute_rollup_pkey
CREATE UNIQUE INDEX callback_minute_rollup_pkey ON :schema.callback_minute_rollup USING btree (bucket, provider, status)

-- index carrier_poll_schedule_due_idx
CREATE INDEX carrier_poll_schedule_due_idx ON :schema.carrier_poll_schedule USING btree (next_poll_at) WHERE active

-- index carrier_poll_schedule_pkey
CREATE UNIQUE INDEX carrier_poll_schedule_pkey ON :schema.carrier_poll_schedule USING btree (carrier, tracking_no)

-- index carrier_subscription_healing_due_idx
CREATE INDEX carrier_subscription_healing_due_idx ON :schema.carrier_subscription_healing USING btree (next_attempt_at) WHERE (next_attempt_at IS NOT NULL)

-- index carrier_subscription_healing_pkey
CREATE UNIQUE INDEX carrier_subscription_healing_pkey ON :schema.carrier_subscription_healing USING btree (carrier, tracking_no)

-- index carrier_subscription_healing_tracking_idx
CREATE INDEX carrier_subscription_healing_tracking_idx ON :schema.carrier_subscription_healing USING btree (tracking_no)

-- index carrier_updates_pending_pkey
CREATE UNIQUE INDEX carrier_updates_pending_pkey ON :schema.carrier_updates_pending USING btree (source, id)

-- index carrier_updates_pending_waybill_idx
CREATE INDEX carrier_updates_pending_waybill_idx ON :schema.carrier_updates_pending USING btree (tracking_no)

-- index dead_letters_pkey
CREATE UNIQUE INDEX dead_letters_pkey ON :schema.dead_letters USING btree (id)

-- index dead_letters_received_idx
CREATE INDEX dead_letters_received_idx ON :schema.dead_letters USING btree (received_at, id)

-- index event_keys_pkey
CREATE UNIQUE INDEX event_keys_pkey ON :schema.event_keys USING btree (source, id)

-- index events_order_idx
CREATE INDEX events_order_idx ON :schema.events USING btree (order_id, occurred_at)

-- index events_shipment_order_idx
CREATE INDEX events_shipment_order_idx ON :schema.events USING btree (order_id) WHERE (type = 'shipment.update'::text)

-- index events_time_brin
CREATE INDEX events_time_brin ON :schema.events USING brin (occurred_at)

-- index migrations_pkey
CREATE UNIQUE INDEX migrations_pkey ON :schema.migrations USING btree (version)

-- index notification_claims_pkey
CREATE UNIQUE INDEX notification_claims_pkey ON :schema.notification_claims USING btree (receiver, group_key)

-- index notification_outbox_created_idx
CREATE INDEX notification_outbox_created_idx ON :schema.notification_outbox USING btree (created_at)

-- index notification_outbox_due_idx
CREATE INDEX notification_outbox_due_idx ON :schema.notification_outbox USING btree (next_attempt_at, id) WHERE (status = 'pending'::text)

-- index notification_outbox_notification_id_receiver_channel_key
CREATE UNIQUE INDEX notification_outbox_notification_id_receiver_channel_key ON :schema.notification_outbox USING btree (notification_id, receiver, channel)

-- index notification_outbox_pkey
CREATE UNIQUE INDEX notification_outbox_pkey ON :schema.notification_outbox USING btree (id)

-- index open_shipment_rollup_pkey
CREATE UNIQUE INDEX open_shipment_rollup_pkey ON :schema.open_shipment_rollup USING btree (carrier, last_update_hour)

-- index order_match_pkey
CREATE UNIQUE INDEX order_match_pkey ON :schema.order_match USING btree (order_id)

-- index order_status_day_rollup_pkey
CREATE UNIQUE INDEX order_status_day_rollup_pkey ON :schema.order_status_day_rollup USING btree (store_id, day, status)

-- index order_status_day_rollup_start_idx
CREATE INDEX order_status_day_rollup_start_idx ON :schema.order_status_day_rollup USING btree (day_start)

-- index order_status_day_total_rollup_pkey
CREATE UNIQUE INDEX order_status_day_total_rollup_pkey ON :schema.order_status_day_total_rollup USING btree (day, status)

-- index order_status_minute_rollup_pkey
CREATE UNIQUE INDEX order_status_minute_rollup_pkey ON :schema.order_status_minute_rollup USING btree (bucket, status)

-- index order_tags_pkey
CREATE UNIQUE INDEX order_tags_pkey ON :schema.order_tags USING btree (order_id, tag)

-- index order_tags_tag_idx
CREATE INDEX order_tags_tag_idx ON :schema.order_tags USING btree (tag, order_id)

-- index orders_created_idx
CREATE INDEX orders_created_idx ON :schema.orders USING btree (created_at)

-- index orders_last_event_idx
CREATE INDEX orders_last_event_idx ON :schema.orders USING btree (last_event_at DESC, order_id DESC)

-- index orders_open_idx
CREATE INDEX orders_open_idx ON :schema.orders USING btree (status, status_at) WHERE (status = ANY (ARRAY['created'::text, 'paid'::text, 'picking'::text, 'packed'::text, 'shipped'::text]))

-- index orders_open_partition_idx
CREATE INDEX orders_open_partition_idx ON :schema.orders USING btree (partition_hash, order_id) WHERE ((status IS NULL) OR (status = ANY (ARRAY['created'::text, 'paid'::text, 'picking'::text, 'packed'::text, 'shipped'::text])))

-- index orders_pkey
CREATE UNIQUE INDEX orders_pkey ON :schema.orders USING btree (order_id)

-- index orders_region_store_idx
CREATE INDEX orders_region_store_idx ON :schema.orders USING btree (region, store_id)

-- index orders_status_last_event_idx
CREATE INDEX orders_status_last_event_idx ON :schema.orders USING btree (status, last_event_at DESC, order_id DESC)

-- index orders_store_last_event_idx
CREATE INDEX orders_store_last_event_idx ON :schema.orders USING btree (store_id, last_event_at DESC, order_id DESC)

-- index orders_store_status_idx
CREATE INDEX orders_store_status_idx ON :schema.orders USING btree (store_id, status)

-- index payment_query_attempts_pkey
CREATE UNIQUE INDEX payment_query_attempts_pkey ON :schema.payment_query_attempts USING btree (order_id, attempt)

-- index payment_query_attempts_started_idx
CREATE INDEX payment_query_attempts_started_idx ON :schema.payment_query_attempts USING btree (started_at)

-- index payments_order_idx
CREATE INDEX payments_order_idx ON :schema.payments USING btree (order_id)

-- index payments_pkey
CREATE UNIQUE INDEX payments_pkey ON :schema.payments USING btree (provider, transaction_id, status)

-- index payments_success_order_idx
CREATE INDEX payments_success_order_idx ON :schema.payments USING btree (order_id) WHERE (status = 'success'::text)

-- index payments_time_idx
CREATE INDEX payments_time_idx ON :schema.payments USING btree (occurred_at)

-- index reconciliation_pending_day_idx
CREATE INDEX reconciliation_pending_day_idx ON :schema.reconciliation_pending USING btree (day, id DESC)

-- index reconciliation_pending_item_key_key
CREATE UNIQUE INDEX reconciliation_pending_item_key_key ON :schema.reconciliation_pending USING btree (item_key)

-- index reconciliation_pending_open_bill_order_idx
CREATE INDEX reconciliation_pending_open_bill_order_idx ON :schema.reconciliation_pending USING btree (((bill ->> 'merchant_order_no'::text))) WHERE (status = 'open'::text)

-- index reconciliation_pending_open_bill_transaction_idx
CREATE INDEX reconciliation_pending_open_bill_transaction_idx ON :schema.reconciliation_pending USING btree (((bill ->> 'transaction_id'::text))) WHERE (status = 'open'::text)

-- index reconciliation_pending_open_order_idx
CREATE INDEX reconciliation_pending_open_order_idx ON :schema.reconciliation_pending USING btree (((order_evidence ->> 'order_id'::text))) WHERE (status = 'open'::text)

-- index reconciliation_pending_pkey
CREATE UNIQUE INDEX reconciliation_pending_pkey ON :schema.reconciliation_pending USING btree (id)

-- index reconciliation_pending_status_idx
CREATE INDEX reconciliation_pending_status_idx ON :schema.reconciliation_pending USING btree (status, id DESC)

-- index reconciliation_pending_store_idx
CREATE INDEX reconciliation_pending_store_idx ON :schema.reconciliation_pending USING btree (store_id, day)

-- index reconciliation_results_day_idx
CREATE INDEX reconciliation_results_day_idx ON :schema.reconciliation_results USING btree (day) INCLUDE (store_id, device_id, payments, orders, unmatched_payments, unmatched_orders)

-- index reconciliation_results_pkey
CREATE UNIQUE INDEX reconciliation_results_pkey ON :schema.reconciliation_results USING btree (provider, day, store_id, device_id)

-- index reconciliation_results_store_day_idx
CREATE INDEX reconciliation_results_store_day_idx ON :schema.reconciliation_results USING btree (store_id, day)

-- index reconciliation_store_days_pkey
CREATE UNIQUE INDEX reconciliation_store_days_pkey ON :schema.reconciliation_store_days USING btree (day, store_id)

-- index report_settings_pkey
CREATE UNIQUE INDEX report_settings_pkey ON :schema.report_settings USING btree (singleton)

-- index rule_versions_file_idx
CREATE INDEX rule_versions_file_idx ON :schema.rule_versions USING btree (seq DESC) WHERE (source = 'file'::text)

-- index rule_versions_pkey
CREATE UNIQUE INDEX rule_versions_pkey ON :schema.rule_versions USING btree (seq)

-- index rule_versions_version_key
CREATE UNIQUE INDEX rule_versions_version_key ON :schema.rule_versions USING btree (version)

-- index shipments_last_update_idx
CREATE INDEX shipments_last_update_idx ON :schema.shipments USING btree (last_update_at)

-- index shipments_open_last_update_idx
CREATE INDEX shipments_open_last_update_idx ON :schema.shipments USING btree (last_update_at) WHERE (state <> ALL (ARRAY['delivered'::text, 'rejected'::text, 'returned'::text]))

-- index shipments_open_partition_idx
CREATE INDEX shipments_open_partition_idx ON :schema.shipments USING btree (partition_hash, carrier, tracking_no) WHERE (state <> ALL (ARRAY['delivered'::text, 'rejected'::text, 'returned'::text]))

-- index shipments_order_idx
CREATE INDEX shipments_order_idx ON :schema.shipments USING btree (order_id)

-- index shipments_pkey
CREATE UNIQUE INDEX shipments_pkey ON :schema.shipments USING btree (carrier, tracking_no)

-- index shipments_store_last_update_idx
CREATE INDEX shipments_store_last_update_idx ON :schema.shipments USING btree (store_id, last_update_at)

-- index shipments_tracking_no_idx
CREATE INDEX shipments_tracking_no_idx ON :schema.shipments USING btree (tracking_no)

-- index silences_ends_idx
CREATE INDEX silences_ends_idx ON :schema.silences USING btree (ends_at DESC)

-- index silences_pkey
CREATE UNIQUE INDEX silences_pkey ON :schema.silences USING btree (id)

-- index store_mismatch_day_rollup_pkey
CREATE UNIQUE INDEX store_mismatch_day_rollup_pkey ON :schema.store_mismatch_day_rollup USING btree (day, store_id)

-- index store_mismatch_day_rollup_start_idx
CREATE INDEX store_mismatch_day_rollup_start_idx ON :schema.store_mismatch_day_rollup USING btree (day_start)

-- view callback_rate_hourly
SELECT bucket,
    provider,
    status,
    callbacks,
    amount_fen
   FROM callback_hour_rollup;

-- view callback_rate_minutely
SELECT bucket,
    provider,
    status,
    callbacks,
    amount_fen
   FROM callback_minute_rollup;

-- view carrier_silence
SELECT carrier,
    (sum(shipments))::bigint AS open_shipments,
    (COALESCE(sum(shipments) FILTER (WHERE ((last_update_hour + '01:00:00'::interval) <= (now() - '24:00:00'::interval))), (0)::numeric))::bigint AS silent_24h,
    (COALESCE(sum(shipments) FILTER (WHERE ((last_update_hour + '01:00:00'::interval) <= (now() - '48:00:00'::interval))), (0)::numeric))::bigint AS silent_48h,
    min(last_update_hour) AS oldest_update_hour,
    (GREATEST((0)::numeric, EXTRACT(epoch FROM (now() - min(last_update_hour)))))::bigint AS max_silence_seconds
   FROM open_shipment_rollup
  WHERE (shipments > 0)
  GROUP BY carrier;

-- view order_status_daily
SELECT day,
    day_start,
    store_id,
    status,
    orders,
    amount_fen
   FROM order_status_day_rollup;

-- view order_status_daily_total
SELECT day,
    day_start,
    status,
    orders,
    amount_fen
   FROM order_status_day_total_rollup;

-- view order_status_hourly
SELECT date_bin('01:00:00'::interval, bucket, '2000-01-01 00:00:00+00'::timestamp with time zone) AS bucket,
    status,
    (sum(orders))::bigint AS orders,
    (sum(amount_fen))::bigint AS amount_fen
   FROM order_status_minutely
  GROUP BY (date_bin('01:00:00'::interval, bucket, '2000-01-01 00:00:00+00'::timestamp with time zone)), status;

-- view order_status_minutely
SELECT bucket,
    status,
    orders,
    amount_fen
   FROM order_status_minute_rollup;

-- view reconciliation_daily
SELECT day,
    store_id,
    (sum(payments))::bigint AS payments,
    (sum(orders))::bigint AS orders,
    (sum(unmatched_payments))::bigint AS unmatched_payments,
    (sum(unmatched_orders))::bigint AS unmatched_orders,
    (sum(pending))::bigint AS pending,
    reconciliation_mismatch_rate((sum(payments))::bigint, (sum(orders))::bigint, (sum(unmatched_payments))::bigint, (sum(unmatched_orders))::bigint) AS mismatch_rate
   FROM ( SELECT day,
            store_id,
            payments,
            orders,
            missing AS unmatched_payments,
            unmatched_orders,
            (0)::bigint AS pending
           FROM reconciliation_store_days
        UNION ALL
         SELECT day,
            store_id,
            0,
            0,
            0,
            0,
            1
           FROM reconciliation_pending
          WHERE (status = ANY (ARRAY['open'::text, 'escalated'::text]))) figures
  GROUP BY day, store_id;

-- view reconciliation_daily_total
SELECT day,
    (sum(payments))::bigint AS payments,
    (sum(orders))::bigint AS orders,
    (sum(unmatched_payments))::bigint AS unmatched_payments,
    (sum(unmatched_orders))::bigint AS unmatched_orders,
    (sum(pending))::bigint AS pending,
    reconciliation_mismatch_rate((sum(payments))::bigint, (sum(orders))::bigint, (sum(unmatched_payments))::bigint, (sum(unmatched_orders))::bigint) AS mismatch_rate
   FROM reconciliation_daily
  GROUP BY day;

-- view silent_shipments
SELECT carrier,
    tracking_no,
    order_id,
    store_id,
    state,
    last_update_at,
    location,
    destination_region,
    (now() - last_update_at) AS silence
   FROM shipments
  WHERE (state <> ALL (ARRAY['delivered'::text, 'rejected'::text, 'returned'::text]));

-- view store_daily_mismatch
SELECT day,
    day_start,
    store_id,
    orders_paid,
    orders_with_payment,
    missing_orders,
    missing_payments,
    (((missing_orders + missing_payments))::double precision / (NULLIF((orders_paid + missing_orders), 0))::double precision) AS mismatch_rate
   FROM store_mismatch_day_rollup
  WHERE ((orders_paid <> 0) OR (orders_with_payment <> 0));

-- sequence audit_log_id_seq
bigint start 1 increment 1 owned by audit_log.id

-- sequence bill_imports_id_seq
bigint start 1 increment 1 owned by bill_imports.id

-- sequence dead_letters_id_seq
bigint start 1 increment 1 owned by dead_letters.id

-- sequence notification_outbox_id_seq
bigint start 1 increment 1 owned by notification_outbox.id

-- sequence reconciliation_pending_id_seq
bigint start 1 increment 1 owned by reconciliation_pending.id

-- sequence rule_versions_seq_seq
bigint start 1 increment 1 owned by rule_versions.seq

-- function apply_reporting_rollups(max_rows integer)
CREATE OR REPLACE FUNCTION :schema.apply_reporting_rollups(max_rows integer)
 RETURNS bigint
 LANGUAGE plpgsql
 SET search_path TO ':schema'
AS $function$
DECLARE
  tz text := (SELECT time_zone FROM report_settings);
  n bigint;
  total bigint := 0;
  staged record;
  taken bigint := 0;
  last_tid tid;
BEGIN
  PERFORM lock_reporting_rollups();

  IF to_regclass('order_status_minute_rollup') IS NOT NULL THEN
    -- A FOR loop fetches a few rows at a time, so a backlog is read about as far as the chunk goes.
    FOR staged IN SELECT ctid AS tid, s.events FROM report_staged_order_status s LOOP
      last_tid := staged.tid;
      taken := taken + staged.events;
      EXIT WHEN taken >= max_rows;
    END LOOP;
    IF last_tid IS NOT NULL THEN
      WITH consumed AS (
        DELETE FROM report_staged_order_status
        WHERE ctid <= last_tid
        RETURNING events, occurred_at, store_id, status, amount_fen
      ), staged_events AS (
        SELECT e.occurred_at, e.store_id, e.status, e.amount_fen
        FROM consumed c, unnest(c.occurred_at, c.store_id, c.status, c.amount_fen)
          AS e(occurred_at, store_id, status, amount_fen)
      ), by_day AS (
        SELECT (occurred_at AT TIME ZONE tz)::date AS day, store_id, status,
               count(*) AS orders, coalesce(sum(amount_fen), 0) AS amount_fen
        FROM staged_events GROUP BY 1, 2, 3
      ), minute AS (
        INSERT INTO order_status_minute_rollup AS r (bucket, status, orders, amount_fen)
        SELECT date_bin(interval '1 minute', occurred_at, timestamptz '2000-01-01 00:00+00'), status,
               count(*), coalesce(sum(amount_fen), 0)
        FROM staged_events GROUP BY 1, 2 ORDER BY 1, 2
        ON CONFLICT (bucket, status) DO UPDATE
          SET orders = r.orders + excluded.orders, amount_fen = r.amount_fen + excluded.amount_fen
      ), per_store AS (
        INSERT INTO order_status_day_rollup AS r (day, day_start, store_id, status, orders, amount_fen)
        SELECT day, day::timestamp AT TIME ZONE tz, store_id, status, orders, amount_fen
        FROM by_day ORDER BY store_id, day, status
        ON CONFLICT (store_id, day, status) DO UPDATE
          SET orders = r.orders + excluded.orders, amount_fen = r.amount_fen + excluded.amount_fen
      ), all_stores AS (
        INSERT INTO order_status_day_total_rollup AS r (day, day_start, status, orders, amount_fen)
        SELECT day, day::timestamp AT TIME ZONE tz, status, sum(orders), sum(amount_fen)
        FROM by_day GROUP BY day, status ORDER BY day, status
        ON CONFLICT (day, status) DO UPDATE
          SET orders = r.orders + excluded.orders, amount_fen = r.amount_fen + excluded.amount_fen
      )
      SELECT coalesce(sum(events), 0) INTO n FROM consumed;
      total := total + n;
    END IF;
  END IF;

  WITH consumed AS (
    DELETE FROM report_staged_payments
    WHERE ctid <= (SELECT max(ctid) FROM (SELECT ctid FROM report_staged_payments LIMIT max_rows) AS chunk)
    RETURNING occurred_at, provider, status, amount_fen, order_id, store_id
  ), minute AS (
    INSERT INTO callback_minute_rollup AS r (bucket, provider, status, callbacks, amount_fen)
    SELECT date_bin(interval '1 minute', occurred_at, timestamptz '2000-01-01 00:00+00'), provider, status,
           count(*), sum(amount_fen)
    FROM consumed GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
    ON CONFLICT (bucket, provider, status) DO UPDATE
      SET callbacks = r.callbacks + excluded.callbacks, amount_fen = r.amount_fen + excluded.amount_fen
  ), hour AS (
    INSERT INTO callback_hour_rollup AS r (bucket, provider, status, callbacks, amount_fen)
    SELECT date_bin(interval '1 hour', occurred_at, timestamptz '2000-01-01 00:00+00'), provider, status,
           count(*), sum(amount_fen)
    FROM consumed GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
    ON CONFLICT (bucket, provider, status) DO UPDATE
      SET callbacks = r.callbacks + excluded.callbacks, amount_fen = r.amount_fen + excluded.amount_fen
  ), matched AS (
    INSERT INTO order_match AS m (order_id, store_id, has_payment, pay_day, is_paid, paid_day)
    SELECT p.order_id, coalesce(o.store_id, p.store_id), true, p.pay_day,
           coalesce(order_is_paid(o.status, o.paid_at), false),
           CASE WHEN order_is_paid(o.status, o.paid_at) THEN (coalesce(o.paid_at, o.status_at) AT TIME ZONE tz)::date END
    FROM (
      SELECT order_id, min(store_id) AS store_id, min((occurred_at AT TIME ZONE tz)::date) AS pay_day
      FROM consumed WHERE status = 'success' GROUP BY order_id
    ) p
    LEFT JOIN orders o ON o.order_id = p.order_id
    ORDER BY p.order_id
    ON CONFLICT (order_id) DO UPDATE SET
      has_payment = true,
      pay_day = least(m.pay_day, excluded.pay_day),
      is_paid = m.is_paid OR excluded.is_paid,
      paid_day = least(m.paid_day, excluded.paid_day)
    WHERE (m.has_payment, m.pay_day, m.is_paid, m.paid_day) IS DISTINCT FROM
          (true, least(m.pay_day, excluded.pay_day), m.is_paid OR excluded.is_paid, least(m.paid_day, excluded.paid_day))
  )
  SELECT count(*) INTO n FROM consumed;
  total := total + n;

  taken := 0;
  last_tid := NULL;
  FOR staged IN SELECT ctid AS tid, s.orders FROM report_staged_paid_orders s LOOP
    last_tid := staged.tid;
    taken := taken + staged.orders;
    EXIT WHEN taken >= max_rows;
  END LOOP;
  WITH consumed AS (
    DELETE FROM report_staged_paid_orders
    WHERE ctid <= last_tid
    RETURNING orders, order_id, store_id, paid_at
  ), staged_orders AS (
    SELECT o.order_id, o.store_id, o.paid_at
    FROM consumed c, unnest(c.order_id, c.store_id, c.paid_at) AS o(order_id, store_id, paid_at)
  ), matched AS (
    INSERT INTO order_match AS m (order_id, store_id, has_payment, pay_day, is_paid, paid_day)
    SELECT c.order_id, c.store_id, pay.pay_day IS NOT NULL, pay.pay_day, true, c.paid_day
    FROM (
      SELECT order_id, min(store_id) AS store_id, min((paid_at AT TIME ZONE tz)::date) AS paid_day
      FROM staged_orders GROUP BY order_id
    ) c
    CROSS JOIN LATERAL (
      SELECT min((p.occurred_at AT TIME ZONE tz)::date) AS pay_day
      FROM payments p WHERE p.order_id = c.order_id AND p.status = 'success'
    ) pay
    ORDER BY c.order_id
    ON CONFLICT (order_id) DO UPDATE SET
      has_payment = m.has_payment OR excluded.has_payment,
      pay_day = least(m.pay_day, excluded.pay_day),
      is_paid = true,
      paid_day = least(m.paid_day, excluded.paid_day)
    WHERE (m.has_payment, m.pay_day, m.is_paid, m.paid_day) IS DISTINCT FROM
          (m.has_payment OR excluded.has_payment, least(m.pay_day, excluded.pay_day), true,
           least(m.paid_day, excluded.paid_day))
  )
  SELECT coalesce(sum(orders), 0) INTO n FROM consumed;
  total := total + n;

  WITH consumed AS (
    DELETE FROM report_staged_shipment_changes
    WHERE ctid <= (SELECT max(ctid) FROM (SELECT ctid FROM report_staged_shipment_changes LIMIT max_rows) AS chunk)
    RETURNING carrier, last_update_hour, delta
  ), merged AS (
    INSERT INTO open_shipment_rollup AS r (carrier, last_update_hour, shipments)
    SELECT carrier, last_update_hour, sum(delta) FROM consumed
    GROUP BY 1, 2 HAVING sum(delta) <> 0 ORDER BY 1, 2
    ON CONFLICT (carrier, last_update_hour) DO UPDATE SET shipments = r.shipments + excluded.shipments
  )
  SELECT count(*) INTO n FROM consumed;
  total := total + n;
  -- a separate statement: the upsert's result is not visible to its own statement's other parts
  IF n > 0 THEN
    DELETE FROM open_shipment_rollup WHERE shipments = 0;
  END IF;
  RETURN total;
END
$function$

-- function ingest_batch(batch jsonb, received_at timestamp with time zone, statuses text[])
CREATE OR REPLACE FUNCTION :schema.ingest_batch(batch jsonb, received_at timestamp with time zone, statuses text[])
 RETURNS TABLE(source text, id text)
 LANGUAGE sql
 SET search_path TO ':schema'
AS $function$
  SELECT * FROM ingest_batch(batch, received_at, statuses, '{}'::jsonb)
$function$

-- function ingest_batch(batch jsonb, received_at timestamp with time zone, statuses text[], order_hashes jsonb)
CREATE OR REPLACE FUNCTION :schema.ingest_batch(batch jsonb, received_at timestamp with time zone, statuses text[], order_hashes jsonb)
 RETURNS TABLE(source text, id text)
 LANGUAGE plpgsql
 SET search_path TO ':schema'
AS $function$
#variable_conflict use_column
DECLARE
  fresh jsonb[];
  fresh_payments int;
  fresh_shipments int;
BEGIN
  -- Keys already stored are filtered out first, so the keys go in by a plain INSERT: with ON
  -- CONFLICT every row is a speculative insertion, which writes a confirm record of its own to the
  -- WAL (48 of ~1,000 bytes per event, BENCHMARKS.md §3). Only a commit racing this one with the
  -- same key makes the plain INSERT fail; that case runs the conflict-handling form instead.
  BEGIN
    WITH input AS (
      SELECT e->>'source' AS source, e->>'id' AS id, e->>'type' AS type,
             timestamptz 'epoch' + (e->>'occurredAt')::float8 * interval '1 millisecond' AS occurred_at,
             e->>'orderId' AS order_id, e->>'storeId' AS store_id, e AS payload
      FROM jsonb_array_elements(batch) AS e
    ), new_keys AS (
      INSERT INTO event_keys (source, id, occurred_at)
      SELECT i.source, i.id, i.occurred_at FROM input i
      WHERE (SELECT true FROM event_keys k WHERE k.source = i.source AND k.id = i.id) IS NULL
      RETURNING event_keys.source, event_keys.id
    ), stored AS (
      INSERT INTO events (source, id, type, occurred_at, received_at, order_id, store_id, payload)
      SELECT i.source, i.id, i.type, i.occurred_at, ingest_batch.received_at, i.order_id, i.store_id, i.payload
      FROM input i JOIN new_keys k ON k.source = i.source AND k.id = i.id
      RETURNING events.type, events.payload
    )
    SELECT coalesce(array_agg(s.payload), '{}'),
           count(*) FILTER (WHERE s.type = 'payment.notify'),
           count(*) FILTER (WHERE s.type = 'shipment.update')
    INTO fresh, fresh_payments, fresh_shipments
    FROM stored s;
  EXCEPTION WHEN unique_violation THEN
    WITH input AS (
      SELECT e->>'source' AS source, e->>'id' AS id, e->>'type' AS type,
             timestamptz 'epoch' + (e->>'occurredAt')::float8 * interval '1 millisecond' AS occurred_at,
             e->>'orderId' AS order_id, e->>'storeId' AS store_id, e AS payload
      FROM jsonb_array_elements(batch) AS e
    ), new_keys AS (
      INSERT INTO event_keys (source, id, occurred_at)
      SELECT i.source, i.id, i.occurred_at FROM input i
      ON CONFLICT DO NOTHING
      RETURNING event_keys.source, event_keys.id
    ), stored AS (
      INSERT INTO events (source, id, type, occurred_at, received_at, order_id, store_id, payload)
      SELECT i.source, i.id, i.type, i.occurred_at, ingest_batch.received_at, i.order_id, i.store_id, i.payload
      FROM input i JOIN new_keys k ON k.source = i.source AND k.id = i.id
      RETURNING events.type, events.payload
    )
    SELECT coalesce(array_agg(s.payload), '{}'),
           count(*) FILTER (WHERE s.type = 'payment.notify'),
           count(*) FILTER (WHERE s.type = 'shipment.update')
    INTO fresh, fresh_payments, fresh_shipments
    FROM stored s;
  END;

  IF cardinality(fresh) = 0 THEN
    RETURN;
  END IF;

  WITH e AS (
    -- Only status reports carry a rank and attributes; the other events date the order.
    SELECT e->>'orderId' AS order_id, e->>'storeId' AS store_id, e->>'status' AS status,
           timestamptz 'epoch' + (e->>'occurredAt')::float8 * interval '1 millisecond' AS at,
           CASE WHEN e->>'type' = 'order.status' THEN (array_position(statuses, e->>'status') - 1)::int2 END AS status_rank,
           CASE WHEN e->>'type' = 'order.status' THEN (e->>'amountFen')::int8 END AS amount_fen,
           CASE WHEN e->>'type' = 'order.status' THEN e->>'region' END COLLATE "C" AS region,
           CASE WHEN e->>'type' = 'order.status' THEN e->>'channel' END COLLATE "C" AS channel,
           CASE WHEN e->>'type' = 'order.status' THEN e->>'provider' END COLLATE "C" AS provider
    FROM unnest(fresh) AS e
  ), tops AS (
    SELECT e.*,
           max(status_rank) OVER by_order AS top_rank,
           max(at) FILTER (WHERE amount_fen IS NOT NULL) OVER by_order AS amount_at,
           max(at) FILTER (WHERE region IS NOT NULL) OVER by_order AS region_at,
           max(at) FILTER (WHERE channel IS NOT NULL) OVER by_order AS channel_at,
           max(at) FILTER (WHERE provider IS NOT NULL) OVER by_order AS provider_at
    FROM e
    WINDOW by_order AS (PARTITION BY order_id)
  ), folded AS (
    SELECT order_id,
           min(store_id COLLATE "C") AS store_id,
           statuses[max(status_rank) + 1] AS status,
           min(at) FILTER (WHERE status_rank = top_rank) AS status_at,
           max(status_rank) AS status_rank,
           max(amount_fen) FILTER (WHERE at = amount_at) AS amount_fen,
           max(amount_at) AS amount_at,
           max(region) FILTER (WHERE at = region_at) AS region,
           max(region_at) AS region_at,
           max(channel) FILTER (WHERE at = channel_at) AS channel,
           max(channel_at) AS channel_at,
           max(provider) FILTER (WHERE at = provider_at) AS provider,
           max(provider_at) AS provider_at,
           min(at) FILTER (WHERE status = 'created' AND status_rank IS NOT NULL) AS created_at,
           min(at) FILTER (WHERE status = 'paid' AND status_rank IS NOT NULL) AS paid_at,
           min(at) AS first_seen_at,
           max(at) AS last_event_at
    FROM tops
    GROUP BY order_id
  )
  INSERT INTO orders AS o (order_id, store_id, status, status_at, status_rank, amount_fen, amount_at, region,
                           region_at, channel, channel_at, provider, provider_at, created_at, paid_at,
                           first_seen_at, last_event_at, updated_at, partition_hash)
  SELECT f.order_id, f.store_id, f.status, f.status_at, f.status_rank, f.amount_fen, f.amount_at, f.region,
         f.region_at, f.channel, f.channel_at, f.provider, f.provider_at, f.created_at, f.paid_at,
         f.first_seen_at, f.last_event_at, ingest_batch.received_at, (order_hashes ->> f.order_id)::bigint
  FROM folded f
  ORDER BY f.order_id
  ON CONFLICT (order_id) DO UPDATE SET
    -- Each group of columns takes the batch's values only when they win; NULLs lose, except that a
    -- stored attribute without a time (a row from before attribute times) loses to any report.
    (status, status_rank, status_at) = (
      SELECT CASE WHEN further THEN excluded.status ELSE o.status END,
             CASE WHEN further THEN excluded.status_rank ELSE o.status_rank END,
             CASE WHEN further THEN excluded.status_at
                  WHEN excluded.status_rank = o.status_rank THEN LEAST(o.status_at, excluded.status_at)
                  ELSE o.status_at END
      FROM (SELECT excluded.status_rank > o.status_rank
                   OR (o.status_rank IS NULL AND excluded.status_rank IS NOT NULL) AS further) AS batch
    ),
    (amount_fen, amount_at) = (
      SELECT CASE WHEN newer THEN excluded.amount_fen ELSE o.amount_fen END,
             CASE WHEN newer THEN excluded.amount_at ELSE o.amount_at END
      FROM (SELECT excluded.amount_at IS NOT NULL AND (o.amount_at IS NULL
              OR (excluded.amount_at, excluded.amount_fen) > (o.amount_at, o.amount_fen)) AS newer) AS batch
    ),
    (region, region_at) = (
      SELECT CASE WHEN newer THEN excluded.region ELSE o.region END,
             CASE WHEN newer THEN excluded.region_at ELSE o.region_at END
      FROM (SELECT excluded.region_at IS NOT NULL AND (o.region_at IS NULL
              OR (excluded.region_at, excluded.region COLLATE "C") > (o.region_at, o.region COLLATE "C")) AS newer) AS batch
    ),
    (channel, channel_at) = (
      SELECT CASE WHEN newer THEN excluded.channel ELSE o.channel END,
             CASE WHEN newer THEN excluded.channel_at ELSE o.channel_at END
      FROM (SELECT excluded.channel_at IS NOT NULL AND (o.channel_at IS NULL
              OR (excluded.channel_at, excluded.channel COLLATE "C") > (o.channel_at, o.channel COLLATE "C")) AS newer) AS batch
    ),
    (provider, provider_at) = (
      SELECT CASE WHEN newer THEN excluded.provider ELSE o.provider END,
             CASE WHEN newer THEN excluded.provider_at ELSE o.provider_at END
      FROM (SELECT excluded.provider_at IS NOT NULL AND (o.provider_at IS NULL
              OR (excluded.provider_at, excluded.provider COLLATE "C") > (o.provider_at, o.provider COLLATE "C")) AS newer) AS batch
    ),
    created_at    = LEAST(o.created_at, excluded.created_at),
    paid_at       = LEAST(o.paid_at, excluded.paid_at),
    first_seen_at = LEAST(o.first_seen_at, excluded.first_seen_at),
    last_event_at = GREATEST(o.last_event_at, excluded.last_event_at),
    updated_at    = excluded.updated_at;
  -- A notification resent with a new id finds its row and inserts nothing.
  IF fresh_payments > 0 THEN
    INSERT INTO payments (provider, transaction_id, status, order_id, store_id, amount_fen, occurred_at, source, event_id)
    SELECT e->>'provider', e->>'transactionId', e->>'status', e->>'orderId', e->>'storeId', (e->>'amountFen')::int8,
           timestamptz 'epoch' + (e->>'occurredAt')::float8 * interval '1 millisecond', e->>'source', e->>'id'
    FROM unnest(fresh) AS e
    WHERE e->>'type' = 'payment.notify'
    ORDER BY 1, 2, 3
    ON CONFLICT DO NOTHING;
  END IF;

  -- Per waybill: state and time from the newest update, location and destination from the newest
  -- that names one, returns counted (they add up across commits), order and store from the first.
  IF fresh_shipments > 0 THEN
    WITH u AS (
      SELECT e->>'source' AS source, e->>'id' AS id, e->>'carrier' AS carrier, e->>'trackingNo' AS tracking_no,
             e->>'orderId' AS order_id, e->>'storeId' AS store_id, e->>'state' AS state,
             timestamptz 'epoch' + (e->>'occurredAt')::float8 * interval '1 millisecond' AS at,
             e->>'location' AS location, e->>'destinationRegion' AS destination_region
      FROM unnest(fresh) AS e
      WHERE e->>'type' = 'shipment.update'
    )
    INSERT INTO shipments AS s (carrier, tracking_no, order_id, store_id, state, last_update_at, location,
                                destination_region, returned_count, partition_hash)
    SELECT carrier, tracking_no,
           (array_agg(order_id ORDER BY source, id))[1],
           (array_agg(store_id ORDER BY source, id))[1],
           (array_agg(state ORDER BY at DESC, source DESC, id DESC))[1],
           max(at),
           (array_agg(location ORDER BY at DESC, source DESC, id DESC) FILTER (WHERE location IS NOT NULL))[1],
           (array_agg(destination_region ORDER BY at DESC, source DESC, id DESC)
              FILTER (WHERE destination_region IS NOT NULL))[1],
           (count(*) FILTER (WHERE state = 'returned'))::int4,
           (order_hashes ->> (array_agg(order_id ORDER BY source, id))[1])::bigint
    FROM u
    GROUP BY carrier, tracking_no
    ORDER BY carrier, tracking_no
    ON CONFLICT (carrier, tracking_no) DO UPDATE SET
      state              = CASE WHEN excluded.last_update_at >= s.last_update_at THEN excluded.state ELSE s.state END,
      location           = CASE WHEN excluded.last_update_at >= s.last_update_at
                             THEN COALESCE(excluded.location, s.location) ELSE s.location END,
      last_update_at     = GREATEST(s.last_update_at, excluded.last_update_at),
      destination_region = COALESCE(excluded.destination_region, s.destination_region),
      returned_count     = s.returned_count + excluded.returned_count;
  END IF;

  RETURN QUERY SELECT e->>'source', e->>'id' FROM unnest(fresh) AS e;
END
$function$

-- function lock_reporting_rollups()
CREATE OR REPLACE FUNCTION :schema.lock_reporting_rollups()
 RETURNS void
 LANGUAGE sql
 SET search_path TO ':schema'
AS $function$
  SELECT pg_advisory_xact_lock(hashtextextended('orderpulse.reporting_rollups:' || current_schema(), 0))
$function$

-- function order_is_paid(status text, paid_at timestamp with time zone)
CREATE OR REPLACE FUNCTION :schema.order_is_paid(status text, paid_at timestamp with time zone)
 RETURNS boolean
 LANGUAGE sql
 IMMUTABLE
AS $function$
  SELECT paid_at IS NOT NULL OR coalesce(status IN ('paid', 'picking', 'packed', 'shipped', 'delivered', 'refunded'), false)
$function$

-- function order_partition_hash(order_id text)
CREATE OR REPLACE FUNCTION :schema.order_partition_hash(order_id text)
 RETURNS bigint
 LANGUAGE plpgsql
 IMMUTABLE PARALLEL SAFE STRICT
AS $function$
DECLARE
  h  bigint := 2166136261;
  ch text;
  c  integer;
BEGIN
  FOREACH ch IN ARRAY string_to_array(order_id, NULL) LOOP
    c := ascii(ch);
    IF c > 65535 THEN
      h := ((h # (55296 + ((c - 65536) >> 10))) * 16777619) & 4294967295;
      c := 56320 + ((c - 65536) & 1023);
    END IF;
    h := ((h # c) * 16777619) & 4294967295;
  END LOOP;
  h := h # (h >> 16);
  h := (h * 51819 + (((h * 34283) & 65535) << 16)) & 4294967295;  -- × 0x85ebca6b
  h := h # (h >> 13);
  h := (h * 44597 + (((h * 49842) & 65535) << 16)) & 4294967295;  -- × 0xc2b2ae35
  h := h # (h >> 16);
  RETURN h;
END
$function$

-- function rebuild_reporting_rollups()
CREATE OR REPLACE FUNCTION :schema.rebuild_reporting_rollups()
 RETURNS void
 LANGUAGE plpgsql
 SET search_path TO ':schema'
AS $function$
DECLARE
  tz text := (SELECT time_zone FROM report_settings);
BEGIN
  PERFORM lock_reporting_rollups();
  TRUNCATE callback_minute_rollup, callback_hour_rollup, order_match, store_mismatch_day_rollup,
    open_shipment_rollup;

  IF to_regclass('order_status_minute_rollup') IS NOT NULL THEN
    TRUNCATE order_status_minute_rollup, order_status_day_rollup, order_status_day_total_rollup;
    WITH cleared AS (
      DELETE FROM report_staged_order_status
    ), minute AS (
      INSERT INTO order_status_minute_rollup (bucket, status, orders, amount_fen)
      SELECT date_bin(interval '1 minute', occurred_at, timestamptz '2000-01-01 00:00+00'), payload->>'status',
             count(*), coalesce(sum((payload->>'amountFen')::bigint), 0)
      FROM events WHERE type = 'order.status' GROUP BY 1, 2
    )
    INSERT INTO order_status_day_rollup (day, day_start, store_id, status, orders, amount_fen)
    SELECT day, day::timestamp AT TIME ZONE tz, store_id, status, orders, amount_fen
    FROM (
      SELECT (occurred_at AT TIME ZONE tz)::date AS day, store_id, payload->>'status' AS status,
             count(*) AS orders, coalesce(sum((payload->>'amountFen')::bigint), 0) AS amount_fen
      FROM events WHERE type = 'order.status' GROUP BY 1, 2, 3
    ) rebuilt;
    INSERT INTO order_status_day_total_rollup (day, day_start, status, orders, amount_fen)
    SELECT day, day_start, status, sum(orders), sum(amount_fen)
    FROM order_status_day_rollup GROUP BY 1, 2, 3;
  ELSE
    -- nothing stages order status on this path; kept empty should a branch ever change
    DELETE FROM report_staged_order_status;
  END IF;

  -- order_match reads orders and payments, callbacks read payments: one statement for all of them.
  -- Filling order_match fires its INSERT trigger, which fills the daily mismatch rollup.
  WITH cleared_payments AS (
    DELETE FROM report_staged_payments
  ), cleared_orders AS (
    DELETE FROM report_staged_paid_orders
  ), minute AS (
    INSERT INTO callback_minute_rollup (bucket, provider, status, callbacks, amount_fen)
    SELECT date_bin(interval '1 minute', occurred_at, timestamptz '2000-01-01 00:00+00'), provider, status,
           count(*), sum(amount_fen)
    FROM payments GROUP BY 1, 2, 3
  ), hour AS (
    INSERT INTO callback_hour_rollup (bucket, provider, status, callbacks, amount_fen)
    SELECT date_bin(interval '1 hour', occurred_at, timestamptz '2000-01-01 00:00+00'), provider, status,
           count(*), sum(amount_fen)
    FROM payments GROUP BY 1, 2, 3
  )
  INSERT INTO order_match (order_id, store_id, has_payment, pay_day, is_paid, paid_day)
  SELECT coalesce(o.order_id, p.order_id),
         coalesce(o.store_id, unpaid.store_id, p.store_id),
         p.order_id IS NOT NULL,
         p.pay_day,
         coalesce(order_is_paid(o.status, o.paid_at), false),
         CASE WHEN order_is_paid(o.status, o.paid_at) THEN (coalesce(o.paid_at, o.status_at) AT TIME ZONE tz)::date END
  FROM (SELECT * FROM orders WHERE order_is_paid(status, paid_at)) o
  FULL JOIN (
    SELECT order_id, min(store_id) AS store_id, min((occurred_at AT TIME ZONE tz)::date) AS pay_day
    FROM payments WHERE status = 'success' GROUP BY order_id
  ) p ON p.order_id = o.order_id
  -- a payment whose order exists but is not paid still takes the order's store
  LEFT JOIN orders unpaid ON o.order_id IS NULL AND unpaid.order_id = p.order_id;

  WITH cleared AS (
    DELETE FROM report_staged_shipment_changes
  )
  INSERT INTO open_shipment_rollup (carrier, last_update_hour, shipments)
  SELECT carrier, date_bin(interval '1 hour', last_update_at, timestamptz '2000-01-01 00:00+00'), count(*)
  FROM shipments WHERE shipment_is_open(state) GROUP BY 1, 2;
END
$function$

-- function reconciliation_mismatch_rate(payments bigint, orders bigint, unmatched_payments bigint, unmatched_orders bigint)
CREATE OR REPLACE FUNCTION :schema.reconciliation_mismatch_rate(payments bigint, orders bigint, unmatched_payments bigint, unmatched_orders bigint)
 RETURNS double precision
 LANGUAGE sql
 IMMUTABLE
AS $function$
  SELECT CASE WHEN payments = 0 AND orders = 0 THEN NULL
              ELSE greatest(coalesce(unmatched_payments::double precision / nullif(payments, 0), 0),
                            coalesce(unmatched_orders::double precision / nullif(orders, 0), 0)) END
$function$

-- function reconciliation_results_changed()
CREATE OR REPLACE FUNCTION :schema.reconciliation_results_changed()
 RETURNS trigger
 LANGUAGE plpgsql
 SET search_path TO ':schema'
AS $function$
DECLARE
  days date[];
  stores text[];
BEGIN
  IF TG_OP = 'INSERT' THEN
    SELECT array_agg(day), array_agg(store_id) INTO days, stores
    FROM (SELECT DISTINCT day, store_id FROM new_rows) p;
  ELSIF TG_OP = 'DELETE' THEN
    SELECT array_agg(day), array_agg(store_id) INTO days, stores
    FROM (SELECT DISTINCT day, store_id FROM old_rows) p;
  ELSE
    -- an update can move a row to another day or store: both pairs change
    SELECT array_agg(day), array_agg(store_id) INTO days, stores
    FROM (SELECT day, store_id FROM old_rows UNION SELECT day, store_id FROM new_rows) p;
  END IF;
  IF days IS NOT NULL THEN
    PERFORM refresh_reconciliation_store_days(days, stores);
  END IF;
  RETURN NULL;
END
$function$

-- function reconciliation_results_truncated()
CREATE OR REPLACE FUNCTION :schema.reconciliation_results_truncated()
 RETURNS trigger
 LANGUAGE plpgsql
 SET search_path TO ':schema'
AS $function$
BEGIN
  DELETE FROM reconciliation_store_days;
  RETURN NULL;
END
$function$

-- function refresh_reconciliation_store_days(days date[], stores text[])
CREATE OR REPLACE FUNCTION :schema.refresh_reconciliation_store_days(days date[], stores text[])
 RETURNS void
 LANGUAGE plpgsql
 SET search_path TO ':schema'
AS $function$
DECLARE
  day_list date[] := ARRAY(SELECT DISTINCT x FROM unnest(days) AS x ORDER BY x);
  d date;
  gone_days date[];
  gone_stores text[];
BEGIN
  FOREACH d IN ARRAY day_list LOOP
    PERFORM pg_advisory_xact_lock(hashtext('orderpulse.reconciliation_store_days:' || current_schema()),
                                  d - date '2000-01-01');
  END LOOP;

  WITH affected AS (
    SELECT DISTINCT a.day, a.store_id FROM unnest(days, stores) AS a(day, store_id)
  ), per_device AS (
    -- the touched days by their index (the day list without repeats: each row of a day is compared
    -- with every element), then the affected stores of those days
    SELECT r.day, r.store_id, r.device_id, sum(r.payments) AS payments, sum(r.orders) AS orders,
           sum(r.unmatched_payments) AS missing, sum(r.unmatched_orders) AS unmatched_orders
    FROM reconciliation_results r
    WHERE r.day = ANY(day_list) AND (r.day, r.store_id) IN (SELECT day, store_id FROM affected)
    GROUP BY r.day, r.store_id, r.device_id
  ), per_store AS (
    SELECT day, store_id, sum(payments) AS payments, sum(orders) AS orders, sum(missing) AS missing,
           sum(unmatched_orders) AS unmatched_orders,
           array_agg(device_id ORDER BY device_id) AS device_ids,
           array_agg(payments ORDER BY device_id) AS device_payments,
           array_agg(missing ORDER BY device_id) AS device_missing,
           string_agg(concat_ws(',', to_json(device_id)::text, missing, payments), ',' ORDER BY device_id)
             FILTER (WHERE missing <> 0) AS device_misses
    FROM per_device GROUP BY day, store_id
  ), kept AS (
    INSERT INTO reconciliation_store_days AS s (day, store_id, payments, orders, missing, unmatched_orders,
                                                device_ids, device_payments, device_missing, device_misses)
    SELECT day, store_id, payments, orders, missing, unmatched_orders, device_ids, device_payments, device_missing,
           device_misses
    FROM per_store
    ORDER BY day, store_id
    ON CONFLICT (day, store_id) DO UPDATE SET
      payments = excluded.payments,
      orders = excluded.orders,
      missing = excluded.missing,
      unmatched_orders = excluded.unmatched_orders,
      device_ids = excluded.device_ids,
      device_payments = excluded.device_payments,
      device_missing = excluded.device_missing,
      device_misses = excluded.device_misses
    RETURNING s.day, s.store_id
  )
  SELECT array_agg(a.day), array_agg(a.store_id) INTO gone_days, gone_stores
  FROM affected a
  WHERE NOT EXISTS (SELECT 1 FROM kept k WHERE k.day = a.day AND k.store_id = a.store_id);

  -- store-days left without results (rarely any: looked up by key only when there are)
  IF gone_days IS NOT NULL THEN
    DELETE FROM reconciliation_store_days s USING unnest(gone_days, gone_stores) AS g(day, store_id)
    WHERE s.day = g.day AND s.store_id = g.store_id;
  END IF;
END
$function$

-- function report_bucket_width(range_from timestamp with time zone, range_to timestamp with time zone, max_points integer)
CREATE OR REPLACE FUNCTION :schema.report_bucket_width(range_from timestamp with time zone, range_to timestamp with time zone, max_points integer DEFAULT 1500)
 RETURNS interval
 LANGUAGE sql
 IMMUTABLE
AS $function$
  SELECT coalesce(
    (SELECT w FROM unnest(ARRAY[interval '1 minute', interval '5 minutes', interval '15 minutes', interval '1 hour',
                                interval '6 hours', interval '1 day']) w
     WHERE extract(epoch FROM range_to - range_from) / extract(epoch FROM w) <= max_points
     ORDER BY w LIMIT 1),
    interval '1 day')
$function$

-- function rollup_order_match()
CREATE OR REPLACE FUNCTION :schema.rollup_order_match()
 RETURNS trigger
 LANGUAGE plpgsql
 SET search_path TO ':schema'
AS $function$
DECLARE
  tz text := (SELECT time_zone FROM report_settings);
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO store_mismatch_day_rollup AS r
      (day, day_start, store_id, orders_paid, orders_with_payment, missing_orders, missing_payments)
    SELECT day, day::timestamp AT TIME ZONE tz, store_id, sum(paid), sum(with_payment), sum(missing_order),
           sum(missing_payment)
    FROM (
      SELECT pay_day AS day, store_id, 0 AS paid, 1 AS with_payment, (NOT is_paid)::int AS missing_order,
             0 AS missing_payment
      FROM new_rows WHERE has_payment
      UNION ALL
      SELECT paid_day, store_id, 1, 0, 0, (NOT has_payment)::int FROM new_rows WHERE is_paid
    ) contribution
    GROUP BY day, store_id ORDER BY day, store_id
    ON CONFLICT (day, store_id) DO UPDATE SET
      orders_paid = r.orders_paid + excluded.orders_paid,
      orders_with_payment = r.orders_with_payment + excluded.orders_with_payment,
      missing_orders = r.missing_orders + excluded.missing_orders,
      missing_payments = r.missing_payments + excluded.missing_payments;
  ELSE
    INSERT INTO store_mismatch_day_rollup AS r
      (day, day_start, store_id, orders_paid, orders_with_payment, missing_orders, missing_payments)
    SELECT day, day::timestamp AT TIME ZONE tz, store_id, sum(paid), sum(with_payment), sum(missing_order),
           sum(missing_payment)
    FROM (
      SELECT pay_day AS day, store_id, 0 AS paid, 1 AS with_payment, (NOT is_paid)::int AS missing_order,
             0 AS missing_payment
      FROM new_rows WHERE has_payment
      UNION ALL
      SELECT paid_day, store_id, 1, 0, 0, (NOT has_payment)::int FROM new_rows WHERE is_paid
      UNION ALL
      SELECT pay_day, store_id, 0, -1, -(NOT is_paid)::int, 0 FROM old_rows WHERE has_payment
      UNION ALL
      SELECT paid_day, store_id, -1, 0, 0, -(NOT has_payment)::int FROM old_rows WHERE is_paid
    ) contribution
    GROUP BY day, store_id ORDER BY day, store_id
    ON CONFLICT (day, store_id) DO UPDATE SET
      orders_paid = r.orders_paid + excluded.orders_paid,
      orders_with_payment = r.orders_with_payment + excluded.orders_with_payment,
      missing_orders = r.missing_orders + excluded.missing_orders,
      missing_payments = r.missing_payments + excluded.missing_payments;
  END IF;
  RETURN NULL;
END
$function$

-- function rule_versions_immutable()
CREATE OR REPLACE FUNCTION :schema.rule_versions_immutable()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
BEGIN
  RAISE EXCEPTION 'rule versions are immutable';
END;
$function$

-- function set_partition_hash()
CREATE OR REPLACE FUNCTION :schema.set_partition_hash()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
BEGIN
  IF NEW.partition_hash IS NULL THEN
    NEW.partition_hash := order_partition_hash(NEW.order_id);
  END IF;
  RETURN NEW;
END
$function$

-- function set_report_time_zone(zone text)
CREATE OR REPLACE FUNCTION :schema.set_report_time_zone(zone text)
 RETURNS void
 LANGUAGE plpgsql
 SET search_path TO ':schema'
AS $function$
BEGIN
  -- refuses an unknown zone before anything changes
  PERFORM now() AT TIME ZONE zone;
  IF zone IS DISTINCT FROM (SELECT time_zone FROM report_settings) THEN
    UPDATE report_settings SET time_zone = zone;
    PERFORM rebuild_reporting_rollups();
  END IF;
END
$function$

-- function shipment_is_open(state text)
CREATE OR REPLACE FUNCTION :schema.shipment_is_open(state text)
 RETURNS boolean
 LANGUAGE sql
 IMMUTABLE
AS $function$
  SELECT state NOT IN ('delivered', 'rejected', 'returned')
$function$

-- function shipment_risk_outdated()
CREATE OR REPLACE FUNCTION :schema.shipment_risk_outdated()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
BEGIN
  NEW.risk_seq := OLD.risk_seq + 1;
  RETURN NEW;
END
$function$

-- function stage_order_status_events()
CREATE OR REPLACE FUNCTION :schema.stage_order_status_events()
 RETURNS trigger
 LANGUAGE plpgsql
 SET search_path TO ':schema'
AS $function$
BEGIN
  -- A statement without status reports stages nothing (HAVING on an aggregate without GROUP BY).
  INSERT INTO report_staged_order_status (events, occurred_at, store_id, status, amount_fen)
  SELECT count(*), array_agg(occurred_at), array_agg(store_id), array_agg(payload->>'status'),
         array_agg((payload->>'amountFen')::bigint)
  FROM new_events WHERE type = 'order.status'
  HAVING count(*) > 0;
  RETURN NULL;
END
$function$

-- function stage_paid_orders()
CREATE OR REPLACE FUNCTION :schema.stage_paid_orders()
 RETURNS trigger
 LANGUAGE plpgsql
 SET search_path TO ':schema'
AS $function$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO report_staged_paid_orders (orders, order_id, store_id, paid_at)
    SELECT count(*), array_agg(n.order_id), array_agg(n.store_id), array_agg(coalesce(n.paid_at, n.status_at))
    FROM new_orders n WHERE order_is_paid(n.status, n.paid_at)
    HAVING count(*) > 0;
  ELSE
    INSERT INTO report_staged_paid_orders (orders, order_id, store_id, paid_at)
    SELECT count(*), array_agg(n.order_id), array_agg(n.store_id), array_agg(coalesce(n.paid_at, n.status_at))
    FROM new_orders n JOIN old_orders o USING (order_id)
    WHERE order_is_paid(n.status, n.paid_at)
      AND (NOT order_is_paid(o.status, o.paid_at) OR n.paid_at IS DISTINCT FROM o.paid_at)
    HAVING count(*) > 0;
  END IF;
  RETURN NULL;
END
$function$

-- function stage_payments()
CREATE OR REPLACE FUNCTION :schema.stage_payments()
 RETURNS trigger
 LANGUAGE plpgsql
 SET search_path TO ':schema'
AS $function$
BEGIN
  INSERT INTO report_staged_payments (occurred_at, provider, status, amount_fen, order_id, store_id)
  SELECT occurred_at, provider, status, amount_fen, order_id, store_id FROM new_payments;
  RETURN NULL;
END
$function$

-- function stage_shipment_changes()
CREATE OR REPLACE FUNCTION :schema.stage_shipment_changes()
 RETURNS trigger
 LANGUAGE plpgsql
 SET search_path TO ':schema'
AS $function$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO report_staged_shipment_changes (carrier, last_update_hour, delta)
    SELECT carrier, date_bin(interval '1 hour', last_update_at, timestamptz '2000-01-01 00:00+00'), count(*)
    FROM new_shipments WHERE shipment_is_open(state)
    GROUP BY 1, 2;
  ELSE
    INSERT INTO report_staged_shipment_changes (carrier, last_update_hour, delta)
    SELECT carrier, hour, sum(delta)
    FROM (
      SELECT carrier, date_bin(interval '1 hour', last_update_at, timestamptz '2000-01-01 00:00+00') AS hour,
             1 AS delta
      FROM new_shipments WHERE shipment_is_open(state)
      UNION ALL
      SELECT carrier, date_bin(interval '1 hour', last_update_at, timestamptz '2000-01-01 00:00+00'), -1
      FROM old_shipments WHERE shipment_is_open(state)
    ) change
    GROUP BY 1, 2 HAVING sum(delta) <> 0;
  END IF;
  RETURN NULL;
END
$function$

-- trigger events.events_stage_reporting
CREATE TRIGGER events_stage_reporting AFTER INSERT ON :schema.events REFERENCING NEW TABLE AS new_events FOR EACH STATEMENT EXECUTE FUNCTION stage_order_status_events()

-- trigger order_match.order_match_rollup_insert
CREATE TRIGGER order_match_rollup_insert AFTER INSERT ON :schema.order_match REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION rollup_order_match()

-- trigger order_match.order_match_rollup_update
CREATE TRIGGER order_match_rollup_update AFTER UPDATE ON :schema.order_match REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION rollup_order_match()

-- trigger orders.orders_partition_hash
CREATE TRIGGER orders_partition_hash BEFORE INSERT ON :schema.orders FOR EACH ROW WHEN ((new.partition_hash IS NULL)) EXECUTE FUNCTION set_partition_hash()

-- trigger orders.orders_stage_reporting_insert
CREATE TRIGGER orders_stage_reporting_insert AFTER INSERT ON :schema.orders REFERENCING NEW TABLE AS new_orders FOR EACH STATEMENT EXECUTE FUNCTION stage_paid_orders()

-- trigger orders.orders_stage_reporting_update
CREATE TRIGGER orders_stage_reporting_update AFTER UPDATE ON :schema.orders REFERENCING OLD TABLE AS old_orders NEW TABLE AS new_orders FOR EACH STATEMENT EXECUTE FUNCTION stage_paid_orders()

-- trigger payments.payments_stage_reporting
CREATE TRIGGER payments_stage_reporting AFTER INSERT ON :schema.payments REFERENCING NEW TABLE AS new_payments FOR EACH STATEMENT EXECUTE FUNCTION stage_payments()

-- trigger reconciliation_results.reconciliation_results_store_days_delete
CREATE TRIGGER reconciliation_results_store_days_delete AFTER DELETE ON :schema.reconciliation_results REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION reconciliation_results_changed()

-- trigger reconciliation_results.reconciliation_results_store_days_insert
CREATE TRIGGER reconciliation_results_store_days_insert AFTER INSERT ON :schema.reconciliation_results REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION reconciliation_results_changed()

-- trigger reconciliation_results.reconciliation_results_store_days_truncate
CREATE TRIGGER reconciliation_results_store_days_truncate AFTER TRUNCATE ON :schema.reconciliation_results FOR EACH STATEMENT EXECUTE FUNCTION reconciliation_results_truncated()

-- trigger reconciliation_results.reconciliation_results_store_days_update
CREATE TRIGGER reconciliation_results_store_days_update AFTER UPDATE ON :schema.reconciliation_results REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION reconciliation_results_changed()

-- trigger rule_versions.rule_versions_immutable
CREATE TRIGGER rule_versions_immutable BEFORE DELETE OR UPDATE ON :schema.rule_versions FOR EACH ROW EXECUTE FUNCTION rule_versions_immutable()

-- trigger shipments.shipments_partition_hash
CREATE TRIGGER shipments_partition_hash BEFORE INSERT ON :schema.shipments FOR EACH ROW WHEN ((new.partition_hash IS NULL)) EXECUTE FUNCTION set_partition_hash()

-- trigger shipments.shipments_risk_outdated
CREATE TRIGGER shipments_risk_outdated BEFORE UPDATE OF state, last_update_at, location, destination_region, returned_count, order_id ON :schema.shipments FOR EACH ROW EXECUTE FUNCTION shipment_risk_outdated()

-- trigger shipments.shipments_stage_reporting_insert
CREATE TRIGGER shipments_stage_reporting_insert AFTER INSERT ON :schema.shipments REFERENCING NEW TABLE AS new_shipments FOR EACH STATEMENT EXECUTE FUNCTION stage_shipment_changes()

-- trigger shipments.shipments_stage_reporting_update
CREATE TRIGGER shipments_stage_reporting_update AFTER UPDATE ON :schema.shipments REFERENCING OLD TABLE AS old_shipments NEW TABLE AS new_shipments FOR EACH STATEMENT EXECUTE FUNCTION stage_shipment_changes()

-- comment callback_rate_hourly
payment.notify per hour (event time) by provider and status.

-- comment callback_rate_minutely
payment.notify per minute (event time) by provider and status; amount_fen is the sum notified.

-- comment carrier_silence
Per carrier: open shipments, how many have had no update for 24 h / 48 h (to the hour), the oldest last-update hour.

-- comment order_status_daily
order.status events per local day (report_settings.time_zone) by store and status; day_start is the day's first instant.

-- comment order_status_daily_total
order_status_daily summed over all stores.

-- comment order_status_hourly
order.status events per hour (event time) by status, all stores.

-- comment order_status_minutely
order.status events per minute (event time) by status, all stores; amount_fen sums the events' amounts.

-- comment reconciliation_daily
Bill reconciliation per local day and store: payments, orders, unmatched_payments, unmatched_orders, pending (pool items waiting), mismatch_rate (the rule's share).

-- comment reconciliation_daily_total
reconciliation_daily summed over all stores, rated the same way.

-- comment report_bucket_width(range_from timestamp with time zone, range_
Bucket width for a time series panel over [range_from, range_to]: 1 min, 5 min, 15 min, 1 h, 6 h or 1 day, the smallest giving at most max_points buckets.

-- comment silent_shipments
Open shipments with their time since the last carrier update; filter on silence and ORDER BY last_update_at.

-- comment store_daily_mismatch
Per store and local day: orders paid, orders with a successful payment.notify, missing_orders (paid for, never reached paid), missing_payments (paid, no payment.notify), mismatch_rate.
