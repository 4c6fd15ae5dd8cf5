// The value shapes environment variables are written in that JSON Schema has no word for:
// durations, rate limits, token lists, daily times. Each is a TypeBox format, so the schema names
// it and one check validates every variable.
import { FormatRegistry } from '@sinclair/typebox';
import { parseDailyTime } from '../domain/reconciliation/daily-schedule.ts';
import { parseDuration } from '../rules-config/duration.ts';

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

/** Comma-separated secrets, each optionally `name=secret`; a bare secret gets `defaultName`. */
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

/** Milliseconds of a Prometheus-style duration, or undefined when it is not one. */
export function durationMs(text: string): number | undefined {
  const parsed = parseDuration(text);
  return parsed.ok ? parsed.ms : undefined;
}

const atLeast = (minMs: number) => (text: string) => (durationMs(text) ?? -1) >= minMs;

const isTimeZone = (text: string) => {
  try {
    new Intl.DateTimeFormat('en', { timeZone: text });
    return true;
  } catch {
    return false;
  }
};

/** The formats the environment schema uses; registered once, on import. */
export const FORMATS = {
  duration: atLeast(0),
  'duration-1s': atLeast(1_000),
  'duration-1m': atLeast(60_000),
  'duration-1d': atLeast(86_400_000),
  'rate-limit': (text: string) => typeof parseRateLimit(text) !== 'string',
  'daily-time-or-off': (text: string) => text === 'off' || parseDailyTime(text) !== undefined,
  'time-zone': isTimeZone,
  // AES-256-GCM wants a 32-byte key; counted in bytes, as WeChat Pay's console hands it out.
  'bytes-32': (text: string) => Buffer.byteLength(text) === 32,
} as const satisfies Record<string, (text: string) => boolean>;

export type EnvFormat = keyof typeof FORMATS;

for (const [name, check] of Object.entries(FORMATS)) {
  if (!FormatRegistry.Has(name)) FormatRegistry.Set(name, check);
}
