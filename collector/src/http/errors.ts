// Every error the API answers with, declared once: code, status, and the sentence a caller reads.
// One handler (app.ts) maps them; a 5xx never shows an internal message.

export interface ApiErrorBody {
  error: string;
  message: string;
  details?: unknown;
}

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
  unauthorized: (message = 'a valid bearer token is required') => new ApiError(401, 'unauthorized', message),
  forbidden: (role: string) =>
    new ApiError(403, 'forbidden', `this token's role may not do this; it needs ${role}`),
  notFound: (what: string) => new ApiError(404, 'not_found', `${what} was not found`),
  conflict: (message: string) => new ApiError(409, 'conflict', message),
  tooLarge: (message: string) => new ApiError(413, 'payload_too_large', message),
  unsupportedMediaType: (type: string | undefined) =>
    new ApiError(
      415,
      'unsupported_media_type',
      `content type ${type ? `"${type}"` : '(none)'} is not accepted; send application/json or application/x-ndjson`,
    ),
  rateLimited: (retryAfter: number) =>
    new ApiError(429, 'rate_limited', 'too many requests', undefined, retryAfter),
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
  internal: () => new ApiError(500, 'internal_error', 'an internal error occurred'),
};
