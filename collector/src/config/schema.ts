// Every environment variable the collector reads, in one TypeBox schema: its type, its default and
// the sentence a wrong value earns. The README's configuration table lists exactly these names
// (a test compares them), so a variable is documented the day it is added.
import { type TSchema, Type } from '@sinclair/typebox';
import { DEFAULT_MAX_CLOCK_SKEW_MS } from '../ingest/event-time.ts';
import { formatDuration } from '../rules-config/duration.ts';
// Registers the formats named below, so whoever checks a value against this schema has them.
import './formats.ts';
import type { EnvFormat } from './formats.ts';

/** `{name}` and `{value}` in a variable's `errorMessage` are replaced by its name and raw text. */
interface EnvOptions {
  description: string;
  errorMessage?: string;
}

const integer = (minimum: number, maximum: number, fallback: number, description: string) =>
  Type.Integer({
    minimum,
    maximum,
    default: fallback,
    description,
    errorMessage: `{name} must be an integer from ${minimum} to ${maximum}, got "{value}"`,
  });

const text = (options: EnvOptions & { default?: string; pattern?: string }) => Type.String(options);

const formatted = (format: EnvFormat, options: EnvOptions & { default?: string }) =>
  Type.String({ format, ...options });

const rateLimit = (fallback: string, description: string) =>
  formatted('rate-limit', {
    default: fallback,
    description,
    errorMessage: '{name}: "{value}" is not a rate limit; write requests/duration such as "30/1m", or "off"',
  });

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

// Far above what honest callers send (the ingest benchmarks post 10k events/s from one token as
// 200 requests/s; the demo replays an hour of payment callbacks from one address as fast as it
// can), so only floods and token guessing meet them.
export const DEFAULT_RATE_LIMITS = {
  authFailures: '30/1m',
  callbacks: '1000/1s',
  ingest: '1000/1s',
} as const;

const tokens = (description: string) => text({ description });

export const ENV_SCHEMA = Type.Object({
  PORT: integer(0, 65535, 8080, 'where the collector and dashboard listen'),
  HOST: text({ default: '0.0.0.0', description: 'address the server binds' }),
  DATABASE_URL: Type.Optional(
    text({
      pattern: '^postgres(ql)?://',
      description: 'PostgreSQL/TimescaleDB; unset: the embedded store',
      errorMessage: '{name} must be a postgres:// or postgresql:// URL',
    }),
  ),
  LOG_LEVEL: Type.Union(
    LOG_LEVELS.map((level) => Type.Literal(level)),
    {
      default: 'info',
      description: 'pino log level',
      errorMessage: `{name} must be one of ${LOG_LEVELS.join(', ')}`,
    },
  ),
  ORDERPULSE_DATA_DIR: text({ default: 'data', description: 'embedded store and generated tokens' }),
  ORDERPULSE_DB_SCHEMA: text({
    default: 'orderpulse',
    pattern: '^[a-z_][a-z0-9_]{0,62}$',
    description: 'schema holding every table (search_path)',
    errorMessage: '{name} must be a lower-case SQL identifier',
  }),
  ORDERPULSE_TZ: formatted('time-zone', {
    default: 'Asia/Shanghai',
    description: 'time zone of daily figures',
    errorMessage: '{name} "{value}" is not an IANA time zone',
  }),
  ORDERPULSE_INGEST_TOKENS: Type.Optional(
    tokens('ingest secrets, each optionally name=secret (the name is the source)'),
  ),
  ORDERPULSE_VIEWER_TOKENS: Type.Optional(tokens('viewer secrets')),
  ORDERPULSE_OPERATOR_TOKENS: Type.Optional(tokens('operator secrets')),
  ORDERPULSE_ADMIN_TOKENS: Type.Optional(tokens('admin secrets (operator, and may change rules)')),
  ORDERPULSE_TOKENS_FILE: Type.Optional(
    text({ description: 'YAML file of named, optionally scoped and expiring tokens; re-read on change' }),
  ),
  ORDERPULSE_INGEST_QUEUE_LIMIT: integer(1, 10_000_000, 200_000, 'events waiting for commit before 503'),
  ORDERPULSE_GROUP_COMMIT_MAX: integer(1, 100_000, 10_000, 'largest group commit, in events'),
  ORDERPULSE_MAX_CLOCK_SKEW: formatted('duration', {
    default: formatDuration(DEFAULT_MAX_CLOCK_SKEW_MS),
    description: 'how far ahead of the server clock an event time may lie',
    errorMessage: '{name} must be a duration such as "90s" or "5m", got "{value}"',
  }),
  ORDERPULSE_RULES_DIR: text({ default: 'alert-rules', description: 'rules, routes and calendars' }),
  ORDERPULSE_DASHBOARD_DIR: text({ default: 'dashboard/dist', description: 'the built dashboard' }),
  ORDERPULSE_RECONCILE_AT: formatted('daily-time-or-off', {
    default: '02:00',
    description: 'local time of the daily reconciliation, or off',
    errorMessage: '{name} must be HH:MM or off, got "{value}"',
  }),
  ORDERPULSE_BILLS_DIR: Type.Optional(text({ description: 'folder watched for daily bill drops' })),
  ORDERPULSE_BILL_MAX_BYTES: integer(
    1024 * 1024,
    64 * 1024 * 1024 * 1024,
    256 * 1024 * 1024,
    'largest bill accepted, after decompression',
  ),
  ORDERPULSE_PUBLIC_URL: Type.Optional(
    text({ description: 'base of dashboard links; default http://localhost:PORT' }),
  ),
  ORDERPULSE_STORE_LABEL_CAP: integer(1, 1000, 50, 'stores with their own Prometheus series'),
  ORDERPULSE_DEAD_LETTER_RETENTION: formatted('duration-1m', {
    default: '7d',
    description: 'age past which dead letters are deleted',
    errorMessage: '{name} must be a duration of at least 1m (e.g. "7d"), got "{value}"',
  }),
  ORDERPULSE_DEAD_LETTER_MAX_BYTES: integer(
    1024 * 1024,
    2 ** 50,
    256 * 1024 * 1024,
    'total dead-letter size',
  ),
  ORDERPULSE_NOTIFICATION_RETENTION: formatted('duration-1d', {
    default: '30d',
    description: 'age past which delivered and given-up notification outbox rows are deleted',
    errorMessage: '{name} must be a duration of at least 1d (e.g. "30d"), got "{value}"',
  }),
  ORDERPULSE_WECHATPAY_APIV3_KEY: Type.Optional(
    formatted('bytes-32', {
      description: 'WeChat Pay API v3 key, decrypting notifies',
      errorMessage: '{name} must be 32 bytes',
    }),
  ),
  ORDERPULSE_WECHATPAY_PLATFORM_PUBLIC_KEY: Type.Optional(
    text({ description: 'path of the WeChat Pay platform public key' }),
  ),
  ORDERPULSE_ALIPAY_PUBLIC_KEY: Type.Optional(text({ description: 'path of the Alipay public key' })),
  ORDERPULSE_ALIPAY_APP_ID: Type.Optional(text({ description: 'our Alipay app id' })),
  ORDERPULSE_ALIPAY_SELLER_ID: Type.Optional(text({ description: 'our Alipay seller id' })),
  ORDERPULSE_ALIPAY_ALLOW_RSA1: Type.Union([Type.Literal('true'), Type.Literal('false')], {
    default: 'false',
    description: 'accept SHA-1 signed Alipay notifies',
    errorMessage: '{name} must be true or false, got "{value}"',
  }),
  ORDERPULSE_WECHATPAY_MCHID: Type.Optional(text({ description: 'our WeChat Pay merchant id (mchid)' })),
  ORDERPULSE_WECHATPAY_MERCHANT_KEY: Type.Optional(
    text({ description: 'path of the WeChat Pay merchant API private key (PEM)' }),
  ),
  ORDERPULSE_WECHATPAY_MERCHANT_SERIAL: Type.Optional(
    text({ description: 'serial of the WeChat Pay merchant API certificate' }),
  ),
  ORDERPULSE_WECHATPAY_API_BASE: text({
    default: 'https://api.mch.weixin.qq.com',
    pattern: '^https?://',
    description: 'WeChat Pay API v3 host asked about orders',
    errorMessage: '{name} must be an http(s) URL',
  }),
  ORDERPULSE_ALIPAY_APP_PRIVATE_KEY: Type.Optional(
    text({ description: 'path of our Alipay app private key (PEM)' }),
  ),
  ORDERPULSE_ALIPAY_GATEWAY: text({
    default: 'https://openapi.alipay.com/gateway.do',
    pattern: '^https?://',
    description: 'Alipay OpenAPI gateway asked about orders',
    errorMessage: '{name} must be an http(s) URL',
  }),
  ORDERPULSE_PAYMENT_QUERY_AFTER: formatted('duration-1s', {
    default: '2m',
    description: 'age of an unpaid order at which its payment provider is first asked',
    errorMessage: '{name} must be a duration of at least 1s, e.g. "2m", got "{value}"',
  }),
  ORDERPULSE_ORDER_SYSTEM_URL: Type.Optional(
    text({
      pattern: '^https?://',
      description: "the merchant order system's endpoint for signed payment-confirmed webhooks",
      errorMessage: '{name} must be an http(s) URL',
    }),
  ),
  ORDERPULSE_ORDER_SYSTEM_SECRET: Type.Optional(
    text({ description: 'shared secret of the order-system webhook signatures (HMAC-SHA256)' }),
  ),
  ORDERPULSE_KUAIDI100_SALT: Type.Optional(text({ description: 'salt of Kuaidi100 push signatures' })),
  ORDERPULSE_KUAIDI100_CUSTOMER: Type.Optional(text({ description: 'Kuaidi100 query account' })),
  ORDERPULSE_KUAIDI100_KEY: Type.Optional(text({ description: 'Kuaidi100 query key' })),
  ORDERPULSE_KUAIDI100_BASE_URL: text({
    default: 'https://poll.kuaidi100.com',
    pattern: '^https?://',
    description: 'Kuaidi100 query API',
    errorMessage: '{name} must be an http(s) URL',
  }),
  ORDERPULSE_KUAIDI100_CALLBACK_URL: Type.Optional(
    text({
      pattern: '^https?://',
      description:
        'public URL of /v1/notify/kuaidi100; with key and salt, aborted waybills are subscribed again',
      errorMessage: '{name} must be an http(s) URL',
    }),
  ),
  // Kuaidi100 locks waybills queried more than once per 30 minutes.
  ORDERPULSE_CARRIER_POLL_RATE: integer(1, 1000, 2, 'carrier queries per second over all waybills'),
  ORDERPULSE_CARRIER_POLL_INTERVAL_MINUTES: integer(30, 7 * 24 * 60, 360, 'interval per waybill'),
  ORDERPULSE_INSTANCE: Type.Optional(
    text({ description: 'instance label of alerts; default <hostname>:PORT' }),
  ),
  ORDERPULSE_WATCHDOG_INTERVAL_SECONDS: integer(0, 3600, 60, 'Watchdog heartbeat interval; 0: never'),
  ORDERPULSE_RATE_LIMIT_AUTH_FAILURES: rateLimit(
    DEFAULT_RATE_LIMITS.authFailures,
    'failed authentications per client address',
  ),
  ORDERPULSE_RATE_LIMIT_CALLBACKS: rateLimit(DEFAULT_RATE_LIMITS.callbacks, 'provider callbacks per address'),
  ORDERPULSE_RATE_LIMIT_INGEST: rateLimit(DEFAULT_RATE_LIMITS.ingest, 'ingest requests per token'),
  ORDERPULSE_AMQP_URL: Type.Optional(
    text({
      pattern: '^amqps?://',
      description: 'RabbitMQ; set: cluster mode (events go through partitioned quorum queues)',
      errorMessage: '{name} must be an amqp:// or amqps:// URL',
    }),
  ),
  ORDERPULSE_ROLE: text({
    default: 'all',
    pattern: '^(all|ingress|processor)$',
    description: 'cluster mode: all, ingress (takes writes onto the broker) or processor (broker to store)',
    errorMessage: '{name} must be all, ingress or processor, got "{value}"',
  }),
  ORDERPULSE_PARTITIONS: integer(1, 256, 8, 'cluster mode: event partitions (one quorum queue each)'),
  ORDERPULSE_AMQP_PREFIX: text({
    default: 'orderpulse',
    pattern: '^[A-Za-z0-9_.-]{1,100}$',
    description:
      'prefix of the queue names (cluster mode) and of the Redis channels of the joined live streams',
    errorMessage: '{name} may use letters, digits, "_", "." and "-" (1 to 100), got "{value}"',
  }),
  ORDERPULSE_REDIS_URL: Type.Optional(
    text({
      pattern: '^rediss?://',
      description: 'Redis; set: the live streams of all collectors are joined',
      errorMessage: '{name} must be a redis:// or rediss:// URL',
    }),
  ),
  ORDERPULSE_TRUST_PROXY: text({ default: 'false', description: 'true, or the trusted proxies' }),
  ORDERPULSE_REQUEST_TIMEOUT: formatted('duration-1s', {
    default: '5m',
    description: 'longest time to receive one whole request',
    errorMessage: '{name} must be a duration of at least 1s, e.g. "5m"',
  }),
});

export type EnvName = keyof typeof ENV_SCHEMA.properties;

export const ENV_NAMES = Object.keys(ENV_SCHEMA.properties) as EnvName[];

/** The schema of one variable, with the options every entry above may carry. */
export function variableSchema(name: EnvName): TSchema & Partial<EnvOptions> {
  return ENV_SCHEMA.properties[name];
}
