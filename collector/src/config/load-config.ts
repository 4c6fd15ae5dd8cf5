// The collector's configuration: the environment read once through the schema in config/,
// checked as a whole and frozen.
import os from 'node:os';
import path from 'node:path';
import { type DailyTime, parseDailyTime } from '../domain/reconciliation/daily-schedule.ts';
import { durationMs, parseRateLimit, parseTokens, type RateLimit, type TokenEntry } from './formats.ts';
import { processEnvironment } from './process-environment.ts';
import { readEnvironment } from './read-environment.ts';

export { DEFAULT_RATE_LIMITS } from './schema.ts';
export { parseRateLimit, parseTokens, type RateLimit, type TokenEntry };

export type ClusterRole = 'all' | 'ingress' | 'processor';

export interface ClusterConfig {
  amqpUrl: string;
  /** ingress: takes writes onto the broker; processor: broker to store, rules, notifications; all: both. */
  role: ClusterRole;
  partitions: number;
  /** Queue names start with it (several clusters, or test runs, may share one broker). */
  prefix: string;
}

export interface Config {
  port: number;
  host: string;
  /** Unset: the embedded PGlite store under dataDir. */
  databaseUrl: string | undefined;
  /** Every table lives in this schema (search_path), so Grafana users read `orderpulse.*`. */
  databaseSchema: string;
  dataDir: string;
  timeZone: string;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  tokens: { ingest: TokenEntry[]; viewer: TokenEntry[]; operator: TokenEntry[]; admin: TokenEntry[] };
  /** ORDERPULSE_TOKENS_FILE, resolved; its tokens are read and watched by the app. */
  tokensFile: string | undefined;
  /** Events queued for commit beyond which ingestion answers 503 buffer_full. */
  ingestQueueLimit: number;
  /** Largest group commit, in events. */
  groupCommitMaxEvents: number;
  rulesDir: string;
  dashboardDir: string;
  /** Public base URL used in notification links; defaults to http://localhost:PORT. */
  publicUrl: string;
  storeLabelCap: number;
  /**
   * The `instance` label of everything pushed to Alertmanager: the address Prometheus scrapes, so
   * an alert from Prometheus about this collector (OrderPulseCollectorDown) can inhibit its own.
   */
  instance: string;
  /** Cluster mode (ORDERPULSE_AMQP_URL set); undefined: one collector, events committed in-process. */
  cluster: ClusterConfig | undefined;
  /** Joins the live streams of several collectors (the Socket.IO Redis adapter). */
  redisUrl: string | undefined;
  /** Names of the queues and Redis channels start with it. */
  clusterPrefix: string;
  /** How often the always-firing Watchdog alert is pushed to Alertmanager; 0: never. */
  watchdogIntervalMs: number;
  wechatpay: { apiV3Key: string | undefined; platformPublicKeyPath: string | undefined };
  alipayPublicKeyPath: string | undefined;
  /** What a signed Alipay notify must also carry: our app id and seller id; SHA-1 signatures only by opt-in. */
  alipayNotify: { appId: string | undefined; sellerId: string | undefined; allowRsa1: boolean };
  kuaidi100Salt: string | undefined;
  /** Folder watched for daily bill drops (`<dir>/wechatpay/*`, `<dir>/alipay/*`); unset: none. */
  billsDir: string | undefined;
  /** Largest bill accepted, in bytes after decompression (and as uploaded). */
  billMaxBytes: number;
  /** Local time of the daily reconciliation run; undefined when ORDERPULSE_RECONCILE_AT=off. */
  reconcileAt: DailyTime | undefined;
  /** Kuaidi100 query API account; unset: no carrier polling (pushes still work with the salt). */
  kuaidi100Query: { customer: string; key: string; baseUrl: string } | undefined;
  /** Kuaidi100 subscribe account (the query key, the push salt, our callback URL); unset: no resubscribing. */
  kuaidi100Subscribe: { key: string; salt: string; callbackUrl: string; baseUrl: string } | undefined;
  /** Carrier polling: queries per second over all waybills, and the interval per waybill. */
  carrierPoll: { ratePerSecond: number; intervalMs: number };
  /** Dead letters older than retentionMs go, and the oldest go while all take more than maxBytes. */
  deadLetters: { retentionMs: number; maxBytes: number };
  /** Delivered and given-up outbox rows older than this are deleted (pending ones never). */
  notificationRetentionMs: number;
  /**
   * The variables notification channels name in routes.yaml (`url_env`, `secret_env`, …). Which
   * names matter is only known once the rule files are read, and they change with them, so the
   * environment is kept here as read; nothing else reads it.
   */
  channelEnv: Readonly<Record<string, string | undefined>>;
  /** Limits answered with 429; undefined when set to `off`. */
  rateLimits: {
    /** Failed authentications per client address. */
    authFailures: RateLimit | undefined;
    /** Provider callbacks per client address. */
    callbacks: RateLimit | undefined;
    /** Ingest requests per token. */
    ingest: RateLimit | undefined;
  };
  /** Fastify's trustProxy: which proxies' X-Forwarded-For names the client address. */
  trustProxy: boolean | string;
  /** Longest time to receive a whole request (headers and body). */
  requestTimeoutMs: number;
  /** How far ahead of the server clock an event time may lie before it is refused as `invalid_time`. */
  maxClockSkewMs: number;
  /** Asking the payment providers about orders whose callback has not come; a provider is asked only when configured. */
  providerQueries: {
    wechatpay:
      | { mchid: string; merchantKeyPath: string; merchantSerial: string; apiBase: string }
      | undefined;
    alipay: { appId: string; appPrivateKeyPath: string; gateway: string } | undefined;
    /** Age of an order still awaiting payment at which it is first asked about. */
    queryAfterMs: number;
  };
  /** Where confirmed-but-unapplied payments are pushed as signed webhooks; undefined: nowhere. */
  orderSystem: { url: string; secret: string } | undefined;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

/** Reads `env` (the process environment by default) into a frozen Config or throws ConfigError listing every problem. */
export function loadConfig(env: NodeJS.ProcessEnv = processEnvironment(), cwd = process.cwd()): Config {
  const { settings: s, problems } = readEnvironment(env);
  const tokens = {
    ingest: parseTokens(s.ORDERPULSE_INGEST_TOKENS, 'default'),
    viewer: parseTokens(s.ORDERPULSE_VIEWER_TOKENS, 'viewer'),
    operator: parseTokens(s.ORDERPULSE_OPERATOR_TOKENS, 'operator'),
    admin: parseTokens(s.ORDERPULSE_ADMIN_TOKENS, 'admin'),
  };
  for (const entry of [...tokens.ingest, ...tokens.viewer, ...tokens.operator, ...tokens.admin]) {
    if (entry.secret.length < 8) problems.push(`token "${entry.name}" is shorter than 8 characters`);
  }
  const kuaidi100Customer = s.ORDERPULSE_KUAIDI100_CUSTOMER;
  const kuaidi100Key = s.ORDERPULSE_KUAIDI100_KEY;
  if ((kuaidi100Customer === undefined) !== (kuaidi100Key === undefined)) {
    problems.push('ORDERPULSE_KUAIDI100_CUSTOMER and ORDERPULSE_KUAIDI100_KEY must be set together');
  }
  const wechatpayQuery = [
    s.ORDERPULSE_WECHATPAY_MCHID,
    s.ORDERPULSE_WECHATPAY_MERCHANT_KEY,
    s.ORDERPULSE_WECHATPAY_MERCHANT_SERIAL,
  ] as const;
  if (wechatpayQuery.some((v) => v === undefined) && wechatpayQuery.some((v) => v !== undefined)) {
    problems.push(
      'ORDERPULSE_WECHATPAY_MCHID, ORDERPULSE_WECHATPAY_MERCHANT_KEY and ORDERPULSE_WECHATPAY_MERCHANT_SERIAL must be set together',
    );
  }
  // An answer is believed only with the provider's signature, so asking needs the key that verifies it.
  if (
    wechatpayQuery.every((v) => v !== undefined) &&
    s.ORDERPULSE_WECHATPAY_PLATFORM_PUBLIC_KEY === undefined
  ) {
    problems.push(
      'ORDERPULSE_WECHATPAY_MCHID needs ORDERPULSE_WECHATPAY_PLATFORM_PUBLIC_KEY to verify the answers',
    );
  }
  if (s.ORDERPULSE_ALIPAY_APP_PRIVATE_KEY !== undefined) {
    if (s.ORDERPULSE_ALIPAY_APP_ID === undefined) {
      problems.push('ORDERPULSE_ALIPAY_APP_PRIVATE_KEY needs ORDERPULSE_ALIPAY_APP_ID');
    }
    if (s.ORDERPULSE_ALIPAY_PUBLIC_KEY === undefined) {
      problems.push(
        'ORDERPULSE_ALIPAY_APP_PRIVATE_KEY needs ORDERPULSE_ALIPAY_PUBLIC_KEY to verify the answers',
      );
    }
  }
  // Given at all, valid or not: a malformed URL is its own problem, not a missing half.
  const given = (name: string) => (env[name] ?? '') !== '';
  if (given('ORDERPULSE_ORDER_SYSTEM_URL') !== given('ORDERPULSE_ORDER_SYSTEM_SECRET')) {
    problems.push('ORDERPULSE_ORDER_SYSTEM_URL and ORDERPULSE_ORDER_SYSTEM_SECRET must be set together');
  }
  if (s.ORDERPULSE_ORDER_SYSTEM_SECRET !== undefined && s.ORDERPULSE_ORDER_SYSTEM_SECRET.length < 16) {
    problems.push('ORDERPULSE_ORDER_SYSTEM_SECRET must be at least 16 characters');
  }
  if (problems.length > 0) throw new ConfigError(problems);

  // Past the checks above every value below parses: the schema's formats accepted it.
  const rateLimit = (text: string) => parseRateLimit(text) as RateLimit | undefined;
  const trustProxy = s.ORDERPULSE_TRUST_PROXY.trim();
  const config: Config = {
    port: s.PORT,
    host: s.HOST,
    databaseUrl: s.DATABASE_URL,
    databaseSchema: s.ORDERPULSE_DB_SCHEMA,
    dataDir: path.resolve(cwd, s.ORDERPULSE_DATA_DIR),
    timeZone: s.ORDERPULSE_TZ,
    logLevel: s.LOG_LEVEL,
    tokens,
    tokensFile:
      s.ORDERPULSE_TOKENS_FILE === undefined ? undefined : path.resolve(cwd, s.ORDERPULSE_TOKENS_FILE),
    ingestQueueLimit: s.ORDERPULSE_INGEST_QUEUE_LIMIT,
    groupCommitMaxEvents: s.ORDERPULSE_GROUP_COMMIT_MAX,
    rulesDir: path.resolve(cwd, s.ORDERPULSE_RULES_DIR),
    dashboardDir: path.resolve(cwd, s.ORDERPULSE_DASHBOARD_DIR),
    publicUrl: s.ORDERPULSE_PUBLIC_URL ?? `http://localhost:${s.PORT}`,
    storeLabelCap: s.ORDERPULSE_STORE_LABEL_CAP,
    instance: s.ORDERPULSE_INSTANCE ?? `${os.hostname()}:${s.PORT}`,
    watchdogIntervalMs: s.ORDERPULSE_WATCHDOG_INTERVAL_SECONDS * 1000,
    cluster:
      s.ORDERPULSE_AMQP_URL === undefined
        ? undefined
        : {
            amqpUrl: s.ORDERPULSE_AMQP_URL,
            role: s.ORDERPULSE_ROLE as ClusterRole,
            partitions: s.ORDERPULSE_PARTITIONS,
            prefix: s.ORDERPULSE_AMQP_PREFIX,
          },
    redisUrl: s.ORDERPULSE_REDIS_URL,
    clusterPrefix: s.ORDERPULSE_AMQP_PREFIX,
    wechatpay: {
      apiV3Key: s.ORDERPULSE_WECHATPAY_APIV3_KEY,
      platformPublicKeyPath: s.ORDERPULSE_WECHATPAY_PLATFORM_PUBLIC_KEY,
    },
    alipayPublicKeyPath: s.ORDERPULSE_ALIPAY_PUBLIC_KEY,
    alipayNotify: {
      appId: s.ORDERPULSE_ALIPAY_APP_ID,
      sellerId: s.ORDERPULSE_ALIPAY_SELLER_ID,
      allowRsa1: s.ORDERPULSE_ALIPAY_ALLOW_RSA1 === 'true',
    },
    kuaidi100Salt: s.ORDERPULSE_KUAIDI100_SALT,
    billsDir: s.ORDERPULSE_BILLS_DIR === undefined ? undefined : path.resolve(cwd, s.ORDERPULSE_BILLS_DIR),
    billMaxBytes: s.ORDERPULSE_BILL_MAX_BYTES,
    reconcileAt: s.ORDERPULSE_RECONCILE_AT === 'off' ? undefined : parseDailyTime(s.ORDERPULSE_RECONCILE_AT),
    kuaidi100Query:
      kuaidi100Customer && kuaidi100Key
        ? { customer: kuaidi100Customer, key: kuaidi100Key, baseUrl: s.ORDERPULSE_KUAIDI100_BASE_URL }
        : undefined,
    kuaidi100Subscribe:
      kuaidi100Key && s.ORDERPULSE_KUAIDI100_SALT && s.ORDERPULSE_KUAIDI100_CALLBACK_URL
        ? {
            key: kuaidi100Key,
            salt: s.ORDERPULSE_KUAIDI100_SALT,
            callbackUrl: s.ORDERPULSE_KUAIDI100_CALLBACK_URL,
            baseUrl: s.ORDERPULSE_KUAIDI100_BASE_URL,
          }
        : undefined,
    carrierPoll: {
      ratePerSecond: s.ORDERPULSE_CARRIER_POLL_RATE,
      intervalMs: s.ORDERPULSE_CARRIER_POLL_INTERVAL_MINUTES * 60_000,
    },
    notificationRetentionMs: durationMs(s.ORDERPULSE_NOTIFICATION_RETENTION)!,
    deadLetters: {
      retentionMs: durationMs(s.ORDERPULSE_DEAD_LETTER_RETENTION)!,
      maxBytes: s.ORDERPULSE_DEAD_LETTER_MAX_BYTES,
    },
    channelEnv: Object.freeze({ ...env }),
    rateLimits: {
      authFailures: rateLimit(s.ORDERPULSE_RATE_LIMIT_AUTH_FAILURES),
      callbacks: rateLimit(s.ORDERPULSE_RATE_LIMIT_CALLBACKS),
      ingest: rateLimit(s.ORDERPULSE_RATE_LIMIT_INGEST),
    },
    trustProxy: trustProxy === 'false' ? false : trustProxy === 'true' ? true : trustProxy,
    requestTimeoutMs: durationMs(s.ORDERPULSE_REQUEST_TIMEOUT)!,
    maxClockSkewMs: durationMs(s.ORDERPULSE_MAX_CLOCK_SKEW)!,
    providerQueries: {
      wechatpay:
        s.ORDERPULSE_WECHATPAY_MCHID &&
        s.ORDERPULSE_WECHATPAY_MERCHANT_KEY &&
        s.ORDERPULSE_WECHATPAY_MERCHANT_SERIAL
          ? {
              mchid: s.ORDERPULSE_WECHATPAY_MCHID,
              merchantKeyPath: path.resolve(cwd, s.ORDERPULSE_WECHATPAY_MERCHANT_KEY),
              merchantSerial: s.ORDERPULSE_WECHATPAY_MERCHANT_SERIAL,
              apiBase: s.ORDERPULSE_WECHATPAY_API_BASE,
            }
          : undefined,
      alipay:
        s.ORDERPULSE_ALIPAY_APP_ID && s.ORDERPULSE_ALIPAY_APP_PRIVATE_KEY
          ? {
              appId: s.ORDERPULSE_ALIPAY_APP_ID,
              appPrivateKeyPath: path.resolve(cwd, s.ORDERPULSE_ALIPAY_APP_PRIVATE_KEY),
              gateway: s.ORDERPULSE_ALIPAY_GATEWAY,
            }
          : undefined,
      queryAfterMs: durationMs(s.ORDERPULSE_PAYMENT_QUERY_AFTER)!,
    },
    orderSystem:
      s.ORDERPULSE_ORDER_SYSTEM_URL && s.ORDERPULSE_ORDER_SYSTEM_SECRET
        ? { url: s.ORDERPULSE_ORDER_SYSTEM_URL, secret: s.ORDERPULSE_ORDER_SYSTEM_SECRET }
        : undefined,
  };
  return Object.freeze(config);
}
