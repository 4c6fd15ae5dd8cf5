// Every error the API answers with, declared once: code, status, and the sentence a caller reads.
// One handler (error-handler.ts) maps them; a 5xx never shows an internal message.
import type { ApiErrorBody } from '../wire/errors.ts';

export type { ApiErrorBody };

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
    /** Seconds, sent as Retry-After with 429 and 503. */
    readonly retryAfter?: number,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  toBody(): ApiErrorBody {
    return {
      error: this.code,
      message: this.message,
      ...(this.details !== undefined && { details: this.details }),
    };
  }
}

export const errors = {
  invalidBody: (message: string, details?: unknown) => new ApiError(400, 'invalid_body', message, details),
  invalidRequest: (message: string, details?: unknown) =>
    new ApiError(400, 'invalid_request', message, details),
  /** A client error the framework raised without a code of ours (status 400–499). */
  badRequest: (status: number, message: string) => new ApiError(status, 'bad_request', message),
  /** One item refused by the event limits (`invalid_time`, `too_many_updates`…): the limit's own code. */
  invalidItem: (code: string, message: string) => new ApiError(400, code, message),
  /** A rule file that would make the rule set invalid: `details` are its problems, with positions. */
  invalidRules: (details: unknown) =>
    new ApiError(400, 'invalid_rules', 'the rule set would be invalid; nothing was changed', details),
  invalidBill: (message: string, details?: unknown) => new ApiError(400, 'invalid_bill', message, details),
  /** A provider's own refusal (its signature or format checks), with that check's status and code. */
  providerRefusal: (refusal: { status: number; code: string; message: string }) =>
    new ApiError(refusal.status, refusal.code, refusal.message),
  unauthorized: (message = 'a valid bearer token is required') => new ApiError(401, 'unauthorized', message),
  forbidden: (role: string) =>
    new ApiError(403, 'forbidden', `this token's role may not do this; it needs ${role}`),
  /** Allowed by role, refused by scope: what the caller may not do is said in `message`. */
  forbiddenByScope: (message: string) => new ApiError(403, 'forbidden', message),
  notFound: (what: string) => new ApiError(404, 'not_found', `${what} was not found`),
  conflict: (message: string) => new ApiError(409, 'conflict', message),
  alreadyResolved: (message: string) => new ApiError(409, 'already_resolved', message),
  tooLarge: (message: string, details?: unknown) => new ApiError(413, 'payload_too_large', message, details),
  unsupportedMediaType: (
    type: string | undefined,
    message = `content type ${type ? `"${type}"` : '(none)'} is not accepted; send application/json or application/x-ndjson`,
  ) => new ApiError(415, 'unsupported_media_type', message),
  /** Without `retryAfter` no Retry-After header is sent. */
  rateLimited: (retryAfter: number | undefined, message = 'too many requests') =>
    new ApiError(429, 'rate_limited', message, undefined, retryAfter),
  storeUnavailable: () =>
    new ApiError(
      503,
      'store_unavailable',
      'the event store is unreachable; nothing was accepted, retry later',
      undefined,
      5,
    ),
  bufferFull: () =>
    new ApiError(
      503,
      'ingest_buffer_full',
      'the ingest buffer is full; nothing was accepted, retry later',
      undefined,
      1,
    ),
  shuttingDown: () =>
    new ApiError(
      503,
      'shutting_down',
      'the collector is shutting down; nothing was accepted, retry later',
      undefined,
      2,
    ),
  /** A feature whose secrets are not configured; the caller may retry once they are. */
  notConfigured: (message: string) => new ApiError(503, 'not_configured', message, undefined, 60),
  providerNotConfigured: (provider: string) =>
    new ApiError(
      503,
      'provider_not_configured',
      `${provider} notifications cannot be verified: the collector has no ${provider} keys configured`,
      undefined,
      60,
    ),
  internal: () => new ApiError(500, 'internal_error', 'an internal error occurred'),
};
