// What the poller needs from a carrier API: query one waybill, get its checkpoints. Adapters
// (Kuaidi100 today) translate their wire format into this and throw CarrierQueryError for
// transport trouble, which the poller answers with backoff.
import type { CarrierUpdate } from '../domain/shipments/carrier-update.ts';
import type { PollTarget } from './poll-schedule.ts';

export type TrackingQueryOutcome =
  | {
      kind: 'tracked';
      updates: CarrierUpdate[];
      /** Nothing more will happen (signed for, returned): stop polling. */
      finished: boolean;
    }
  /** The carrier has nothing for this waybill yet: try again at the normal interval. */
  | { kind: 'no_data'; message: string }
  /** The carrier refused the request (bad parameters, key, phone): back off. */
  | { kind: 'refused'; code: string; message: string };

export interface TrackingQueryClient {
  query(target: PollTarget): Promise<TrackingQueryOutcome>;
}

export const CARRIER_QUERY_FAILURES = ['http', 'timeout', 'network', 'bad_reply'] as const;
export type CarrierQueryFailure = (typeof CARRIER_QUERY_FAILURES)[number];

export class CarrierQueryError extends Error {
  readonly kind: CarrierQueryFailure;
  readonly status: number | undefined;
  /** From a 429/503 `Retry-After`, in ms. */
  readonly retryAfterMs: number | undefined;

  constructor(
    kind: CarrierQueryFailure,
    message: string,
    options: { status?: number; retryAfterMs?: number; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'CarrierQueryError';
    this.kind = kind;
    this.status = options.status;
    this.retryAfterMs = options.retryAfterMs;
  }
}
