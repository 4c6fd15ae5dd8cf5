// One HTTP POST with a deadline, failures classified for the outbox. Error messages name the host only:
// robot webhook URLs carry access tokens and must not end up in logs or the outbox's last_error.
import { DeliveryError } from './delivery-error.ts';

export interface PostJsonOptions {
  timeoutMs: number;
  headers?: Readonly<Record<string, string>>;
  signal?: AbortSignal;
}

export interface PostJsonResult {
  status: number;
  body: string;
}

/** Statuses worth trying again: the receiver may recover (RFC 9110 semantics plus 429). */
function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 425 || status === 429 || status >= 500;
}

export function parseRetryAfter(value: string | null, nowMs: number): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return 'invalid-url';
  }
}

export interface PostBodyResult extends PostJsonResult {
  headers: Headers;
}

/**
 * One POST of `body` as given (signed bodies must go out byte for byte), with the deadline and network
 * failures classified; any HTTP status is returned for the caller to read (SMS APIs put their error
 * codes in 4xx bodies).
 */
export async function postBody(
  url: string,
  body: string,
  options: PostJsonOptions & { contentType: string },
): Promise<PostBodyResult> {
  const timeout = AbortSignal.timeout(options.timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  const host = hostOf(url);
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': options.contentType, ...options.headers },
      body,
      signal,
    });
    return { status: response.status, body: await response.text(), headers: response.headers };
  } catch (error) {
    if (timeout.aborted) {
      throw new DeliveryError(`${host} did not answer within ${options.timeoutMs} ms`, {
        code: 'timeout',
        retryable: true,
        cause: error,
      });
    }
    const reason =
      error instanceof Error && error.cause instanceof Error ? error.cause.message : String(error);
    throw new DeliveryError(`cannot reach ${host}: ${reason}`, {
      code: 'network',
      retryable: true,
      cause: error,
    });
  }
}

/** A non-2xx answer as a DeliveryError: retryable for 408, 425, 429 and 5xx. */
export function httpStatusError(url: string, status: number, body: string, headers: Headers): DeliveryError {
  return new DeliveryError(`${hostOf(url)} answered HTTP ${status}: ${body.slice(0, 200)}`, {
    code: status === 429 ? 'rate_limited' : 'http_status',
    retryable: isRetryableStatus(status),
    status,
    retryAfterMs: parseRetryAfter(headers.get('retry-after'), Date.now()),
  });
}

export async function postJson(
  url: string,
  payload: unknown,
  options: PostJsonOptions,
): Promise<PostJsonResult> {
  const response = await postBody(url, JSON.stringify(payload), {
    ...options,
    contentType: 'application/json; charset=utf-8',
  });
  if (response.status < 200 || response.status > 299) {
    throw httpStatusError(url, response.status, response.body, response.headers);
  }
  return { status: response.status, body: response.body };
}

/** Chat robots answer HTTP 200 with an error code in the JSON body; `null` when it cannot be parsed. */
export function parseJsonBody(body: string): Record<string, unknown> | null {
  try {
    const parsed: unknown = JSON.parse(body);
    return parsed !== null && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}
