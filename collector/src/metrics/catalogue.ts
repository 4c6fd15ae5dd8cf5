// Every metric name the collector exports besides prom-client's default process metrics (which get
// the same `orderpulse_` prefix). Prometheus rules, Grafana dashboards and tests refer to these
// names; renaming one breaks someone's alerting, so treat this list as part of the contract.

export const METRIC_PREFIX = 'orderpulse_';

export const METRIC_NAMES = {
  ingestEvents: 'orderpulse_ingest_events_total',
  ingestAckSeconds: 'orderpulse_ingest_ack_seconds',
  commitBatchEvents: 'orderpulse_store_commit_batch_events',
  commitSeconds: 'orderpulse_store_commit_seconds',
  alertsOpen: 'orderpulse_alerts_open',
  alertsOpenByStore: 'orderpulse_alerts_open_by_store',
  orders: 'orderpulse_orders',
  orderTransitions: 'orderpulse_order_transitions_total',
  ordersCreatedLastMinute: 'orderpulse_orders_created_last_minute',
  ordersCreatedHourAverage: 'orderpulse_orders_created_per_minute_hour_average',
  stalledOrders: 'orderpulse_stalled_orders',
  stalledOrdersByStore: 'orderpulse_stalled_orders_by_store',
  paymentCallbacks: 'orderpulse_payment_callbacks_total',
  callbackLastHeardTimestamp: 'orderpulse_payment_callback_last_heard_timestamp_seconds',
  callbackLastHeardAge: 'orderpulse_payment_callback_last_heard_age_seconds',
  carrierUpdates: 'orderpulse_carrier_updates_total',
  carrierUpdateAgeSeconds: 'orderpulse_carrier_update_age_seconds',
  reconciliationMismatch: 'orderpulse_reconciliation_mismatch_ratio',
  ruleEvaluationSeconds: 'orderpulse_rule_evaluation_seconds',
  liveClients: 'orderpulse_live_clients',
  notificationDeliveries: 'orderpulse_notification_deliveries_total',
  notificationOutboxPending: 'orderpulse_notification_outbox_pending',
  deadLetters: 'orderpulse_dead_letters_total',
  deadLetterBytes: 'orderpulse_dead_letter_bytes',
  labelOverflow: 'orderpulse_metric_label_overflow_total',
  buildInfo: 'orderpulse_build_info',
  smsSuppressed: 'orderpulse_notification_sms_suppressed_total',
  internalErrors: 'orderpulse_internal_errors_total',
  providerQueries: 'orderpulse_provider_queries_total',
  orderSystemWebhooks: 'orderpulse_order_system_webhooks_total',
  paymentsRecovered: 'orderpulse_payments_recovered_total',
  recoveredPayments: 'orderpulse_recovered_payments',
  carrierSubscriptionEnds: 'orderpulse_carrier_subscription_ends_total',
  carrierResubscriptions: 'orderpulse_carrier_resubscriptions_total',
  reconciliationAutoResolved: 'orderpulse_reconciliation_auto_resolved_total',
  wechatpayPlatformCertExpiry: 'orderpulse_wechatpay_platform_cert_expiry_seconds',
  wechatpayPlatformCertExpiryTimestamp: 'orderpulse_wechatpay_platform_cert_expiry_timestamp_seconds',
} as const;

export type MetricName = (typeof METRIC_NAMES)[keyof typeof METRIC_NAMES];

/** Names as they appear in the text exposition: histograms expand into `_bucket`, `_sum` and `_count`. */
export const HISTOGRAM_METRIC_NAMES: readonly MetricName[] = [
  METRIC_NAMES.ingestAckSeconds,
  METRIC_NAMES.commitBatchEvents,
  METRIC_NAMES.commitSeconds,
  METRIC_NAMES.carrierUpdateAgeSeconds,
  METRIC_NAMES.ruleEvaluationSeconds,
];
