// One POST with the retries a well-behaved client owes the collector: 503 and 429 are waited out as
// long as Retry-After says (bounded), connection errors are retried with back-off; anything else is
// the answer. A 503 that says the provider is not configured is final: waiting will not fix it.
import { type PacingClock, realClock } from './pacing.ts';

export interface PostResult {
  status: number;
  body: string;
  attempts: number;
}

export interface PostOptions {
  maxAttempts?: number;
  /** Longest wait honoured from a Retry-After header. */
  maxRetryAfterMs?: number;
  signal?: AbortSignal;
  /** Called before each retry with the reason (progress line counts them). */
  onRetry?: (reason: string) => void;
  /** Waits between attempts go through this clock (default: real time). */
  clock?: PacingClock;
}

const FINAL_503_CODES = new Set(['provider_not_configured', 'not_configured']);

function retryAfterMs(header: string | null, fallbackMs: number): number {
  if (header === null) return fallbackMs;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? fallbackMs : Math.max(0, date - Date.now());
}

function errorCode(body: string): string | undefined {
  try {
    const parsed = JSON.parse(body) as { error?: unknown };
    return typeof parsed.error === 'string' ? parsed.error : undefined;
  } catch {
    return undefined;
  }
}

export async function postWithRetry(
  url: string,
  init: { headers: Record<string, string>; body: string },
  options: PostOptions = {},
): Promise<PostResult> {
  const maxAttempts = options.maxAttempts ?? 8;
  const maxWait = options.maxRetryAfterMs ?? 30_000;
  const clock = options.clock ?? realClock;
  let lastError: unknown;
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    let response: Response;
    try {
      response = await fetch(url, {
        method: 'POST',
        headers: init.headers,
        body: init.body,
      });
    } catch (error) {
      // The signal is not given to fetch (each call would leave a listener on it); stop between tries.
      if (options.signal?.aborted) throw error;
      lastError = error;
      if (attempt === maxAttempts) break;
      options.onRetry?.('connection');
      await clock.sleep(Math.min(maxWait, 250 * 2 ** (attempt - 1)), options.signal);
      continue;
    }
    const body = await response.text();
    const retryable = response.status === 503 || response.status === 429;
    if (!retryable || attempt === maxAttempts || FINAL_503_CODES.has(errorCode(body) ?? '')) {
      return { status: response.status, body, attempts: attempt };
    }
    options.onRetry?.(String(response.status));
    const wait = Math.min(maxWait, retryAfterMs(response.headers.get('retry-after'), 500 * attempt));
    await clock.sleep(wait, options.signal);
  }
  throw new Error(
    `POST ${url} failed after ${maxAttempts} attempts: ${(lastError as Error)?.message ?? lastError}`,
  );
}
