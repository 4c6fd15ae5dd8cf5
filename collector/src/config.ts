// The one reader of the environment: parsed once, validated strictly, frozen.
import os from 'node:os';
import path from 'node:path';
import { type DailyTime, parseDailyTime } from './domain/reconciliation/daily-schedule.ts';
import { DEFAULT_MAX_CLOCK_SKEW_MS } from './ingest/event-time.ts';
import { parseDuration } from './rules-config/duration.ts';

export interface TokenEntry {
  /** For ingest tokens the name becomes the event `source`. */
  name: string;
  secret: string;
}

/** At most `max` requests per `windowMs`, per key (client address or token). */
export interface RateLimit {
  max: number;
  windowMs: number;
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
  tokens: { ingest: TokenEntry[]; viewer: TokenEntry[]; operator: TokenEntry[] };
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
  /** Carrier polling: queries per second over all waybills, and the interval per waybill. */
  carrierPoll: { ratePerSecond: number; intervalMs: number };
  /** Dead letters older than retentionMs go, and the oldest go while all take more than maxBytes. */
  deadLetters: { retentionMs: number; maxBytes: number };
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
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

// Far above what honest callers send (the ingest benchmarks post 10k events/s from one token as
// 200 requests/s; the demo replays an hour of payment callbacks from one address as fast as it
// can), so only floods and token guessing meet them.
export const DEFAULT_RATE_LIMITS = {
  authFailures: '30/1m',
  callbacks: '1000/1s',
  ingest: '1000/1s',
} as const;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export function parseTokens(value: string | undefined, defaultName: string): TokenEntry[] {
  if (!value) return [];
  return value
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part.length > 0)
    .map((part) => {
      const eq = part.indexOf('=');
      if (eq <= 0) return { name: defaultName, secret: part };
      return { name: part.slice(0, eq).trim(), secret: part.slice(eq + 1).trim() };
    });
}

/** `N/DURATION` (e.g. `30/1m`) or `off`. */
export function parseRateLimit(text: string): RateLimit | undefined | string {
  if (text.trim() === 'off') return undefined;
  const match = /^\s*(\d+)\s*\/\s*(\S+)\s*$/.exec(text);
  const duration = match ? parseDuration(match[2]!) : undefined;
  if (!match || !duration?.ok || duration.ms <= 0 || Number(match[1]) < 1) {
    return `"${text}" is not a rate limit; write requests/duration such as "30/1m", or "off"`;
  }
  return { max: Number(match[1]), windowMs: duration.ms };
}

/** Reads `env` (process.env by default) into a frozen Config or throws ConfigError listing every problem. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Config {
  const problems: string[] = [];
  const int = (name: string, fallback: number, min: number, max: number): number => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) {
      problems.push(`${name} must be an integer from ${min} to ${max}, got "${raw}"`);
      return fallback;
    }
    return n;
  };
  const port = int('PORT', 8080, 0, 65535);
  const maxClockSkewText = env.ORDERPULSE_MAX_CLOCK_SKEW || undefined;
  const maxClockSkew = maxClockSkewText === undefined ? undefined : parseDuration(maxClockSkewText);
  if (maxClockSkew !== undefined && !maxClockSkew.ok)
    problems.push(`ORDERPULSE_MAX_CLOCK_SKEW: ${maxClockSkew.message}`);
  const logLevel = (env.LOG_LEVEL ?? 'info') as Config['logLevel'];
  if (!LOG_LEVELS.includes(logLevel)) problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}`);
  const schema = env.ORDERPULSE_DB_SCHEMA ?? 'orderpulse';
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema))
    problems.push('ORDERPULSE_DB_SCHEMA must be a lower-case SQL identifier');
  const timeZone = env.ORDERPULSE_TZ ?? 'Asia/Shanghai';
  try {
    new Intl.DateTimeFormat('en', { timeZone });
  } catch {
    problems.push(`ORDERPULSE_TZ "${timeZone}" is not an IANA time zone`);
  }
  const apiV3Key = env.ORDERPULSE_WECHATPAY_APIV3_KEY || undefined;
  if (apiV3Key !== undefined && Buffer.byteLength(apiV3Key) !== 32) {
    problems.push('ORDERPULSE_WECHATPAY_APIV3_KEY must be 32 bytes');
  }
  const databaseUrl = env.DATABASE_URL || undefined;
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    problems.push('DATABASE_URL must be a postgres:// or postgresql:// URL');
  }
  const reconcileText = env.ORDERPULSE_RECONCILE_AT ?? '02:00';
  const reconcileAt = reconcileText === 'off' ? undefined : parseDailyTime(reconcileText);
  if (reconcileText !== 'off' && reconcileAt === undefined) {
    problems.push(`ORDERPULSE_RECONCILE_AT must be HH:MM or off, got "${reconcileText}"`);
  }
  const tokens = {
    ingest: parseTokens(env.ORDERPULSE_INGEST_TOKENS, 'default'),
    viewer: parseTokens(env.ORDERPULSE_VIEWER_TOKENS, 'viewer'),
    operator: parseTokens(env.ORDERPULSE_OPERATOR_TOKENS, 'operator'),
  };
  for (const entry of [...tokens.ingest, ...tokens.viewer, ...tokens.operator]) {
    if (entry.secret.length < 8) problems.push(`token "${entry.name}" is shorter than 8 characters`);
  }
  const allowRsa1Text = env.ORDERPULSE_ALIPAY_ALLOW_RSA1 || 'false';
  if (allowRsa1Text !== 'true' && allowRsa1Text !== 'false') {
    problems.push(`ORDERPULSE_ALIPAY_ALLOW_RSA1 must be true or false, got "${allowRsa1Text}"`);
  }
  const kuaidi100Customer = env.ORDERPULSE_KUAIDI100_CUSTOMER || undefined;
  const kuaidi100Key = env.ORDERPULSE_KUAIDI100_KEY || undefined;
  if ((kuaidi100Customer === undefined) !== (kuaidi100Key === undefined)) {
    problems.push('ORDERPULSE_KUAIDI100_CUSTOMER and ORDERPULSE_KUAIDI100_KEY must be set together');
  }
  const kuaidi100BaseUrl = env.ORDERPULSE_KUAIDI100_BASE_URL || 'https://poll.kuaidi100.com';
  if (!/^https?:\/\//.test(kuaidi100BaseUrl))
    problems.push('ORDERPULSE_KUAIDI100_BASE_URL must be an http(s) URL');
  const retentionText = env.ORDERPULSE_DEAD_LETTER_RETENTION || '7d';
  const retention = parseDuration(retentionText);
  if (!retention.ok || retention.ms < 60_000) {
    problems.push(
      `ORDERPULSE_DEAD_LETTER_RETENTION must be a duration of at least 1m (e.g. "7d"), got "${retentionText}"`,
    );
  }
  const rateLimit = (name: string, fallback: string): RateLimit | undefined => {
    const parsed = parseRateLimit(env[name] || fallback);
    if (typeof parsed === 'string') {
      problems.push(`${name}: ${parsed}`);
      return undefined;
    }
    return parsed;
  };
  const trustProxyText = (env.ORDERPULSE_TRUST_PROXY ?? '').trim();
  const trustProxy: Config['trustProxy'] =
    trustProxyText === '' || trustProxyText === 'false'
      ? false
      : trustProxyText === 'true'
        ? true
        : trustProxyText;
  const requestTimeout = parseDuration(env.ORDERPULSE_REQUEST_TIMEOUT || '5m');
  if (!requestTimeout.ok || requestTimeout.ms < 1_000) {
    problems.push('ORDERPULSE_REQUEST_TIMEOUT must be a duration of at least 1s, e.g. "5m"');
  }
  const config: Config = {
    port,
    host: env.HOST ?? '0.0.0.0',
    databaseUrl,
    databaseSchema: schema,
    dataDir: path.resolve(cwd, env.ORDERPULSE_DATA_DIR ?? 'data'),
    timeZone,
    logLevel,
    tokens,
    ingestQueueLimit: int('ORDERPULSE_INGEST_QUEUE_LIMIT', 200_000, 1, 10_000_000),
    groupCommitMaxEvents: int('ORDERPULSE_GROUP_COMMIT_MAX', 10_000, 1, 100_000),
    rulesDir: path.resolve(cwd, env.ORDERPULSE_RULES_DIR ?? 'alert-rules'),
    dashboardDir: path.resolve(cwd, env.ORDERPULSE_DASHBOARD_DIR ?? 'dashboard/dist'),
    publicUrl: env.ORDERPULSE_PUBLIC_URL ?? `http://localhost:${port}`,
    storeLabelCap: int('ORDERPULSE_STORE_LABEL_CAP', 50, 1, 1000),
    instance: env.ORDERPULSE_INSTANCE || `${os.hostname()}:${port}`,
    watchdogIntervalMs: int('ORDERPULSE_WATCHDOG_INTERVAL_SECONDS', 60, 0, 3600) * 1000,
    wechatpay: {
      apiV3Key,
      platformPublicKeyPath: env.ORDERPULSE_WECHATPAY_PLATFORM_PUBLIC_KEY || undefined,
    },
    alipayPublicKeyPath: env.ORDERPULSE_ALIPAY_PUBLIC_KEY || undefined,
    alipayNotify: {
      appId: env.ORDERPULSE_ALIPAY_APP_ID || undefined,
      sellerId: env.ORDERPULSE_ALIPAY_SELLER_ID || undefined,
      allowRsa1: allowRsa1Text === 'true',
    },
    kuaidi100Salt: env.ORDERPULSE_KUAIDI100_SALT || undefined,
    billsDir: env.ORDERPULSE_BILLS_DIR ? path.resolve(cwd, env.ORDERPULSE_BILLS_DIR) : undefined,
    billMaxBytes: int('ORDERPULSE_BILL_MAX_BYTES', 256 * 1024 * 1024, 1024 * 1024, 64 * 1024 * 1024 * 1024),
    reconcileAt,
    kuaidi100Query:
      kuaidi100Customer && kuaidi100Key
        ? { customer: kuaidi100Customer, key: kuaidi100Key, baseUrl: kuaidi100BaseUrl }
        : undefined,
    carrierPoll: {
      ratePerSecond: int('ORDERPULSE_CARRIER_POLL_RATE', 2, 1, 1000),
      // Kuaidi100 locks waybills queried more than once per 30 minutes.
      intervalMs: int('ORDERPULSE_CARRIER_POLL_INTERVAL_MINUTES', 360, 30, 7 * 24 * 60) * 60_000,
    },
    deadLetters: {
      retentionMs: retention.ok ? retention.ms : 0,
      maxBytes: int('ORDERPULSE_DEAD_LETTER_MAX_BYTES', 256 * 1024 * 1024, 1024 * 1024, 2 ** 50),
    },
    channelEnv: Object.freeze({ ...env }),
    rateLimits: {
      authFailures: rateLimit('ORDERPULSE_RATE_LIMIT_AUTH_FAILURES', DEFAULT_RATE_LIMITS.authFailures),
      callbacks: rateLimit('ORDERPULSE_RATE_LIMIT_CALLBACKS', DEFAULT_RATE_LIMITS.callbacks),
      ingest: rateLimit('ORDERPULSE_RATE_LIMIT_INGEST', DEFAULT_RATE_LIMITS.ingest),
    },
    trustProxy,
    requestTimeoutMs: requestTimeout.ok && requestTimeout.ms >= 1_000 ? requestTimeout.ms : 300_000,
    maxClockSkewMs: maxClockSkew?.ok ? maxClockSkew.ms : DEFAULT_MAX_CLOCK_SKEW_MS,
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze(config);
}
