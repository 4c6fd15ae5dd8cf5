// Every channel failure is one of these, so the outbox decides retry versus give-up from data, not from
// the shape of whatever library threw.

export type DeliveryErrorCode =
  | 'network' // connection refused, reset, DNS, TLS
  | 'timeout'
  | 'http_status' // the receiver answered with a non-success HTTP status
  | 'rejected' // HTTP 200 but the robot API reported an error code in the body
  | 'rate_limited'
  | 'smtp'
  | 'config'; // the channel cannot work as configured (missing env var, unknown channel)

export interface DeliveryErrorOptions {
  code: DeliveryErrorCode;
  retryable: boolean;
  /** HTTP status (or SMTP reply code) when the receiver answered. */
  status?: number;
  /** The receiver asked us to wait this long (Retry-After). */
  retryAfterMs?: number;
  cause?: unknown;
}

export class DeliveryError extends Error {
  readonly code: DeliveryErrorCode;
  readonly retryable: boolean;
  readonly status: number | undefined;
  readonly retryAfterMs: number | undefined;

  constructor(message: string, options: DeliveryErrorOptions) {
    super(message, { cause: options.cause });
    this.name = 'DeliveryError';
    this.code = options.code;
    this.retryable = options.retryable;
    this.status = options.status;
    this.retryAfterMs = options.retryAfterMs;
  }
}

/** Unexpected throws (bugs, library errors) become retryable failures rather than lost notifications. */
export function toDeliveryError(error: unknown): DeliveryError {
  if (error instanceof DeliveryError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new DeliveryError(message, { code: 'network', retryable: true, cause: error });
}
